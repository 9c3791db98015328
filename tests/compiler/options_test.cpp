// Tests for compile option normalization.
#include "jit/compiler/options.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace kjit::jit {
namespace {

Result<std::vector<std::string>> normalize(std::vector<std::string> extra, OutputKind output = OutputKind::cubin,
                                           bool lineinfo = false, bool debug = false) {
  return normalize_options(OptionRequest{.arch = *parse_arch("sm_90a"),
                                         .output = output,
                                         .lineinfo = lineinfo,
                                         .debug = debug,
                                         .extra = extra});
}

TEST(OptionsTest, DefaultsForCubin) {
  auto options = normalize({});
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(*options, (std::vector<std::string>{"--minimal", "-Xptxas=-v", "-arch=sm_90a", "-std=c++17"}));
}

TEST(OptionsTest, PtxUsesComputeArchAndNoPtxasReport) {
  auto options = normalize({}, OutputKind::ptx);
  ASSERT_TRUE(options);
  EXPECT_EQ(*options, (std::vector<std::string>{"--minimal", "-arch=compute_90a", "-std=c++17"}));
}

TEST(OptionsTest, SwitchesAddLineinfoAndDebug) {
  auto options = normalize({}, OutputKind::cubin, true, true);
  ASSERT_TRUE(options);
  EXPECT_EQ(*options, (std::vector<std::string>{"--minimal", "-G", "-Xptxas=-v", "-arch=sm_90a", "-lineinfo", "-std=c++17"}));
}

// Options given to normalize() and a text its outcome must hold.
struct OptionCase {
  std::vector<std::string> extra;
  const char* text;
};

TEST(OptionsTest, SpellingsAreCanonical) {
  const OptionCase cases[] = {  // text: what the option becomes
      {{"--generate-line-info"}, "-lineinfo"},
      {{"--device-debug"}, "-G"},
      {{"-use_fast_math"}, "--use_fast_math"},
      {{"--use-fast-math"}, "--use_fast_math"},
      {{"-DN=4"}, "-DN=4"},
      {{"-D", "N=4"}, "-DN=4"},
      {{"--define-macro=N=4"}, "-DN=4"},
      {{"--define-macro", "N=4"}, "-DN=4"},
      {{"-Xptxas", "-O3"}, "-Xptxas=-O3"},
      {{"--ptxas-options=-O3"}, "-Xptxas=-O3"},
      {{"-maxrregcount=64"}, "--maxrregcount=64"},
      {{"-ftz=true"}, "--ftz=true"},
      {{"--device-as-default-execution-space"}, "-default-device"},
      {{"--extra-device-vectorization"}, "--extra-device-vectorization"},  // unknown: passed through
  };
  for (const auto& c : cases) {
    auto options = normalize(c.extra);
    ASSERT_TRUE(options) << c.extra[0] << ": " << options.error().message;
    EXPECT_NE(std::ranges::find(*options, std::string(c.text)), options->end())
        << c.extra[0] << " did not become " << c.text;
  }
}

TEST(OptionsTest, SortedUniqueAndOrderIndependent) {
  auto a = normalize({"-DB=2", "--use_fast_math", "-DA=1", "-lineinfo", "-Xptxas=-v"});
  auto b = normalize({"-lineinfo", "-DA=1", "-use_fast_math", "-D", "B=2", "-DA=1"});
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  EXPECT_TRUE(std::ranges::is_sorted(*a));
  EXPECT_EQ(std::ranges::count(*a, std::string("-Xptxas=-v")), 1);
}

TEST(OptionsTest, UserStdReplacesDefault) {
  auto options = normalize({"--std=c++20"});
  ASSERT_TRUE(options);
  EXPECT_NE(std::ranges::find(*options, std::string("-std=c++20")), options->end());
  EXPECT_EQ(std::ranges::find(*options, std::string("-std=c++17")), options->end());
}

TEST(OptionsTest, RejectsWithReason) {
  const OptionCase cases[] = {  // text: a part of the reason
      {{"-arch=sm_80"}, "request's arch"},
      {{"--gpu-architecture", "sm_80"}, "request's arch"},
      {{"-I/usr/include"}, "self-contained"},
      {{"--include-path=/opt"}, "self-contained"},
      {{"-UFOO"}, "-U"},
      {{"-rdc=true"}, "relocatable"},
      {{"--pch"}, "precompiled headers"},
      {{"-G=1"}, "takes no value"},
      {{"-D"}, "needs a value"},
      {{"plain"}, "not an option"},
      {{"-std=c++17", "-std=c++20"}, "conflict"},
      {{"-DN=1", "-DN=2"}, "conflict"},
      {{"--ftz=true", "-ftz=false"}, "conflict"},
  };
  for (const auto& c : cases) {
    auto options = normalize(c.extra);
    ASSERT_FALSE(options) << c.extra[0] << " accepted";
    EXPECT_EQ(options.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(options.error().message.find(c.text), std::string::npos) << options.error().message;
  }
}

TEST(OptionsTest, IncludeOptionsAreFlags) {
  std::vector<std::string> dirs = {"/a/include", "/a/include/cccl"};
  EXPECT_EQ(include_options(dirs), (std::vector<std::string>{"-I/a/include", "-I/a/include/cccl"}));
}

}  // namespace
}  // namespace kjit::jit
