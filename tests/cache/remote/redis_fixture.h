// A real redis-server for the remote tier's tests: started on a free loopback
// port (and a unix socket) in a temporary folder, stopped (SIGKILL, then
// reaped) when the object dies. Helpers kill it, restart it on the same port,
// SIGSTOP / SIGCONT it, and run commands on it.
//
// When redis-server is not installed the tests skip, except under CI=true,
// where they fail (tools/setup.sh installs it).
//
// Thread safety: test-only; one test at a time.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cache/remote/redis_connection.h"
#include "cache/remote/remote_spec.h"
#include "tests/common/temp_dir.h"

namespace kjit::cache::remote::testing {

namespace fs = std::filesystem;

inline bool redis_server_installed() {
  return std::system("command -v redis-server >/dev/null 2>&1") == 0;
}

// Skips the test (fails it under CI=true) when redis-server is missing.
#define KJIT_REQUIRE_REDIS()                                                                         \
  do {                                                                                               \
    if (!::kjit::cache::remote::testing::redis_server_installed()) {                                 \
      const char* ci = std::getenv("CI");                                                            \
      if (ci && std::string(ci) == "true") FAIL() << "redis-server is not installed (CI=true): run tools/setup.sh"; \
      GTEST_SKIP() << "redis-server is not installed (tools/setup.sh installs it)";                  \
    }                                                                                                \
  } while (0)

// The test's own folder (tests/common/temp_dir.h) as `tmp.path`.
struct TempFolder {
  kjit::testing::TempDir folder{"kjit_remote"};
  fs::path path = folder.path();
};

inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

class RedisProcess {
 public:
  // `extra`: more redis-server arguments (e.g. {"--maxmemory", "2mb"}).
  explicit RedisProcess(std::vector<std::string> extra = {}) : m_extra(std::move(extra)) {
    m_dir = m_tmp.path;
    for (int attempt = 0; attempt < 5 && m_pid <= 0; ++attempt) {
      m_port = free_port();
      if (!launch()) stop();
    }
  }
  ~RedisProcess() { stop(); }

  bool running() const { return m_pid > 0; }
  int port() const { return m_port; }
  std::string socket() const { return (m_dir / "redis.sock").string(); }
  std::string url(const std::string& attributes = "") const {
    return "redis://127.0.0.1:" + std::to_string(m_port) + attributes;
  }
  std::string unix_url(const std::string& attributes = "") const { return "redis+unix://" + socket() + attributes; }

  // SIGKILL (a crash), reaped.
  void stop() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGCONT);
      ::kill(m_pid, SIGKILL);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
    }
    m_pid = -1;
  }
  // A new process on the same port (empty: no persistence).
  bool restart() {
    stop();
    return launch();
  }
  void pause() { ::kill(m_pid, SIGSTOP); }
  void resume() { ::kill(m_pid, SIGCONT); }

  // Runs one command on a fresh connection; the reply, or a failure.
  RedisResult<Reply> command(const std::vector<std::string_view>& args) const {
    RemoteServerSpec spec;
    spec.host = "127.0.0.1";
    spec.port = m_port;
    spec.connect_timeout = std::chrono::milliseconds(1000);
    spec.op_timeout = std::chrono::milliseconds(5000);
    auto conn = Connection::open(spec);
    if (!conn) return std::unexpected(conn.error());
    return (*conn)->command(args);
  }
  long long integer(const std::vector<std::string_view>& args) const {
    auto r = command(args);
    return r && r->type == Reply::Type::integer ? r->integer : -1;
  }

 private:
  bool launch() {
    const std::string port = std::to_string(m_port);
    std::vector<std::string> args{"redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", m_dir.string(),
                                  "--unixsocket", socket(), "--unixsocketperm", "700", "--save", "", "--appendonly",
                                  "no", "--logfile", (m_dir / "redis.log").string(), "--daemonize", "no"};
    for (auto& e : m_extra) args.push_back(e);
    pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp("redis-server", argv.data());
      ::_exit(127);
    }
    m_pid = pid;
    for (int i = 0; i < 200; ++i) {  // up to 10 s
      auto r = command({"PING"});
      if (r && r->str == "PONG") return true;
      int status = 0;
      if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_pid = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  TempFolder m_tmp;
  fs::path m_dir;
  std::vector<std::string> m_extra;
  int m_port = 0;
  pid_t m_pid = -1;
};

}  // namespace kjit::cache::remote::testing
