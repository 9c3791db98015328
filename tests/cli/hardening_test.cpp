// Break-it hardening (issue #19) through build/kjit, end to end:
//   * a 100,000-deep definition file no longer crashes list, lint, show,
//     compile, get and export (they skip it with a warning; lint names it);
//   * names that escape folders: `export ../../escaped --out DIR` is refused,
//     a definition file named so is skipped;
//   * `render --template` cannot include /etc/passwd or climb out of its folder;
//   * `serve` refuses --pre-include (the compile log echoed /etc/passwd),
//     deep bodies, bad names; answers /v1/health under 100 idle connections.
#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include <httplib.h>

#include "tests/cli/serve_process.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

std::string deep_definition_text() {
  json d = json::parse(read_text(fs::path(KJIT_SOURCE_DIR) / "definitions/rmsnorm/rmsnorm_h4096.json"));
  d["name"] = "deep_def";
  d["extra"] = nullptr;
  std::string text = d.dump();
  auto pos = text.find("\"extra\":null");
  return text.substr(0, pos) + "\"extra\":" + std::string(100000, '[') + std::string(100000, ']') +
         text.substr(pos + 12);
}

TEST(HardeningCliTest, DeepDefinitionFileCrashesNoCommand) {
  TempDir dir;
  fs::create_directories(dir.path / "defs/rmsnorm");
  write_text(dir.path / "defs/rmsnorm/deep_def.json", deep_definition_text());
  const std::string g = "--cache-dir '" + (dir.path / "cache").string() + "' --definitions '" +
                        (dir.path / "defs").string() + "' ";
  struct Case {
    std::string args;
    int exit_code;
    bool warns;  // list, and show of a missing name, print the loader's warnings
  };
  const Case cases[] = {
      {"list", 0, true},
      {"show rmsnorm_h4096", 0, false},
      {"compile rmsnorm_h4096 --arch sm_90a", 0, false},
      {"get rmsnorm_h4096 --arch sm_90a -o '" + (dir.path / "k.cubin").string() + "'", 0, false},
      {"export rmsnorm_h4096 --arch sm_90a --out '" + (dir.path / "out").string() + "'", 0, false},
      {"show deep_def", 3, true},
      {"compile deep_def --arch sm_90a", 3, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    CliRun r = run_kjit(g + c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.out.substr(0, 2000);  // a crash reads -1 (before: 139 for all)
    if (c.warns) {
      EXPECT_NE(r.out.find("deep_def.json: skipped, 1 error"), std::string::npos) << r.out.substr(0, 2000);
    }
  }
  CliRun lint = run_kjit("lint '" + (dir.path / "defs").string() + "'");
  EXPECT_EQ(lint.exit_code, 1) << lint.out;
  EXPECT_NE(lint.out.find("deep_def.json:1:"), std::string::npos) << lint.out;
  EXPECT_NE(lint.out.find("definition refused: arrays/objects nested deeper than 64 levels"), std::string::npos)
      << lint.out;
}

TEST(HardeningCliTest, ExportNamesCannotEscapeTheOutputFolder) {
  TempDir dir;
  fs::create_directories(dir.path / "defs/rmsnorm");
  json d = json::parse(read_text(fs::path(KJIT_SOURCE_DIR) / "definitions/rmsnorm/rmsnorm_h4096.json"));
  d["name"] = "../../escaped";
  write_text(dir.path / "defs/rmsnorm/escaped.json", d.dump(2));
  fs::create_directories(dir.path / "a/b/out");
  CliRun r = run_kjit("--cache-dir '" + (dir.path / "cache").string() + "' --definitions '" +
                      (dir.path / "defs").string() + "' export ../../escaped --out '" + (dir.path / "a/b/out").string() +
                      "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("definition name '../../escaped' is not a valid name: it starts with '.'"), std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(dir.path / "a/escaped.json"));
  EXPECT_TRUE(fs::is_empty(dir.path / "a/b/out"));
  CliRun lint = run_kjit("lint '" + (dir.path / "defs").string() + "'");
  EXPECT_EQ(lint.exit_code, 1);
  EXPECT_NE(lint.out.find("/name: 'name' '../../escaped' is not a valid name"), std::string::npos) << lint.out;
  CliRun list = run_kjit("--definitions '" + (dir.path / "defs").string() + "' list");
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("escaped.json: skipped"), std::string::npos) << list.out;
}

TEST(HardeningCliTest, RenderTemplateCannotReadOutsideItsFolder) {
  TempDir dir;
  fs::create_directories(dir.path / "t");
  write_text(dir.path / "secret.txt", "TOP SECRET");
  write_text(dir.path / "ctx.json", "{}");
  write_text(dir.path / "t/abs.j2", "{% include '/etc/passwd' %}");
  write_text(dir.path / "t/up.j2", "{% include '../secret.txt' %}");
  const std::string ctx = " --context '" + (dir.path / "ctx.json").string() + "'";
  CliRun abs = run_kjit("render --template '" + (dir.path / "t/abs.j2").string() + "'" + ctx);
  EXPECT_EQ(abs.exit_code, 4) << abs.out;
  EXPECT_NE(abs.out.find("include '/etc/passwd' refused"), std::string::npos) << abs.out;
  EXPECT_EQ(abs.out.find("root:"), std::string::npos) << abs.out;
  CliRun up = run_kjit("render --template '" + (dir.path / "t/up.j2").string() + "'" + ctx);
  EXPECT_EQ(up.exit_code, 4) << up.out;
  EXPECT_EQ(up.out.find("TOP SECRET"), std::string::npos) << up.out;
  // The operator can allow a folder explicitly.
  CliRun allowed = run_kjit("render --template '" + (dir.path / "t/up.j2").string() + "'" + ctx + " --search-path '" +
                            dir.path.string() + "'");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out;
  EXPECT_EQ(allowed.out, "TOP SECRET");
  // A deep context file is a clean error.
  write_text(dir.path / "deep.json", std::string(100000, '[') + std::string(100000, ']'));
  CliRun deep = run_kjit("render --template '" + (dir.path / "t/up.j2").string() + "' --context '" +
                         (dir.path / "deep.json").string() + "'");
  EXPECT_EQ(deep.exit_code, 2) << deep.out;
  EXPECT_NE(deep.out.find("context JSON nested deeper than 256 levels"), std::string::npos) << deep.out;
}

TEST(HardeningCliTest, ServeRefusesOptionInjectionDeepBodiesAndBadNames) {
  TempDir dir;
  ServeProcess server(dir.path / "cache");
  ASSERT_GT(server.port(), 0);
  auto c = serve_client(server.port());
  auto res = c.Post("/v1/kernels/rmsnorm_h4096/compile",
                    R"({"arch":"sm_90a","options":["--pre-include=/etc/passwd"]})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(res->body.find("root:"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("compile option '--pre-include=/etc/passwd' is not allowed in a request"),
            std::string::npos)
      << res->body;
  auto deep = c.Post("/v1/kernels/rmsnorm_h4096/compile", std::string(30000, '[') + std::string(30000, ']'),
                     "application/json");
  ASSERT_TRUE(deep);
  EXPECT_EQ(deep->status, 400) << deep->body;
  auto name = c.Get("/v1/definitions/%1b%5b31mred");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->status, 400) << name->body;
  EXPECT_EQ(name->body.find('\x1b'), std::string::npos);
  // An allowed option compiles.
  auto ok = c.Post("/v1/kernels/rmsnorm_h4096/compile", R"({"arch":"sm_90a","options":["-lineinfo"]})",
                   "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
}

TEST(HardeningCliTest, ServeAnswersHealthUnderHundredIdleConnections) {
  TempDir dir;
  ServeProcess server(dir.path / "cache");
  ASSERT_GT(server.port(), 0);
  std::vector<int> idle;
  for (int i = 0; i < 100; ++i) {
    int fd = connect_loopback(server.port());
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  auto c = serve_client(server.port(), 30);
  double worst = 0;
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto res = c.Get("/v1/health");
    worst = std::max(worst, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  // Before the fix: ~10 s per probe (100 idle connections x 5 s keep-alive / 32 threads).
  EXPECT_LT(worst, 1000.0);
  auto metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("kjit_http_connections_open"), std::string::npos);
  for (int fd : idle) ::close(fd);
}

}  // namespace
}  // namespace kjit::tools
