// Tests for `kjit serve` on loopback with a free port and a private cache:
// 32 concurrent requests for one cold kernel compile it once; error
// responses (404, 400, 413, malformed HTTP) are JSON or rejected; SIGTERM
// exits 0; non-loopback addresses need --allow-remote and KJIT_TOKEN.
#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/cli/serve_process.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

TEST(WorkflowsServeTest, ConcurrentColdRequestsCompileOnce) {
  TempDir dir;
  ServeProcess server(dir.path / "cache");
  ASSERT_GT(server.port(), 0);
  constexpr int k_requests = 32;
  std::vector<int> status(k_requests);
  std::vector<std::string> keys(k_requests), plans(k_requests);
  std::vector<std::size_t> sizes(k_requests);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < k_requests; ++i)
      threads.emplace_back([&, i] {
        auto c = serve_client(server.port());
        auto res = c.Get("/v1/kernels/rmsnorm_h4096?arch=sm_90a");
        if (!res) return;
        status[i] = res->status;
        keys[i] = res->get_header_value("X-Kjit-Key");
        plans[i] = res->get_header_value("X-Kjit-Plan");
        sizes[i] = res->body.size();
      });
  }
  for (int i = 0; i < k_requests; ++i) {
    EXPECT_EQ(status[i], 200) << i;
    EXPECT_EQ(keys[i], keys[0]);
    EXPECT_EQ(keys[i].size(), 32u);
    EXPECT_GT(sizes[i], 0u);
    EXPECT_TRUE(json::parse(plans[i], nullptr, false).contains("launches")) << plans[i];
  }
  auto c = serve_client(server.port());
  auto stats = c.Get("/v1/cache/stats");
  ASSERT_TRUE(stats);
  json j = json::parse(stats->body);
  EXPECT_EQ(j["compiles"], 1) << stats->body;
  EXPECT_EQ(j["entries"], 1);
  auto metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("kjit_http_requests_total{route=\"GET /v1/kernels/{name}\",code=\"200\"} 32"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("kjit_compile_seconds_count 1"), std::string::npos) << metrics->body;
  EXPECT_EQ(server.stop(SIGTERM, std::chrono::seconds(20)), 0);
}

TEST(WorkflowsServeTest, ErrorsAndMalformedRequests) {
  TempDir dir;
  ServeProcess server(dir.path / "cache");
  ASSERT_GT(server.port(), 0);
  auto c = serve_client(server.port());
  struct Case {
    std::string method, path, body;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET", "/v1/kernels/no_such_kernel?arch=sm_90a", "", 404},
      {"GET", "/v1/definitions/no_such_kernel", "", 404},
      {"GET", "/v1/kernels/rmsnorm_h4096?arch=sm_bogus", "", 400},
      {"POST", "/v1/kernels/rmsnorm_h4096/compile", "{not json", 400},
      {"POST", "/v1/kernels/rmsnorm_h4096/compile", "[1, 2]", 400},
      {"POST", "/v1/kernels/rmsnorm_h4096/compile", R"({"arch": 90})", 400},
      {"POST", "/v1/kernels/rmsnorm_h4096/compile", R"({"arch": "sm_90a", "options": "-G"})", 400},
      {"POST", "/v1/kernels/rmsnorm_h4096/compile", std::string(70 * 1024, ' '), 413},
      {"GET", "/v1/nothing_here", "", 404},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.method + " " + tc.path);
    auto res = tc.method == "GET" ? c.Get(tc.path.c_str()) : c.Post(tc.path.c_str(), tc.body, "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, tc.status) << res->body;
    if (tc.status != 413) {
      json j = json::parse(res->body, nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << res->body;
      EXPECT_TRUE(j.contains("error")) << res->body;
    }
  }
  // A request line that is not HTTP gets 400, and the server lives on.
  int fd = connect_loopback(server.port());
  ASSERT_GE(fd, 0);
  std::string junk = "THIS IS NOT HTTP\r\n\r\n";
  ASSERT_EQ(::send(fd, junk.data(), junk.size(), 0), static_cast<ssize_t>(junk.size()));
  char buf[256] = {};
  ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
  ::close(fd);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf).rfind("HTTP/1.1 400", 0), 0u) << buf;
  auto health = c.Get("/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  // A good compile request: the documented fields.
  auto ok = c.Post("/v1/kernels/rmsnorm_h4096/compile", R"({"arch": "sm_90a"})", "application/json");
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200) << ok->body;
  json j = json::parse(ok->body);
  for (const char* k : {"key", "status", "compile_ms", "registers", "spill_bytes", "log"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(server.stop(SIGINT, std::chrono::seconds(20)), 0);
}

TEST(WorkflowsServeTest, NonLoopbackNeedsAllowRemoteAndToken) {
  CliRun r = run_kjit("serve --listen 0.0.0.0:0");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--allow-remote"), std::string::npos) << r.out;
  CliRun r2;
  {
    std::string cmd = "env -u KJIT_TOKEN '" + std::string(KJIT_BINARY) + "' serve --allow-remote --listen 0.0.0.0:0 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[512] = {};
    std::size_t n = std::fread(buf, 1, sizeof buf - 1, p);
    r2.out.assign(buf, n);
    int status = ::pclose(p);
    r2.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  EXPECT_EQ(r2.exit_code, 2) << r2.out;
  EXPECT_NE(r2.out.find("KJIT_TOKEN"), std::string::npos) << r2.out;
}

}  // namespace
}  // namespace kjit::tools
