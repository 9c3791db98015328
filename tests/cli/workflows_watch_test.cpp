// Test for `kjit watch`: on a private copy of the rmsnorm templates, an edit
// that breaks the template is reported at the template's file:line with the
// source line, and fixing it reports ok again, without restarting the watch.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include <chrono>

#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;

class WatchProcess {
 public:
  WatchProcess(const fs::path& templates, const fs::path& cache) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    m_pid = ::fork();
    if (m_pid == 0) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      ::close(fds[1]);
      ::unsetenv("KJIT_DEFINITIONS");
      ::execl(KJIT_BINARY, KJIT_BINARY, "--templates", templates.c_str(), "--cache-dir", cache.c_str(), "watch",
              "rmsnorm_h4096", "--arch", "sm_90a", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    m_fd = fds[0];
  }
  ~WatchProcess() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
    if (m_fd >= 0) ::close(m_fd);
  }
  // Reads output until it contains `needle` after `from` (true) or `timeout` passes.
  bool wait_for(const std::string& needle, std::size_t from, std::chrono::seconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (m_out.find(needle, from) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = ::read(m_fd, buf, sizeof buf);
      if (n <= 0) return false;
      m_out.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  const std::string& out() const { return m_out; }

 private:
  pid_t m_pid = -1;
  int m_fd = -1;
  std::string m_out;
};

TEST(WorkflowsWatchTest, BrokenEditReportsTemplateLineThenFixRecovers) {
  TempDir dir;
  fs::path templates = dir.path / "templates";
  copy_rmsnorm_templates(templates);
  const fs::path src = served_source(templates, "rmsnorm_h4096");
  ASSERT_FALSE(src.empty()) << "cannot find the template serving rmsnorm_h4096 in " << templates;
  std::string original = read_text(src);
  int lines = 0;
  for (char c : original) lines += c == '\n';

  WatchProcess watch(templates, dir.path / "cache");
  ASSERT_TRUE(watch.wait_for("kjit: watching", 0, std::chrono::seconds(120))) << watch.out();
  ASSERT_NE(watch.out().find("ok     rmsnorm_h4096"), std::string::npos) << watch.out();

  std::size_t mark = watch.out().size();
  write_text(src, original + "this_is_not_cuda kjit_broken;\n");
  std::string where = src.filename().string() + ":" + std::to_string(lines + 1) + ": error";
  ASSERT_TRUE(watch.wait_for(where, mark, std::chrono::seconds(120))) << watch.out();
  EXPECT_NE(watch.out().find("error  rmsnorm_h4096 sm_90a", mark), std::string::npos) << watch.out();
  EXPECT_NE(watch.out().find("this_is_not_cuda kjit_broken;", mark), std::string::npos) << watch.out();  // source line

  mark = watch.out().size();
  write_text(src, original);
  ASSERT_TRUE(watch.wait_for("ok     rmsnorm_h4096", mark, std::chrono::seconds(120))) << watch.out();
}

}  // namespace
}  // namespace kjit::tools
