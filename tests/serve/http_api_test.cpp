// The routes of `kjit serve` (tools/cli/http_api.h) with a fake backend:
// the compile-option allow-list (issue #19: file disclosure through
// --pre-include), bounded request bodies, name checks, methods, the token.
#include "tools/cli/http_api.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_backend.h"

namespace kjit::tools {
namespace {

using nlohmann::json;

using kjit::testing::FakeBackend;

HttpRequest request(std::string method, std::string path, std::string body = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  return r;
}

json body_of(const HttpResponse& res) { return json::parse(res.body, nullptr, false); }

TEST(HttpApiTest, HealthAndListings) {
  FakeBackend b;
  HttpApi api(b, "");
  auto h = api.handle(request("GET", "/v1/health"));
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(body_of(h)["status"], "ok");
  EXPECT_EQ(h.route, "GET /v1/health");
  auto defs = api.handle(request("GET", "/v1/definitions"));
  EXPECT_EQ(body_of(defs)[0]["name"], "toy_norm");
  auto d = api.handle(request("GET", "/v1/definitions/toy_norm"));
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(body_of(d)["op_type"], "rmsnorm");
}

TEST(HttpApiTest, PreIncludeIsRefusedBeforeAnythingCompiles) {
  FakeBackend b;
  HttpApi api(b, "");
  auto res = api.handle(request("POST", "/v1/kernels/toy_norm/compile",
                                R"({"arch":"sm_90a","options":["--pre-include=/etc/passwd"]})"));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(b.gets, 0);
  json j = body_of(res);
  std::string error = j["error"];
  EXPECT_NE(error.find("compile option '--pre-include=/etc/passwd' is not allowed in a request"), std::string::npos)
      << error;
  EXPECT_NE(error.find("Allowed: -lineinfo, -G"), std::string::npos) << error;
  EXPECT_FALSE(j.contains("log"));
}

TEST(HttpApiTest, AllowedOptionsReachTheBackend) {
  FakeBackend b;
  HttpApi api(b, "");
  auto res = api.handle(request("POST", "/v1/kernels/toy_norm/compile",
                                R"({"arch":"sm_90a","options":["-lineinfo","--maxrregcount=64"],"force":true})"));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(b.last_options, (std::vector<std::string>{"-lineinfo", "--maxrregcount=64"}));
  json j = body_of(res);
  for (const char* k : {"name", "key", "arch", "status", "compile_ms", "registers", "spill_bytes", "log"})
    EXPECT_TRUE(j.contains(k)) << k;
}

TEST(HttpApiTest, BodiesAreBoundedAndChecked) {
  FakeBackend b;
  HttpApi api(b, "");
  struct Case {
    std::string body;
    const char* error;
  };
  const Case cases[] = {
      {std::string(10000, '[') + std::string(10000, ']'), "nested deeper than 16 levels"},
      {"{not json", "request body:1:3: malformed JSON"},
      {"[1]", "request body is not a JSON object"},
      {R"({"arch": 90})", "\"arch\" must be a string"},
      {R"({"options": "-G"})", "\"options\" must be an array of strings"},
      {R"({"options": [1]})", "\"options\" must be an array of strings"},
      {R"({"force": "yes"})", "\"force\" must be true or false"},
      {R"({"optoins": []})", "unknown field 'optoins'"},
      {"{\"\xff\": 1}", "malformed JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 40));
    auto res = api.handle(request("POST", "/v1/kernels/toy_norm/compile", c.body));
    EXPECT_EQ(res.status, 400);
    std::string error = body_of(res).value("error", "");
    EXPECT_NE(error.find(c.error), std::string::npos) << error;
  }
  EXPECT_EQ(b.gets, 0);
}

TEST(HttpApiTest, NamesAreCheckedAndNeverEchoedRaw) {
  FakeBackend b;
  HttpApi api(b, "");
  auto res = api.handle(request("GET", "/v1/definitions/\x1b[31mred"));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body.find('\x1b'), std::string::npos);
  EXPECT_NE(res.body.find("is not a valid name"), std::string::npos) << res.body;
  EXPECT_EQ(api.handle(request("GET", "/v1/kernels/..")).status, 400);
  EXPECT_EQ(api.handle(request("GET", "/v1/kernels/-rf")).status, 400);
  EXPECT_EQ(api.handle(request("GET", "/v1/kernels/" + std::string(5000, 'a'))).status, 400);
  EXPECT_EQ(api.handle(request("GET", "/v1/kernels/../../etc/passwd")).status, 404);
  EXPECT_EQ(b.gets, 0);
  EXPECT_EQ(api.handle(request("GET", "/v1/kernels/no_such")).status, 404);
}

TEST(HttpApiTest, KernelBytesAndPlan) {
  FakeBackend b;
  HttpApi api(b, "");
  auto res = api.handle(request("GET", "/v1/kernels/toy_norm"));
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "CUBIN");
  EXPECT_EQ(res.content_type, "application/octet-stream");
  auto plan = api.handle(request("GET", "/v1/kernels/toy_norm/plan"));
  EXPECT_EQ(body_of(plan)["plan"]["launches"][0]["entry"], "k");
  HttpRequest bad = request("GET", "/v1/kernels/toy_norm");
  bad.query.emplace("arch", "sm_bogus");
  EXPECT_EQ(api.handle(bad).status, 400);
}

TEST(HttpApiTest, WrongMethodIs405WithAllow) {
  FakeBackend b;
  HttpApi api(b, "");
  auto res = api.handle(request("DELETE", "/v1/health"));
  EXPECT_EQ(res.status, 405);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0], (std::pair<std::string, std::string>{"Allow", "GET"}));
  EXPECT_EQ(api.handle(request("GET", "/v1/kernels/toy_norm/compile")).status, 405);
  EXPECT_EQ(api.handle(request("GET", "/nothing")).status, 404);
}

TEST(HttpApiTest, TokenIsRequiredWhenSet) {
  FakeBackend b;
  HttpApi api(b, "s3cret");
  EXPECT_EQ(api.handle(request("GET", "/v1/health")).status, 401);
  HttpRequest r = request("GET", "/v1/health");
  r.authorization = "Bearer s3cre";
  EXPECT_EQ(api.handle(r).status, 401);
  r.authorization = "Bearer s3cret";
  EXPECT_EQ(api.handle(r).status, 200);
}

TEST(HttpApiTest, RouteLabelsAreBounded) {
  EXPECT_EQ(HttpApi::route_of("BREW", "/coffee"), "OTHER other");
  EXPECT_EQ(HttpApi::route_of("GET", "/v1/kernels/x/plan"), "GET /v1/kernels/{name}/plan");
  EXPECT_EQ(HttpApi::route_of("POST", "/v1/kernels/x/compile"), "POST /v1/kernels/{name}/compile");
  EXPECT_EQ(HttpApi::route_of("GET", "/v1/kernels/x/y/z"), "GET other");
}

}  // namespace
}  // namespace kjit::tools
