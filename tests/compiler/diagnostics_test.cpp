// Tests for NVRTC log parsing into diagnostics (logs captured from NVRTC 13.0).
#include "jit/compiler/diagnostics.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace kjit::jit {
namespace {

constexpr std::string_view k_log =
    "my_kernel.cu(3): error: identifier \"yy\" is undefined\n"
    "    x[0] = yy + 1;\n"
    "           ^\n"
    "\n"
    "my_kernel.cu(4): error: identifier \"foo\" is undefined\n"
    "  \tx[1] = foo(2);\n"
    "  \t       ^\n"
    "\n"
    "my_kernel.cu(2): warning #177-D: variable \"unused\" was declared but never referenced\n"
    "    int unused;\n"
    "        ^\n"
    "\n"
    "Remark: The warnings can be suppressed with \"-diag-suppress <warning-number>\"\n"
    "\n"
    "2 errors detected in the compilation of \"my_kernel.cu\".\n";

// The fields of a parsed diagnostic that a test checks (unset: not checked).
struct Want {
  std::optional<std::string> file{};
  std::optional<int> line{}, column{};
  std::optional<std::string> severity{}, message{};
};

void expect_diagnostic(const Diagnostic& d, const Want& want) {
  if (want.file) {
    EXPECT_EQ(d.file, *want.file);
  }
  if (want.line) {
    EXPECT_EQ(d.line, *want.line) << d.file;
  }
  if (want.column) {
    EXPECT_EQ(d.column, *want.column) << d.file << ":" << d.line;
  }
  if (want.severity) {
    EXPECT_EQ(d.severity, *want.severity) << d.file << ":" << d.line;
  }
  if (want.message) {
    EXPECT_EQ(d.message, *want.message) << d.file << ":" << d.line;
  }
}

TEST(DiagnosticsTest, ParsesErrorsWarningsAndColumns) {
  auto d = parse_diagnostics(k_log, "my_kernel.cu");
  ASSERT_EQ(d.size(), 3u);
  expect_diagnostic(d[0], {.file = "my_kernel.cu", .line = 3, .column = 10, .severity = "error",
                           .message = "identifier \"yy\" is undefined"});
  expect_diagnostic(d[1], {.line = 4, .column = 9});  // the tab counts as one column
  expect_diagnostic(d[2], {.line = 2, .severity = "warning",
                           .message = "variable \"unused\" was declared but never referenced"});
}

TEST(DiagnosticsTest, CatastrophicErrorInHeaderAndOddSourceName) {
  constexpr std::string_view log =
      "/usr/local/cuda/include/cooperative_groups/details/info.h(167): catastrophic error: cannot open source "
      "file \"cuda/std/type_traits\"\n"
      "  #include <cuda/std/type_traits>\n"
      "                                 ^\n"
      "my (odd) kernel.cu(7): error: expected a \";\"\n";
  auto d = parse_diagnostics(log, "my (odd) kernel.cu");
  ASSERT_EQ(d.size(), 2u);
  expect_diagnostic(d[0], {.file = "/usr/local/cuda/include/cooperative_groups/details/info.h", .line = 167,
                           .column = 32, .severity = "fatal"});
  expect_diagnostic(d[1], {.file = "my (odd) kernel.cu", .line = 7, .column = 0});
  // The error in the program's own source is the one to show.
  const Diagnostic* first = first_error(d, "my (odd) kernel.cu");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->line, 7);
}

TEST(DiagnosticsTest, PtxasErrors) {
  constexpr std::string_view log =
      "ptxas info    : 0 bytes gmem\n"
      "ptxas error   : Entry function '_Z3bigPf' uses too much shared data (0x3a980 bytes, 0xc000 max)\n";
  auto d = parse_diagnostics(log, "kernel.cu");
  ASSERT_EQ(d.size(), 1u);
  expect_diagnostic(d[0], {.file = "ptxas", .line = 0, .severity = "error",
                           .message = "Entry function '_Z3bigPf' uses too much shared data (0x3a980 bytes, 0xc000 max)"});
}

TEST(DiagnosticsTest, IgnoresOtherLines) {
  EXPECT_TRUE(parse_diagnostics("", "kernel.cu").empty());
  EXPECT_TRUE(parse_diagnostics("f(x): error: no line\nkernel.cu(): error: empty\nhello\n", "kernel.cu").empty());
  EXPECT_EQ(first_error({}, "kernel.cu"), nullptr);
  auto warnings_only = parse_diagnostics("kernel.cu(1): warning: w\n", "kernel.cu");
  ASSERT_EQ(warnings_only.size(), 1u);
  EXPECT_EQ(first_error(warnings_only, "kernel.cu"), nullptr);
}

}  // namespace
}  // namespace kjit::jit
