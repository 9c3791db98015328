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
#include "tests/fakes/fake_backend.h"
#include "tools/cli/http_api.h"
#include "tools/cli/http_head.h"

namespace {

using namespace kjit;
using namespace kjit::tools;
using kjit::testing::FakeBackend;

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
    backend.last_options.clear();
    HttpResponse res = api->handle(req);
    // What reached the compiler must have passed the allow-list.
    if (!backend.last_options.empty() && !jit::check_request_options(backend.last_options)) __builtin_trap();
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
