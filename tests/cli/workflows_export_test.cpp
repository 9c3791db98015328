// CLI tests for `kjit export`: for every bundled definition a template
// serves, the artifact is valid JSON of the required shape, its source_code
// is device code only and compiles with NVRTC, and its invocation_example
// compiles and links as host C++ against the Driver API stub and NVRTC. The
// printed line gives the file's exact size and SHA-256.
#include <memory>

#include <nlohmann/json.hpp>

#include "jit/compiler/compiler.h"
#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

int shell(const std::string& cmd) {
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(WorkflowsExportTest, EveryServedBundledDefinitionExportsAndCompiles) {
  TempDir dir;
  auto compiler = jit::make_nvrtc_compiler();
  int exported = 0;
  fs::path defs = fs::path(KJIT_SOURCE_DIR) / "definitions";
  for (const auto& entry : fs::recursive_directory_iterator(defs)) {
    if (entry.path().extension() != ".json") continue;
    std::string name = entry.path().stem().string();
    fs::path out = dir.path / "out";
    CliRun r = run_kjit("--cache-dir '" + (dir.path / "cache").string() + "' export " + name + " --arch sm_90a --out '" +
                         out.string() + "'",
                     "2>/dev/null");
    if (r.exit_code == 3) continue;  // no template serves it (yet)
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.out;
    SCOPED_TRACE(name);
    ++exported;
    fs::path file = out / (name + ".json");
    std::string text = read_text(file);
    // The one line: WROTE <path> size=<bytes> sha256=<hex>.
    EXPECT_EQ(r.out.rfind("WROTE " + file.string() + " size=" + std::to_string(text.size()) + " sha256=", 0), 0u)
        << r.out;
    FILE* p = ::popen(("sha256sum '" + file.string() + "'").c_str(), "r");
    char buf[65] = {};
    ASSERT_EQ(std::fread(buf, 1, 64, p), 64u);
    ::pclose(p);
    EXPECT_NE(r.out.find(std::string("sha256=") + buf + "\n"), std::string::npos) << r.out;

    json doc = json::parse(text);
    EXPECT_EQ(doc["name"], name);
    EXPECT_EQ(doc["kernel"]["kernel_type"], "cuda");
    std::string src = doc["kernel"]["source_code"];
    std::string host = doc["kernel"]["invocation_example"];
    EXPECT_NE(src.find("__global__"), std::string::npos);
    for (const char* banned : {"int main", "printf", "<<<", "cuLaunchKernel"})
      EXPECT_EQ(src.find(banned), std::string::npos) << banned;
    for (const char* needed : {"cuLaunchKernel", "cuCtxSynchronize", "nvrtcCompileProgram", "cuModuleGetFunction"})
      EXPECT_NE(host.find(needed), std::string::npos) << needed;

    jit::CompileRequest req;
    req.source = src;
    req.source_name = name + ".cu";
    req.arch = "sm_90a";
    auto compiled = compiler->compile(req);
    ASSERT_TRUE(compiled.has_value()) << compiled.error().full();
    EXPECT_FALSE(compiled->binary.empty());

    fs::path cpp = dir.path / (name + "_example.cpp");
    write_text(cpp, host);
    fs::path obj = dir.path / (name + "_example.o");
    fs::path exe = dir.path / (name + "_example");
    ASSERT_EQ(shell("g++ -std=c++17 -Wall -I/usr/local/cuda/include -c '" + cpp.string() + "' -o '" + obj.string() +
                    "' 2>&1"),
              0);
    ASSERT_EQ(shell("g++ '" + obj.string() + "' -o '" + exe.string() +
                    "' /usr/local/cuda/lib64/stubs/libcuda.so -L/usr/local/cuda/lib64 -lnvrtc 2>&1"),
              0);
  }
  EXPECT_GT(exported, 0) << "no bundled definition is served by a template";
}

TEST(WorkflowsExportTest, UsesTheDatasetWorkloadAxes) {
  if (!fs::is_directory(k_dataset)) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  TempDir dir;
  CliRun r = run_kjit("--cache-dir '" + (dir.path / "cache").string() + "' --definitions '" + k_dataset +
                       "' export rmsnorm_h128 --arch sm_90a --out '" + dir.path.string() + "'",
                   "2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json doc = json::parse(read_text(dir.path / "rmsnorm_h128.json"));
  std::string host = doc["kernel"]["invocation_example"];
  EXPECT_NE(host.find("Axes: from workload"), std::string::npos) << host.substr(0, 600);
  EXPECT_NE(host.find("const int64_t v_hidden_size = 128;"), std::string::npos);
}

TEST(WorkflowsExportTest, UnknownNameExitsThree) {
  TempDir dir;
  CliRun r = run_kjit("--cache-dir '" + (dir.path / "cache").string() + "' export no_such_kernel --out '" +
                   dir.path.string() + "'");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("no_such_kernel"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir.path / "no_such_kernel.json"));
}

}  // namespace
}  // namespace kjit::tools
