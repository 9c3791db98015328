// The remote tier end to end through build/kjit with real NVRTC compiles
// (CPU only) and a real redis-server: a hit after a local wipe; 4 processes
// in each of 2 caches racing on one cold key compile it once in total; a
// foreign or forged value is refused by verify_entry (content bound to key);
// `kjit config`, bad settings, `kjit cache stats` / `remote ping|stats|ls`;
// warm-up by shard fills Redis, and a second machine's pass is all remote hits.
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "cache/remote/redis_tier.h"
#include "cache/remote/remote_value.h"
#include "tests/cache/remote/redis_fixture.h"
#include "tests/cli/workflows_test_util.h"

namespace kjit::cache::remote {
namespace {

using nlohmann::json;
using tools::flows_test::CliRun;
using tools::flows_test::read_text;
using tools::flows_test::run_kjit;
using testing::RedisProcess;
using testing::TempFolder;

// kjit's own definitions (no dataset needed).
constexpr const char* k_def = "rmsnorm_h4096";
constexpr const char* k_other = "rmsnorm_h7168";

class RemoteCliTest : public ::testing::Test {
 protected:
  void SetUp() override { KJIT_REQUIRE_REDIS(); }
  std::string with(const std::string& cache, const std::string& remote) const {
    return "--cache-dir '" + (m_tmp.path / cache).string() + "' --remote-cache '" + remote + "' ";
  }
  json stats(const std::string& cache) const {
    CliRun r = run_kjit("--cache-dir '" + (m_tmp.path / cache).string() + "' cache stats --json", "2>/dev/null");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return json::parse(r.out, nullptr, false);
  }
  std::string get(const std::string& cache, const std::string& remote, const std::string& def, const std::string& out) {
    CliRun r = run_kjit(with(cache, remote) + "get " + def + " --arch sm_90a -o '" + (m_tmp.path / out).string() + "'");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return r.out;
  }
  std::string bytes(const std::string& out) const { return read_text(m_tmp.path / out); }
  std::string key_of(const std::string& def) const {
    CliRun r = run_kjit("show " + std::string(def) + " --arch sm_90a --key-inputs --json", "2>/dev/null");
    auto j = json::parse(r.out, nullptr, false);
    return j.is_object() ? j.value("key", "") : "";
  }
  TempFolder m_tmp;
};

TEST_F(RemoteCliTest, RemoteHitAfterLocalWipeServesTheSameBytes) {
  RedisProcess redis;
  std::string first = get("a", redis.url(), k_def, "a.cubin");
  EXPECT_NE(first.find("compiled"), std::string::npos) << first;
  std::filesystem::remove_all(m_tmp.path / "a");
  std::string second = get("a", redis.url(), k_def, "b.cubin");
  EXPECT_NE(second.find("remote_hit"), std::string::npos) << second;
  EXPECT_EQ(bytes("a.cubin"), bytes("b.cubin"));
  EXPECT_GT(bytes("a.cubin").size(), 1000u);
  json s = stats("a");
  EXPECT_EQ(s["remote_hits"], 1) << s.dump();
  EXPECT_EQ(s["compiles"], 0) << s.dump();
  EXPECT_GT(s["remote_bytes_in"].get<long long>(), 1000) << s.dump();
  // The third get is a plain local hit (published by the remote hit).
  std::string third = get("a", redis.url(), k_def, "c.cubin");
  EXPECT_NE(third.find(" hit "), std::string::npos) << third;
}

TEST_F(RemoteCliTest, EightProcessesInTwoCachesCompileOnce) {
  RedisProcess redis;
  // 4 processes per cache folder, 2 folders ("machines"), one Redis, one cold key.
  std::string script;
  for (int i = 0; i < 8; ++i) {
    const std::string cache = i % 2 ? "m1" : "m2";
    script += "env -u KJIT_DEFINITIONS '" + std::string(KJIT_BINARY) + "' " + with(cache, redis.url()) + "get " + k_def +
              " --arch sm_90a -o '" + (m_tmp.path / ("p" + std::to_string(i) + ".cubin")).string() + "' 2>>'" +
              (m_tmp.path / "log").string() + "' & ";
  }
  script += "wait";
  ASSERT_EQ(std::system(script.c_str()), 0);
  const std::string log = read_text(m_tmp.path / "log");
  std::set<std::string> cubins;
  for (int i = 0; i < 8; ++i) cubins.insert(bytes("p" + std::to_string(i) + ".cubin"));
  EXPECT_EQ(cubins.size(), 1u) << log;
  EXPECT_GT(cubins.begin()->size(), 1000u);
  json s1 = stats("m1"), s2 = stats("m2");
  EXPECT_EQ(s1["compiles"].get<int>() + s2["compiles"].get<int>(), 1) << log << s1.dump() << s2.dump();
  // The other folder got it from Redis (its lock holder after waiting, or a
  // process that started late enough to find the value at once).
  EXPECT_GE(s1["remote_hits"].get<int>() + s2["remote_hits"].get<int>(), 1) << log;
}

TEST_F(RemoteCliTest, ForeignAndForgedValuesAreRefusedByVerifyEntry) {
  RedisProcess redis;
  get("w", redis.url(), k_def, "good.cubin");
  get("w", redis.url(), k_other, "other.cubin");
  const std::string key = key_of(k_def), other = key_of(k_other);
  ASSERT_EQ(key.size(), 32u);
  ASSERT_EQ(other.size(), 32u);
  const std::string name = std::string(k_value_prefix) + key, other_name = std::string(k_value_prefix) + other;
  auto other_value = redis.command({"GET", other_name});
  ASSERT_TRUE(other_value && other_value->type == Reply::Type::string);

  // 1. Another key's valid value stored under this key.
  ASSERT_TRUE(redis.command({"SET", name, other_value->str}));
  get("r1", redis.url(), k_def, "r1.cubin");
  EXPECT_EQ(bytes("r1.cubin"), bytes("good.cubin"));
  EXPECT_EQ(stats("r1")["remote_verify_failures"], 1);

  // 2. Forged: the other kernel's entry relabelled with this key and a fresh
  // checksum; only recomputing the key from its inputs catches it.
  auto decoded = decode_value(other_value->str, other);
  ASSERT_TRUE(decoded);
  Entry forged = *decoded;
  forged.key = key;
  ASSERT_TRUE(redis.command({"SET", name, encode_value(forged)}));
  CliRun r = run_kjit(with("r2", redis.url()) + "get " + k_def + " --arch sm_90a -o '" + (m_tmp.path / "r2.cubin").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("was dropped"), std::string::npos) << r.out;  // the one warning
  EXPECT_EQ(bytes("r2.cubin"), bytes("good.cubin"));
  json s = stats("r2");
  EXPECT_EQ(s["remote_verify_failures"], 1) << s.dump();
  EXPECT_EQ(s["compiles"], 1) << s.dump();
  // Dropped and replaced by the good value.
  auto now = redis.command({"GET", name});
  ASSERT_TRUE(now && now->type == Reply::Type::string);
  auto d = decode_value(now->str, key);
  ASSERT_TRUE(d);
  EXPECT_EQ(std::string(d->cubin.begin(), d->cubin.end()), bytes("good.cubin"));

  // 3. The right content under a hostile definition name (not part of the
  // key): refused by the name rule, and no raw escape reaches the terminal.
  Entry renamed = *d;
  renamed.definition = "../../escaped\x1b[31m";
  ASSERT_TRUE(redis.command({"SET", name, encode_value(renamed)}));
  CliRun r3 = run_kjit(with("r3", redis.url()) + "get " + k_def + " --arch sm_90a -o '" + (m_tmp.path / "r3.cubin").string() + "'");
  ASSERT_EQ(r3.exit_code, 0) << r3.out;
  EXPECT_NE(r3.out.find("is not a valid name"), std::string::npos) << r3.out;
  EXPECT_EQ(r3.out.find('\x1b'), std::string::npos) << r3.out;
  EXPECT_EQ(bytes("r3.cubin"), bytes("good.cubin"));
  EXPECT_EQ(stats("r3")["remote_verify_failures"], 1);
}

TEST_F(RemoteCliTest, DownServerWarnsOnceAndCompiles) {
  const int port = testing::free_port();
  CliRun r = run_kjit(with("a", "redis://127.0.0.1:" + std::to_string(port)) + "get " + k_def +
                      " --arch sm_90a -o '" + (m_tmp.path / "x.cubin").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::size_t first = r.out.find("warning: remote cache redis://127.0.0.1");
  EXPECT_NE(first, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("warning: remote cache", first + 1), std::string::npos) << r.out;  // once
  EXPECT_GE(stats("a")["remote_errors"].get<int>(), 1);
}

// --remote-cache "" turns off a tier that KJIT_REMOTE_CACHE sets: no
// connection is tried (no warning, no remote error counted). Without the
// flag the same environment reaches the (down) server.
TEST_F(RemoteCliTest, EmptyFlagOverridesTheEnvironment) {
  const std::string down = "redis://127.0.0.1:" + std::to_string(testing::free_port());
  auto get = [&](const std::string& cache, const std::string& flag) {
    return kjit::testing::run_shell("env -u KJIT_DEFINITIONS -u KJIT_ARCH KJIT_REMOTE_CACHE='" + down + "' '" +
                                    std::string(KJIT_BINARY) + "' --cache-dir '" + (m_tmp.path / cache).string() +
                                    "' " + flag + " get " + k_def + " --arch sm_90a -o '" +
                                    (m_tmp.path / (cache + ".cubin")).string() + "' 2>&1");
  };
  auto off = get("off", "--remote-cache ''");
  ASSERT_EQ(off.exit_code, 0) << off.out;
  EXPECT_EQ(off.out.find("warning: remote cache"), std::string::npos) << off.out;
  EXPECT_EQ(stats("off")["remote_errors"].get<int>(), 0);
  auto on = get("on", "");
  ASSERT_EQ(on.exit_code, 0) << on.out;
  EXPECT_NE(on.out.find("warning: remote cache"), std::string::npos) << on.out;
  EXPECT_GE(stats("on")["remote_errors"].get<int>(), 1);
}

TEST_F(RemoteCliTest, ConfigShowsTheSettingWithoutPasswords) {
  CliRun r = run_kjit("--remote-cache 'redis://u:hunter2@h:7000/1|ttl=1d redis+unix:///tmp/r.sock|read-only' config --json",
                      "2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json j = json::parse(r.out);
  const std::string shown = j["remote_cache"];
  EXPECT_NE(shown.find("redis://u:***@h:7000/1|connect-timeout=100ms|op-timeout=2s|ttl=1d"), std::string::npos) << shown;
  EXPECT_NE(shown.find("redis+unix:///tmp/r.sock|read-only"), std::string::npos) << shown;
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos);
}

TEST_F(RemoteCliTest, BadSettingsAreUsageErrors) {
  std::string cmd = "KJIT_REMOTE_CACHE='redis://host:99999' ";
  CliRun r;
  {
    std::string full = cmd + "'" + std::string(KJIT_BINARY) + "' config 2>&1";
    FILE* p = ::popen(full.c_str(), "r");
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int status = ::pclose(p);
    r.exit_code = WEXITSTATUS(status);
  }
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("KJIT_REMOTE_CACHE: remote cache URL 1: port '99999' is not a number from 1 to 65535"),
            std::string::npos)
      << r.out;
  CliRun flag = run_kjit(with("a", "redis://h|ttl=forever") + "get " + k_def + " -o /dev/null");
  EXPECT_EQ(flag.exit_code, 2) << flag.out;
  EXPECT_NE(flag.out.find("--remote-cache: remote cache URL 1 (redis://h:6379): 'ttl=forever' is not a duration"),
            std::string::npos)
      << flag.out;
}

TEST_F(RemoteCliTest, RemotePingStatsLs) {
  RedisProcess redis;
  get("a", redis.url(), k_def, "a.cubin");
  CliRun ping = run_kjit(with("a", redis.url()) + "cache remote ping --json", "2>&1");
  ASSERT_EQ(ping.exit_code, 0) << ping.out;
  json p = json::parse(ping.out);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(p[0]["ok"].get<bool>());
  EXPECT_EQ(p[0]["role"], "master");
  CliRun ls = run_kjit(with("a", redis.url()) + "cache remote ls --json", "2>&1");
  ASSERT_EQ(ls.exit_code, 0) << ls.out;
  json l = json::parse(ls.out);
  ASSERT_EQ(l.size(), 1u) << ls.out;
  EXPECT_EQ(l[0]["definition"], k_def);
  EXPECT_EQ(l[0]["arch"], "sm_90a");
  EXPECT_GT(l[0]["ttl_s"].get<long long>(), 29 * 24 * 3600);
  CliRun st = run_kjit(with("a", redis.url()) + "cache remote stats --json", "2>&1");
  ASSERT_EQ(st.exit_code, 0) << st.out;
  json s = json::parse(st.out);
  EXPECT_EQ(s["servers"][0]["values"], 1);
  EXPECT_EQ(s["local"]["remote_puts"], 1);
  // Text forms, and a down server: exit 1, named.
  const int port = testing::free_port();
  CliRun down = run_kjit(with("a", redis.url() + " redis://127.0.0.1:" + std::to_string(port)) + "cache remote ping", "2>&1");
  EXPECT_EQ(down.exit_code, 1) << down.out;
  EXPECT_NE(down.out.find("FAILED"), std::string::npos) << down.out;
  CliRun none = run_kjit("--cache-dir '" + (m_tmp.path / "a").string() + "' cache remote ping", "2>&1");
  EXPECT_EQ(none.exit_code, 2) << none.out;
  EXPECT_NE(none.out.find("no remote cache is configured"), std::string::npos) << none.out;
  // Counters in `kjit cache stats` text too.
  CliRun text = run_kjit("--cache-dir '" + (m_tmp.path / "a").string() + "' cache stats", "2>&1");
  EXPECT_NE(text.out.find("remote_puts"), std::string::npos) << text.out;
}

// `kjit serve` uses the same tiers: a compile request for a kernel another
// machine compiled is a remote hit, and /v1/cache/stats and /metrics count it.
TEST_F(RemoteCliTest, ServeUsesTheRemoteTier) {
  RedisProcess redis;
  get("w", redis.url(), k_def, "w.cubin");
  const int port = testing::free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string pid_file = (m_tmp.path / "serve.pid").string();
  const std::string start = "env -u KJIT_DEFINITIONS '" + std::string(KJIT_BINARY) + "' " + with("s", redis.url()) +
                            "serve --listen 127.0.0.1:" + std::to_string(port) + " >'" + (m_tmp.path / "serve.log").string() +
                            "' 2>&1 & echo $! > '" + pid_file + "'";
  ASSERT_EQ(std::system(start.c_str()), 0);
  const int pid = std::atoi(read_text(pid_file).c_str());
  auto curl = [&](const std::string& args) {
    CliRun r;
    FILE* p = ::popen(("curl -s " + args + " 2>/dev/null").c_str(), "r");
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    r.exit_code = WEXITSTATUS(::pclose(p));
    return r;
  };
  for (int i = 0; i < 100 && curl(base + "/v1/health").exit_code != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CliRun compiled = curl("-X POST -d '{\"arch\":\"sm_90a\"}' " + base + "/v1/kernels/" + k_def + "/compile");
  CliRun st = curl(base + "/v1/cache/stats");
  CliRun metrics = curl(base + "/metrics");
  ::kill(pid, SIGTERM);  // then wait for it (it finishes in-flight requests), SIGKILL after 10 s
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(pid, SIGKILL);
  json c = json::parse(compiled.out, nullptr, false);
  ASSERT_TRUE(c.is_object()) << compiled.out << read_text(m_tmp.path / "serve.log");
  EXPECT_EQ(c["status"], "remote_hit") << compiled.out;
  json s = json::parse(st.out, nullptr, false);
  ASSERT_TRUE(s.is_object()) << st.out;
  EXPECT_EQ(s["remote_hits"], 1) << st.out;
  EXPECT_NE(metrics.out.find("kjit_cache_remote_hits_total 1"), std::string::npos) << metrics.out;
}

TEST_F(RemoteCliTest, ShardedWarmupFillsRedisAndASecondPassIsAllRemoteHits) {
  RedisProcess redis;
  const std::string filter = " warmup --arch sm_90a --filter 'rmsnorm_h*' -j 1 --json ";
  int compiled = 0;
  for (int i = 0; i < 2; ++i) {
    CliRun r = run_kjit(with("m" + std::to_string(i), redis.url()) + filter + "--shard " + std::to_string(i) + "/2",
                        "2>/dev/null");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    compiled += json::parse(r.out)["totals"]["compiled"].get<int>();
  }
  EXPECT_EQ(compiled, 2);  // rmsnorm_h4096, rmsnorm_h7168
  EXPECT_EQ(redis.integer({"DBSIZE"}), 2);
  CliRun again = run_kjit(with("fresh", redis.url()) + filter, "2>/dev/null");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  json t = json::parse(again.out)["totals"];
  EXPECT_EQ(t["remote_hit"], 2) << t.dump();
  EXPECT_EQ(t["compiled"], 0) << t.dump();
  // A machine warmed without the remote shares its hits with it.
  redis.command({"FLUSHALL"});
  CliRun share = run_kjit(with("fresh", redis.url()) + filter, "2>/dev/null");
  ASSERT_EQ(share.exit_code, 0) << share.out;
  EXPECT_EQ(json::parse(share.out)["totals"]["shared"], 2) << share.out;
  EXPECT_EQ(redis.integer({"DBSIZE"}), 2);
}

}  // namespace
}  // namespace kjit::cache::remote
