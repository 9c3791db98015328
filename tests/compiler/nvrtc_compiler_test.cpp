// Tests for the NVRTC compiler (real NVRTC; no GPU needed).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "jit/compiler/compiler.h"
#include "jit/compiler/key.h"
#include "jit/compiler/nvrtc_version.h"
#include "tests/common/temp_dir.h"

namespace kjit::jit {
namespace {

constexpr const char* k_small_kernel = R"(
extern "C" __global__ void scale(float* x, float s, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] *= s;
}
)";

CompileRequest request_for(std::string source) {
  CompileRequest request;
  request.source = std::move(source);
  request.arch = "sm_90a";
  return request;
}

TEST(NvrtcCompilerTest, CompilesCubin) {
  auto compiler = make_nvrtc_compiler();
  CompileRequest request = request_for(k_small_kernel);
  request.name_expressions = {"scale"};
  auto out = compiler->compile(request);
  ASSERT_TRUE(out) << out.error().full();
  ASSERT_GE(out->binary.size(), 4u);
  EXPECT_EQ(out->binary[0], 0x7f);
  EXPECT_EQ(out->binary[1], 'E');
  EXPECT_EQ(out->binary[2], 'L');
  EXPECT_EQ(out->binary[3], 'F');
  EXPECT_EQ(out->output, OutputKind::cubin);
  EXPECT_EQ(out->lowered_names.at("scale"), "scale");
  ASSERT_EQ(out->resources.size(), 1u);
  EXPECT_EQ(out->resources[0].function, "scale");
  EXPECT_GT(out->resources[0].registers, 0);
  EXPECT_NE(out->log.find("ptxas info"), std::string::npos);
  EXPECT_GT(out->wall_ms, 0);
  // The options reported are exactly what the key hashes.
  EXPECT_EQ(out->options, key_inputs_for(*compiler, request, "{}")->options);
}

TEST(NvrtcCompilerTest, CompilesPtx) {
  auto compiler = make_nvrtc_compiler();
  CompileRequest request = request_for(k_small_kernel);
  request.output = OutputKind::ptx;
  auto out = compiler->compile(request);
  ASSERT_TRUE(out) << out.error().full();
  const std::string ptx(out->binary.begin(), out->binary.end());
  EXPECT_NE(ptx.find(".target sm_90a"), std::string::npos);
  EXPECT_NE(ptx.find(".entry scale"), std::string::npos);
  EXPECT_EQ(ptx.find('\0'), std::string::npos);
  EXPECT_TRUE(out->resources.empty());
  EXPECT_NE(std::ranges::find(out->options, std::string("-arch=compute_90a")), out->options.end());
}

TEST(NvrtcCompilerTest, LowersTemplateNameExpressions) {
  auto compiler = make_nvrtc_compiler();
  CompileRequest request = request_for(R"(
template <int N> __global__ void fill(float* x) { if (threadIdx.x < N) x[threadIdx.x] = N; }
)");
  request.name_expressions = {"fill<128>", "&fill<256>"};
  auto out = compiler->compile(request);
  ASSERT_TRUE(out) << out.error().full();
  EXPECT_EQ(out->lowered_names.at("fill<128>"), "_Z4fillILi128EEvPf");
  EXPECT_EQ(out->lowered_names.at("&fill<256>"), "_Z4fillILi256EEvPf");
  EXPECT_EQ(out->resources.size(), 2u);
}

TEST(NvrtcCompilerTest, SyntaxErrorGivesLineAndLog) {
  auto compiler = make_nvrtc_compiler();
  CompileRequest request = request_for("__global__ void k(float* x) {\n  int unused;\n  x[0] = yy + 1;\n}\n");
  request.source_name = "rmsnorm.cu";
  auto out = compiler->compile(request);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::compile_error);
  EXPECT_EQ(out.error().message, "rmsnorm.cu:3: error: identifier \"yy\" is undefined");
  EXPECT_NE(out.error().details.find("rmsnorm.cu(3): error"), std::string::npos) << out.error().details;
  EXPECT_NE(out.error().details.find("warning #177-D"), std::string::npos);
}

