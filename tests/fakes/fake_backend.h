// A fake KernelBackend for the routes of `kjit serve` (tools/cli/http_api.h):
// one definition, `toy_norm` (rmsnorm, width 8), served by a fixed artifact
// for sm_90a; no compiler, no cache. It counts get() calls and keeps the
// compile options of the last one, so tests (and the serve fuzzer) can see
// what reached the compiler. Used by tests/serve/http_api_test.cpp and
// tests/fuzz/serve_fuzz.cpp.
//
// Thread safety: none (single-threaded tests).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/definition/parse.h"
#include "tools/cli/http_api.h"

namespace kjit::testing {

class FakeBackend final : public tools::KernelBackend {
 public:
  FakeBackend() {
    auto doc = nlohmann::ordered_json::parse(R"({
      "name": "toy_norm", "op_type": "rmsnorm",
      "axes": {"rows": {"type": "var"}, "width": {"type": "const", "value": 8}},
      "inputs": {"x": {"shape": ["rows", "width"], "dtype": "bfloat16"}},
      "outputs": {"y": {"shape": ["rows", "width"], "dtype": "bfloat16"}},
      "reference": "def run(x):\n    return x\n"})");
    m_def = *jit::parse_definition(doc, "toy_norm.json");
    auto art = std::make_shared<jit::Artifact>();
    art->name = "toy_norm";
    art->arch = "sm_90a";
    art->key = std::string(32, 'a');
    art->cubin = {'C', 'U', 'B', 'I', 'N'};
    art->plan = *jit::LaunchPlan::from_json(nlohmann::json::parse(R"({"launches": [{"entry": "k", "args": ["x", "y"]}]})"));
    art->log = "ptxas info";
    m_artifact = art;
  }
  std::string compiler_version() const override { return "nvrtc 13.0"; }
  std::vector<const jit::Definition*> definitions() const override { return {&m_def}; }
  const jit::Definition* find(std::string_view name) const override { return name == m_def.name ? &m_def : nullptr; }
  std::string served_by(const jit::Definition&) const override { return "rmsnorm/rmsnorm"; }
  std::string default_arch() const override { return "sm_90a"; }
  Result<jit::GetResult> get(const std::string& name, const std::string& arch, const jit::GetOptions& options) override {
    ++gets;
    last_options = options.options;
    if (name != m_def.name) return fail(ErrorCode::not_found, "unknown definition '" + name + "'");
    if (arch != "sm_90a") return fail(ErrorCode::invalid_argument, "invalid arch '" + arch + "'");
    return jit::GetResult{m_artifact, jit::GetStatus::compiled};
  }
  Result<nlohmann::ordered_json> cache_stats() override { return nlohmann::ordered_json{{"entries", 1}}; }
  std::string metrics_text() override { return "kjit_up 1\n"; }

  int gets = 0;                         // get() calls so far
  std::vector<std::string> last_options;  // the compile options of the last get()

 private:
  jit::Definition m_def;
  std::shared_ptr<const jit::Artifact> m_artifact;
};

}  // namespace kjit::testing
