// Runs a shell command line for the tests that drive the `kjit` binary (or a
// tool like readelf): its standard output, and its exit status. The caller
// writes redirections ("2>&1") into the command line itself.
//
// Thread safety: popen/pclose; safe to call from several test threads.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace kjit::testing {

struct ShellRun {
  int exit_code = -1;  // -1: the command could not start or did not exit normally
  std::string out;     // everything it wrote to standard output
};

inline ShellRun run_shell(const std::string& command) {
  ShellRun r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace kjit::testing