TEST(NvrtcCompilerTest, LocalArrayReportsStack) {
  auto compiler = make_nvrtc_compiler();
  // A dynamically indexed local array cannot live in registers: stack frame.
  auto out = compiler->compile(request_for(R"(
extern "C" __global__ void local(const float* in, float* out, int n) {
  float buf[256];
#pragma unroll 1
  for (int i = 0; i < 256; ++i) buf[i] = in[i * n + threadIdx.x];
  out[threadIdx.x] = buf[(threadIdx.x * 7) & 255];
}
)"));
  ASSERT_TRUE(out) << out.error().full();
  ASSERT_EQ(out->resources.size(), 1u);
  EXPECT_GE(out->resources[0].stack_bytes + out->resources[0].spill_store_bytes, 1024);
}

TEST(NvrtcCompilerTest, IncludesToolkitHeaders) {
  auto compiler = make_nvrtc_compiler();
  auto out = compiler->compile(request_for(R"(
#include <cuda_bf16.h>
extern "C" __global__ void to_bf16(const float* x, __nv_bfloat16* y) { y[threadIdx.x] = __float2bfloat16(x[threadIdx.x]); }
)"));
  ASSERT_TRUE(out) << out.error().full();
  // Include paths are passed to NVRTC but are not in the (hashed) options.
  for (const auto& option : out->options) EXPECT_FALSE(option.starts_with("-I")) << option;
}

// With a CUDA driver present, NVRTC 12.9+ would serve a repeat compile from
// its own disk cache, without the ptxas report; the compiler turns that off.
TEST(NvrtcCompilerTest, RepeatCompileStillReportsResources) {
  auto compiler = make_nvrtc_compiler();
  for (int run = 0; run < 3; ++run) {
    auto out = compiler->compile(request_for(std::string(k_small_kernel) + "// run " + std::to_string(run) + "\n"));
    ASSERT_TRUE(out) << out.error().full();
    ASSERT_EQ(out->resources.size(), 1u) << "run " << run << ", log:\n" << out->log;
    EXPECT_GT(out->resources[0].registers, 0);
  }
}

TEST(NvrtcCompilerTest, AutomaticPchChangesSpeedNotOutput) {
  auto plain = make_nvrtc_compiler();
  auto pch = make_nvrtc_compiler(NvrtcSettings{.automatic_pch = true});
  CompileRequest request = request_for(R"(
#include <cuda_bf16.h>
extern "C" __global__ void half_it(__nv_bfloat16* y) { y[threadIdx.x] = __float2bfloat16(0.5f); }
)");
  auto reference = plain->compile(request);
  ASSERT_TRUE(reference) << reference.error().full();
  // First compile creates the PCH, the next ones (from several threads) use it.
  std::vector<Result<CompileOutput>> results(4, fail(ErrorCode::internal, "not run"));
  results[0] = pch->compile(request);
  std::vector<std::thread> threads;
  for (int t = 1; t < 4; ++t) threads.emplace_back([&, t] { results[t] = pch->compile(request); });
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) {
    ASSERT_TRUE(result) << result.error().full();
    EXPECT_EQ(result->binary, reference->binary);
    EXPECT_EQ(result->options, reference->options);  // not hashed: same key
    EXPECT_EQ(result->log.find("precompiled header"), std::string::npos) << result->log;
  }
}

TEST(NvrtcCompilerTest, RejectsBadRequests) {
  auto compiler = make_nvrtc_compiler();
  struct Case {
    const char* what;
    void (*edit)(CompileRequest&);
    std::optional<ErrorCode> code;  // unset: any code
    const char* message;            // a part of the error message ("": any)
  };
  const Case cases[] = {
      {"bad arch", [](CompileRequest& r) { r.arch = "sm_90x"; }, ErrorCode::invalid_argument, ""},
      {"old arch", [](CompileRequest& r) { r.arch = "sm_35"; }, std::nullopt, "not supported"},
      {"bad option", [](CompileRequest& r) { r.extra_options = {"--no-such-option"}; }, ErrorCode::invalid_argument,
       "rejected the compile options"},
      {"bad name", [](CompileRequest& r) { r.name_expressions = {"missing_kernel"}; }, ErrorCode::compile_error,
       "missing_kernel"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    CompileRequest request = request_for(k_small_kernel);
    c.edit(request);
    auto r = compiler->compile(request);
    ASSERT_FALSE(r);
    if (c.code) {
      EXPECT_EQ(r.error().code, *c.code);
    }
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().message;
  }
}

TEST(NvrtcCompilerTest, VersionNamesMajorMinorAndBuild) {
  auto compiler = make_nvrtc_compiler();
  const std::string version = compiler->version();
  EXPECT_TRUE(version.starts_with("nvrtc 13.")) << version;
  EXPECT_NE(version.find('('), std::string::npos) << version;
  EXPECT_EQ(version.find("unknown"), std::string::npos) << version;
  EXPECT_TRUE(compiler->header_version().starts_with("cuda 1")) << compiler->header_version();
}

TEST(NvrtcCompilerTest, BuildIdFromPtxHeader) {
  EXPECT_EQ(build_id_from_ptx("//\n// Compiler Build ID: CL-36424714\n"
                              "// Cuda compilation tools, release 13.0, V13.0.88\n// Based on NVVM 7.0.1\n"),
            "V13.0.88, CL-36424714");
  EXPECT_EQ(build_id_from_ptx(".version 9.0\n"), "");
}

// The identity memo (nvrtc_version.h): written on first use, trusted only
// while its stamp matches the loaded libnvrtc, rewritten otherwise.
class NvrtcIdentityMemoTest : public ::testing::Test {
 protected:
  void plant(const std::string& stamp, const std::string& identity, const std::string& archs = "75 80 90") {
    std::ofstream(memo, std::ios::trunc) << "kjit nvrtc identity v2\n" << stamp << "\n" << identity << "\n"
                                         << archs << "\n";
  }
  std::vector<std::string> memo_lines() {
    std::ifstream in(memo);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  ::kjit::testing::TempDir m_tmp{"kjit_nvrtc_memo"};
  std::filesystem::path dir = m_tmp.path(), memo = dir / "nvrtc_identity";
};

TEST_F(NvrtcIdentityMemoTest, WritesTheMemoOnFirstUse) {
  const std::string computed = nvrtc_identity({});
  ASSERT_FALSE(nvrtc_library_stamp().empty());
  EXPECT_EQ(nvrtc_identity(memo), computed);
  const auto lines = memo_lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1], nvrtc_library_stamp());
  EXPECT_EQ(lines[2], computed);
  EXPECT_NE((" " + lines[3] + " ").find(" 90 "), std::string::npos) << lines[3];
  // No temp file is left beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1);
}

TEST_F(NvrtcIdentityMemoTest, TrustsAMemoWhoseStampMatches) {
  plant(nvrtc_library_stamp(), "nvrtc 13.0 (planted)", "80 90 100");
  const NvrtcFacts facts = nvrtc_facts_through(memo);
  EXPECT_EQ(facts.identity, "nvrtc 13.0 (planted)");
  EXPECT_EQ(facts.archs, (std::vector<int>{80, 90, 100}));
}

TEST_F(NvrtcIdentityMemoTest, RecomputesAndRewritesOnAnotherStampOrGarbage) {
  const std::string computed = nvrtc_identity({});
  plant("/old/libnvrtc.so.13 size=1 mtime=1 ctime=1 ino=1 nvrtc=13.0", "nvrtc 13.0 (planted)");
  EXPECT_EQ(nvrtc_identity(memo), computed);
  EXPECT_EQ(memo_lines().at(2), computed);
  std::ofstream(memo, std::ios::trunc) << "garbage";
  EXPECT_EQ(nvrtc_identity(memo), computed);
  plant(nvrtc_library_stamp(), "not an identity");
  EXPECT_EQ(nvrtc_identity(memo), computed);
  plant(nvrtc_library_stamp(), "nvrtc 13.0 (planted)", "90 x");
  EXPECT_EQ(nvrtc_identity(memo), computed);
  plant(nvrtc_library_stamp(), "nvrtc 13.0 (planted)", "");
  EXPECT_EQ(nvrtc_identity(memo), computed);
}

TEST_F(NvrtcIdentityMemoTest, AnUnwritableMemoOnlyCostsTheRecomputation) {
  const std::string computed = nvrtc_identity({});
  EXPECT_EQ(nvrtc_identity(dir / "missing_folder" / "nvrtc_identity"), computed);
  EXPECT_FALSE(std::filesystem::exists(dir / "missing_folder"));
}

TEST(NvrtcCompilerTest, ConcurrentCompilesAgree) {
  auto compiler = make_nvrtc_compiler();
  CompileRequest request = request_for(R"(
template <int N> __global__ void sum(const float* x, float* y) {
  float s = 0;
#pragma unroll 1
  for (int i = 0; i < N; ++i) s += x[i * blockDim.x + threadIdx.x];
  y[threadIdx.x] = s;
}
)");
  request.name_expressions = {"sum<64>"};
  constexpr int k_threads = 8;
  std::vector<Result<CompileOutput>> results(k_threads, fail(ErrorCode::internal, "not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] { results[t] = compiler->compile(request); });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < k_threads; ++t) {
    ASSERT_TRUE(results[t]) << "thread " << t << ": " << results[t].error().full();
    EXPECT_EQ(results[t]->binary, results[0]->binary) << "thread " << t;
    EXPECT_EQ(results[t]->lowered_names, results[0]->lowered_names);
    EXPECT_EQ(results[t]->options, results[0]->options);
  }
}

}  // namespace
}  // namespace kjit::jit
