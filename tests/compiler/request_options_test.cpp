// The request allow-list (issue #19: `--pre-include=/etc/passwd` in an HTTP
// compile request made NVRTC echo the file into the response's log) and the
// options refused for everyone because they read or write files or change
// NVRTC's output.
#include <gtest/gtest.h>

#include "jit/compiler/options.h"

namespace kjit::jit {
namespace {

Result<void> check(std::vector<std::string> options) { return check_request_options(options); }

TEST(RequestOptionsTest, CodeGenerationOptionsAreAllowed) {
  const std::vector<std::vector<std::string>> allowed = {
      {"-lineinfo"}, {"--generate-line-info"}, {"-G"}, {"--device-debug"}, {"--use_fast_math"}, {"-use_fast_math"},
      {"--extra-device-vectorization"}, {"-extra-device-vectorization"}, {"--restrict"}, {"-restrict"},
      {"--maxrregcount=64"}, {"-maxrregcount=255"}, {"--ftz=true"}, {"-ftz=false"}, {"--prec-div=false"},
      {"--prec-sqrt=true"}, {"--fmad=false"}, {"--Ofast-compile=mid"}, {"-Ofc=0"}, {"-Xptxas", "-O3"},
      {"--ptxas-options=-O1"}, {"-std=c++20"}, {"-DTILE=64"}, {"-D", "USE_FOO"}, {"-DSCALE=1.5e-3"},
      {"-lineinfo", "--use_fast_math", "-DN=4", "--maxrregcount=128"}};
  for (const auto& options : allowed) {
    auto r = check(options);
    EXPECT_TRUE(r) << options[0] << ": " << r.error().message;
  }
}

TEST(RequestOptionsTest, EverythingElseIsRefusedNamingTheOptionAndTheAllowedList) {
  struct Case {
    std::vector<std::string> options;
    const char* shown;  // how the message names the option
    const char* why;
  };
  const Case cases[] = {
      {{"--pre-include=/etc/passwd"}, "--pre-include=/etc/passwd", "reads a file on the compiling machine"},
      {{"-include", "/etc/passwd"}, "-include", "reads a file on the compiling machine"},
      {{"-I/etc"}, "-I/etc", "self-contained"},
      {{"--include-path=/"}, "--include-path=/", "self-contained"},
      {{"--time=/tmp/x.csv"}, "--time=/tmp/x.csv", "writes a file"},
      {{"--fdevice-time-trace=/tmp/t.json"}, "--fdevice-time-trace=/tmp/t.json", "writes a file"},
      {{"--create-pch=/tmp/p"}, "--create-pch=/tmp/p", "precompiled headers"},
      {{"-dlto"}, "-dlto", "LTO IR"},
      {{"--optix-ir"}, "--optix-ir", "changes NVRTC's output"},
      {{"--dopt=on"}, "--dopt=on", "device optimization is set by kjit"},
      {{"-DX=\"$(cat /etc/passwd)\""}, "-DX=\"$(cat /etc/passwd)\"", "macro value"},
      {{"-D__CUDA_ARCH__=1"}, "-D__CUDA_ARCH__=1", "macro name"},
      {{"-Dx y"}, "-Dx y", "macro name"},
      {{"--maxrregcount=4"}, "--maxrregcount=4", "16 to 255"},
      {{"--maxrregcount=64x"}, "--maxrregcount=64x", "16 to 255"},
      {{"--ftz=yes"}, "--ftz=yes", "true or false"},
      {{"-Xptxas=--verbose-out=/tmp/x"}, "-Xptxas=--verbose-out=/tmp/x", "-Xptxas=-O0..-O3"},
      {{"-std=c++03"}, "-std=c++03", "c++17 or c++20"},
      {{"-arch=sm_80"}, "-arch=sm_80", "request's arch"},
      {{"--split-compile=0"}, "--split-compile=0", "only options that change code generation"},
      {{"-w"}, "-w", "only options that change code generation"},
      {{"\x1b[31m"}, "\\x1b[31m", "not an option"},
      {{std::string(300, 'x')}, "xxxx", "longer than 256 characters"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.options[0]);
    auto r = check(c.options);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
    const std::string& m = r.error().message;
    EXPECT_NE(m.find(std::string("compile option '") + c.shown), std::string::npos) << m;
    EXPECT_NE(m.find("is not allowed in a request"), std::string::npos) << m;
    EXPECT_NE(m.find(c.why), std::string::npos) << m;
    EXPECT_NE(m.find("Allowed: -lineinfo, -G, --use_fast_math"), std::string::npos) << m;
    EXPECT_EQ(m.find('\x1b'), std::string::npos) << m;
  }
}

TEST(RequestOptionsTest, AtMost32Options) {
  std::vector<std::string> many(33, "-lineinfo");
  auto r = check(many);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("too many compile options (33; at most 32)"), std::string::npos);
}

// For every caller, operators included: these would make the cubin depend on
// files the key cannot see, leave files behind, or produce something other
// than a cubin.
TEST(RequestOptionsTest, FileAndOutputOptionsAreRefusedEvenForOperators) {
  for (std::vector<std::string> extra :
       std::vector<std::vector<std::string>>{{"--pre-include=/etc/passwd"}, {"-include", "x.h"}, {"--time=t.csv"},
                                             {"-fdevice-time-trace=t.json"}, {"-dlto"}, {"--gen-opt-lto"},
                                             {"-optix-ir"}, {"--fdevice-syntax-only"}, {"-dc"}, {"--device-c"},
                                             {"-dw"}, {"-ewp"}}) {
    auto r = normalize_options(OptionRequest{.arch = *parse_arch("sm_90a"), .extra = extra});
    ASSERT_FALSE(r) << extra[0];
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(r.error().message.find("compile option '" + extra[0] + "'"), std::string::npos) << r.error().message;
  }
  // The operator path still accepts options outside the request allow-list.
  std::vector<std::string> operator_only = {"--split-compile=0", "-w"};
  auto ok = normalize_options(OptionRequest{.arch = *parse_arch("sm_90a"), .extra = operator_only});
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST(RequestOptionsTest, NewCanonicalSpellings) {
  for (auto [in, out] : std::vector<std::pair<std::string, std::string>>{
           {"-restrict", "--restrict"}, {"-Ofc=max", "--Ofast-compile=max"},
           {"-extra-device-vectorization", "--extra-device-vectorization"}}) {
    bool consumed = false;
    auto c = canonical_option(in, "", consumed);
    ASSERT_TRUE(c) << in;
    EXPECT_EQ(*c, out);
  }
}

}  // namespace
}  // namespace kjit::jit
