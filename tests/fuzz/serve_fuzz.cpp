// libFuzzer target: the HTTP request handlers of `kjit serve`
// (tools/cli/http_api.h) called directly with a fuzzed method, path, query,
// Authorization header and body, against a fake backend (no compiler), plus
// the connection front's request-head framing (http_head.h) and the compile-
// option allow-list on the raw lines. Every response must be a status in
// 200..599 with a JSON body (except the cubin and metrics routes); nothing
// may crash or trip ASan/UBSan. Built and run by tools/dev/fuzz.sh (clang-14).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/compiler/options.h"
#include "jit/definition/parse.h"
#include "tools/cli/http_api.h"
#include "tools/cli/http_head.h"

namespace {

using namespace kjit;
using namespace kjit::tools;

class FakeBackend final : public KernelBackend {
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
    art->plan = *jit::LaunchPlan::from_json(nlohmann::json::parse(R"({"launches": [{"entry": "k"}]})"));
    m_artifact = art;
  }
  std::string compiler_version() const override { return "nvrtc"; }
  std::vector<const jit::Definition*> definitions() const override { return {&m_def}; }
  const jit::Definition* find(std::string_view name) const override { return name == m_def.name ? &m_def : nullptr; }
  std::string served_by(const jit::Definition&) const override { return "rmsnorm/rmsnorm"; }
  std::string default_arch() const override { return "sm_90a"; }
  Result<jit::GetResult> get(const std::string& name, const std::string& arch, const jit::GetOptions& o) override {
    // What reaches the compiler must have passed the allow-list.
    if (!jit::check_request_options(o.options)) __builtin_trap();
    if (name != m_def.name) return fail(ErrorCode::not_found, "unknown definition '" + name + "'");
    if (arch != "sm_90a") return fail(ErrorCode::invalid_argument, "invalid arch '" + arch + "'");
    return jit::GetResult{m_artifact, jit::GetStatus::hit};
  }
  Result<nlohmann::ordered_json> cache_stats() override { return nlohmann::ordered_json{{"entries", 1}}; }
  std::string metrics_text() override { return "kjit_up 1\n"; }

 private:
  jit::Definition m_def;
  std::shared_ptr<const jit::Artifact> m_artifact;
};

// Splits at the next '\n' (the rest when none).
std::string_view take_line(std::string_view& in) {
  auto nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FakeBackend backend;
  static HttpApi open_api(backend, "");
  static HttpApi token_api(backend, "s3cret");
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)scan_head(in, 16384);
  std::string_view rest = in;
  HttpRequest req;
  req.method = std::string(take_line(rest));
  std::string_view target = take_line(rest);
  req.path = std::string(target.substr(0, target.find('?')));
  if (auto q = target.find('?'); q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      std::string_view kv = query.substr(0, query.find('&'));
      query = kv.size() < query.size() ? query.substr(kv.size() + 1) : std::string_view();
      auto eq = kv.find('=');
      req.query.emplace(std::string(kv.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1)));
    }
  }
  req.authorization = std::string(take_line(rest));
  req.body = std::string(rest);
  for (HttpApi* api : {&open_api, &token_api}) {
    HttpResponse res = api->handle(req);
    if (res.status < 200 || res.status > 599) __builtin_trap();
    if (res.content_type == "application/json" && nlohmann::json::parse(res.body, nullptr, false).is_discarded())
      __builtin_trap();
    if (res.route.empty()) __builtin_trap();
  }
  // The allow-list on the lines of the body as options.
  std::vector<std::string> options;
  std::string_view body = req.body;
  while (!body.empty() && options.size() < 40) options.emplace_back(take_line(body));
  (void)jit::check_request_options(options);
  return 0;
}
