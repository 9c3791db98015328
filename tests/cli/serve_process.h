// A `kjit serve` child for the CLI tests (workflows_serve_test, hardening_test):
// started on a free loopback port with a private cache, its port read from its
// first line of output, killed at the end if still alive; plus a client for it
// and (tests/common/loopback.h) a raw connection for requests httplib would
// not send.
//
// Thread safety: test-only; port() may be read from many threads, the rest
// from the test's thread.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <httplib.h>

#include "tests/cli/workflows_test_util.h"
#include "tests/common/loopback.h"

namespace kjit::tools::flows_test {

// `kjit --cache-dir CACHE serve --listen 127.0.0.1:0` (KJIT_DEFINITIONS unset).
class ServeProcess {
 public:
  explicit ServeProcess(const fs::path& cache) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    m_pid = ::fork();
    if (m_pid == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      ::unsetenv("KJIT_DEFINITIONS");
      ::execl(KJIT_BINARY, KJIT_BINARY, "--cache-dir", cache.c_str(), "serve", "--listen", "127.0.0.1:0",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    FILE* out = ::fdopen(fds[0], "r");
    char line[256] = {};
    if (out && std::fgets(line, sizeof line, out)) {  // "kjit: listening on http://127.0.0.1:PORT"
      std::string s = line;
      auto colon = s.rfind(':');
      if (colon != std::string::npos) m_port = std::atoi(s.c_str() + colon + 1);
    }
    if (out) std::fclose(out);
  }
  ~ServeProcess() {
    if (m_pid > 0 && !m_reaped) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return m_port; }
  // Sends `sig` and waits up to `timeout` for the exit code (-1 on timeout).
  int stop(int sig, std::chrono::seconds timeout) {
    ::kill(m_pid, sig);
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_reaped = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  pid_t m_pid = -1;
  int m_port = 0;
  bool m_reaped = false;
};

// An HTTP client of 127.0.0.1:`port` that waits up to `read_timeout_s` for a response.
inline httplib::Client serve_client(int port, time_t read_timeout_s = 120) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(read_timeout_s, 0);
  return c;
}

using kjit::testing::connect_loopback;

}  // namespace kjit::tools::flows_test
