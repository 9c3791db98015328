// The remote tier through the Cache facade, against a real redis-server
// (redis_fixture.h): hits after a local wipe, one compile for two caches,
// damaged and foreign values, Redis down / killed / restarted / stopped /
// full, read-only, TTL, locks, sharding. Compiles are fake (deterministic
// entries from cache_test_util.h), counted per test; the verifier binds
// content to key the way jit::verify_entry does for real entries: an entry
// passes only when it is exactly what the key's compile produces.
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "cache/remote/redis_tier.h"
#include "cache/remote/remote_value.h"
#include "tests/cache/cache_test_util.h"
#include "tests/cache/remote/redis_fixture.h"

namespace kjit::cache::remote {
namespace {

using namespace std::chrono_literals;
using cache::testing::key_for;
using cache::testing::make_entry;
using testing::RedisProcess;
using testing::TempFolder;

constexpr int k_keys = 64;

// The entry number of a test key (key_for(n) -> n), or -1.
int number_of(const std::string& key) {
  static const std::map<std::string, int> table = [] {
    std::map<std::string, int> t;
    for (int i = 0; i < k_keys; ++i) t[key_for(i)] = i;
    return t;
  }();
  auto it = table.find(key);
  return it == table.end() ? -1 : it->second;
}

Result<void> bound_to_key(const Entry& e) {
  int n = number_of(e.key);
  if (n < 0 || !(e == make_entry(n, e.cubin.size()))) return fail(ErrorCode::corruption, "content does not belong to the key");
  return {};
}

class RemoteTierTest : public ::testing::Test {
 protected:
  void SetUp() override { KJIT_REQUIRE_REDIS(); }

  std::unique_ptr<Cache> open(const std::string& spec, const std::string& name = "a", bool read_only_local = false) {
    auto tier = open_remote_tier(spec);
    EXPECT_TRUE(tier.has_value()) << (tier ? "" : tier.error().message);
    CacheOptions o;
    o.dir = m_tmp.path / name;
    o.verifier = bound_to_key;
    o.remote = tier ? *tier : nullptr;
    o.read_only = read_only_local;
    auto c = Cache::open(o);
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
    return c ? std::move(*c) : nullptr;
  }
  // A fake compile of entry `n` that counts itself and takes `delay`.
  std::function<Result<Entry>()> compile(int n, std::chrono::milliseconds delay = 0ms) {
    return [this, n, delay]() -> Result<Entry> {
      ++m_compiles;
      std::this_thread::sleep_for(delay);
      return make_entry(n);
    };
  }
  static std::uint64_t counter(Cache& c, Counter id) {
    c.flush_stats();
    auto st = c.stats();
    return st ? (*st)[id] : ~0ull;
  }
  static std::string value_name(int n) { return std::string(k_value_prefix) + key_for(n); }
  // Gets entry `n` through `c`, expecting Redis's value to be refused (one verify failure since the
  // last clear()) and the entry compiled.
  void expect_refused_then_compiled(Cache& c, int n) {
    auto got = c.get_or_compile(key_for(n), compile(n));
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->outcome, Outcome::compiled);
    EXPECT_EQ(got->entry, make_entry(n));
    EXPECT_EQ(counter(c, Counter::remote_verify_failures), 1u);
  }
  // Expects Redis to hold entry `n`'s good value (written in place of a refused one).
  static void expect_good_value_stored(RedisProcess& redis, int n) {
    auto stored = redis.command({"GET", value_name(n)});
    ASSERT_TRUE(stored && stored->type == Reply::Type::string);
    auto decoded = decode_value(stored->str, key_for(n));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, make_entry(n));
  }

  TempFolder m_tmp;
  std::atomic<int> m_compiles{0};
};

TEST_F(RemoteTierTest, RemoteHitAfterLocalWipe) {
  RedisProcess redis;
  ASSERT_TRUE(redis.running());
  {
    auto a = open(redis.url());
    auto got = a->get_or_compile(key_for(1), compile(1));
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->outcome, Outcome::compiled);
    EXPECT_EQ(counter(*a, Counter::remote_puts), 1u);
    EXPECT_EQ(counter(*a, Counter::remote_misses), 1u);
    EXPECT_GT(counter(*a, Counter::remote_bytes_out), 256u);
  }
  std::filesystem::remove_all(m_tmp.path / "a");  // the local wipe
  auto a = open(redis.url());
  auto got = a->get_or_compile(key_for(1), compile(1));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->outcome, Outcome::remote_hit);
  EXPECT_EQ(got->entry, make_entry(1));
  EXPECT_EQ(m_compiles, 1);
  EXPECT_EQ(counter(*a, Counter::remote_hits), 1u);
  EXPECT_GT(counter(*a, Counter::remote_bytes_in), 256u);
  // Published locally: the next lookup is a local hit, Redis not needed.
  redis.stop();
  auto local = a->lookup(key_for(1));
  ASSERT_TRUE(local && *local);
  EXPECT_EQ(**local, make_entry(1));
}

TEST_F(RemoteTierTest, TwoCachesShareOneCompile) {
  RedisProcess redis;
  auto a = open(redis.unix_url(), "a");
  auto b = open(redis.unix_url(), "b");
  auto ga = a->get_or_compile(key_for(2), compile(2));
  auto gb = b->get_or_compile(key_for(2), compile(2));
  ASSERT_TRUE(ga && gb);
  EXPECT_EQ(ga->entry.cubin, gb->entry.cubin);
  EXPECT_EQ(gb->outcome, Outcome::remote_hit);
  EXPECT_EQ(m_compiles, 1);
}

TEST_F(RemoteTierTest, ConcurrentCachesCompileOnce) {
  RedisProcess redis;
  std::vector<std::unique_ptr<Cache>> caches;
  for (int i = 0; i < 4; ++i) caches.push_back(open(redis.url(), "c" + std::to_string(i)));
  std::vector<std::thread> threads;
  std::vector<std::vector<std::uint8_t>> cubins(caches.size());
  for (std::size_t i = 0; i < caches.size(); ++i)
    threads.emplace_back([&, i] {
      auto got = caches[i]->get_or_compile(key_for(3), compile(3, 500ms));
      if (got) cubins[i] = got->entry.cubin;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(m_compiles, 1);
  for (const auto& c : cubins) EXPECT_EQ(c, make_entry(3).cubin);
  std::uint64_t waits = 0;
  for (auto& c : caches) waits += counter(*c, Counter::remote_lock_waits);
  EXPECT_GE(waits, 1u);
}

TEST_F(RemoteTierTest, GarbageValueIsDroppedAndReplaced) {
  RedisProcess redis;
  ASSERT_TRUE(redis.command({"SET", value_name(4), "garbage, not a kjit value"}));
  auto a = open(redis.url());
  expect_refused_then_compiled(*a, 4);
  expect_good_value_stored(redis, 4);  // dropped, then the good value written in its place
}

// A value over k_max_value_bytes never crosses the wire: the get sees its
// size only, counts a verify failure, drops it and compiles.
TEST_F(RemoteTierTest, OversizedValueIsNotFetchedAndIsDropped) {
  RedisProcess redis;
  ASSERT_TRUE(redis.command({"SETRANGE", value_name(6), std::to_string(k_max_value_bytes), "x"}));
  ASSERT_EQ(redis.integer({"STRLEN", value_name(6)}), static_cast<long long>(k_max_value_bytes) + 1);
  auto a = open(redis.url());
  expect_refused_then_compiled(*a, 6);
  EXPECT_EQ(counter(*a, Counter::remote_bytes_in), 0u);
  expect_good_value_stored(redis, 6);
}

TEST_F(RemoteTierTest, TruncatedAndBitFlippedValuesAreDropped) {
  RedisProcess redis;
  std::string good = encode_value(make_entry(5));
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;
  auto a = open(redis.url());
  for (const std::string& bad : {good.substr(0, good.size() / 2), flipped}) {
    ASSERT_TRUE(redis.command({"SET", value_name(5), bad}));
    ASSERT_TRUE(a->clear());
    auto got = a->get_or_compile(key_for(5), compile(5));
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->entry, make_entry(5));
    EXPECT_EQ(got->outcome, Outcome::compiled);
  }
  EXPECT_EQ(counter(*a, Counter::remote_verify_failures), 1u);  // since the last clear()
  EXPECT_EQ(m_compiles, 2);
}

TEST_F(RemoteTierTest, AnotherKeysValidEntryIsRefused) {
  RedisProcess redis;
  // The value of key 7, stored under key 6: framing names key 7.
  ASSERT_TRUE(redis.command({"SET", value_name(6), encode_value(make_entry(7))}));
  auto a = open(redis.url());
  expect_refused_then_compiled(*a, 6);
  // Entry 7's content relabelled as key 6 (a consistent value): only the
  // verifier (content bound to key) can refuse it.
  Entry forged = make_entry(7);
  forged.key = key_for(6);
  ASSERT_TRUE(redis.command({"DEL", value_name(6)}));
  ASSERT_TRUE(redis.command({"SET", value_name(6), encode_value(forged)}));
  ASSERT_TRUE(a->clear());
  expect_refused_then_compiled(*a, 6);
  EXPECT_EQ(m_compiles, 2);
}

TEST_F(RemoteTierTest, RedisDownFallsBackToLocal) {
  const int port = testing::free_port();  // nothing listens there
  auto a = open("redis://127.0.0.1:" + std::to_string(port) + "|connect-timeout=200ms");
  for (int n = 0; n < 5; ++n) {
    auto got = a->get_or_compile(key_for(n), compile(n));
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->entry, make_entry(n));
  }
  EXPECT_EQ(m_compiles, 5);
  EXPECT_GE(counter(*a, Counter::remote_errors), 5u);  // each get's fetch at least; some skipped by the breaker
  EXPECT_EQ(counter(*a, Counter::remote_hits), 0u);
}

TEST_F(RemoteTierTest, KilledThenRestartedServerIsUsedAgain) {
  RedisProcess redis;
  auto a = open(redis.url("|connect-timeout=200ms"));
  ASSERT_TRUE(a->get_or_compile(key_for(10), compile(10)));
  redis.stop();  // SIGKILL: the pooled connection is now dead
  auto got = a->get_or_compile(key_for(11), compile(11));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->entry, make_entry(11));
  EXPECT_GE(counter(*a, Counter::remote_errors), 1u);
  ASSERT_TRUE(redis.restart());  // same port, empty
  std::this_thread::sleep_for(CircuitBreaker::k_first_cooldown + 200ms);
  got = a->get_or_compile(key_for(12), compile(12));
  ASSERT_TRUE(got);
  EXPECT_EQ(redis.integer({"EXISTS", value_name(12)}), 1) << "the breaker should have closed again";
}

TEST_F(RemoteTierTest, KilledMidGetStillServesCorrectBytes) {
  // 8 MiB values, so that a GET (and its decode and verify) takes long enough
  // for a SIGKILL to land during it in some rounds; whatever happens, the get
  // returns the right bytes and the counters say which way it went.
  constexpr std::size_t k_big = 8u << 20;
  int hits = 0, errors = 0;
  for (int round = 0; round < 5; ++round) {
    RedisProcess redis;
    ASSERT_TRUE(redis.running());
    const int n = 50 + round;
    auto big = [n] { return Result<Entry>(make_entry(n, k_big)); };
    {
      auto w = open(redis.url(), "w" + std::to_string(round));
      ASSERT_TRUE(w->get_or_compile(key_for(n), big));
    }
    auto r = open(redis.url("|connect-timeout=200ms"), "r" + std::to_string(round));
    std::thread killer([&redis, round] {
      std::this_thread::sleep_for(std::chrono::microseconds(500 * round));
      redis.stop();
    });
    auto got = r->get_or_compile(key_for(n), big);
    killer.join();
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->entry, make_entry(n, k_big));
    const auto h = counter(*r, Counter::remote_hits), e = counter(*r, Counter::remote_errors);
    EXPECT_GE(h + e, 1u) << "round " << round;
    hits += static_cast<int>(h);
    errors += e > 0;
  }
  std::printf("killed mid-get: %d of 5 rounds served from Redis, %d saw remote errors\n", hits, errors);
}

TEST_F(RemoteTierTest, StoppedServerTimesOutAndGetStillSucceeds) {
  RedisProcess redis;
  auto a = open(redis.url("|op-timeout=200ms|connect-timeout=200ms|lock-wait=300ms"));
  ASSERT_TRUE(a->get_or_compile(key_for(13), compile(13)));
  redis.pause();  // SIGSTOP: connections hang
  auto t0 = std::chrono::steady_clock::now();
  auto got = a->get_or_compile(key_for(14), compile(14));
  auto took = std::chrono::steady_clock::now() - t0;
  redis.resume();
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->entry, make_entry(14));
  EXPECT_GE(counter(*a, Counter::remote_errors), 1u);
  // Bounded by the op timeout (a few of them at most, then the breaker).
  EXPECT_LT(took, 3s);
}

TEST_F(RemoteTierTest, MaxmemoryReachedStillServes) {
  RedisProcess redis({"--maxmemory", "3mb", "--maxmemory-policy", "noeviction"});
  // Fill the server up to maxmemory (small values, so the last ones get close).
  std::string junk(8 * 1024, 'x');
  int refused = 0;
  for (int i = 0; i < 600 && refused < 3; ++i) refused += !redis.command({"SET", "junk" + std::to_string(i), junk});
  ASSERT_EQ(refused, 3) << "maxmemory was not reached";
  auto a = open(redis.url());
  auto got = a->get_or_compile(key_for(15), compile(15));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->entry, make_entry(15));
  EXPECT_GE(counter(*a, Counter::remote_errors), 1u);  // the SET (value or lock) refused: OOM
  EXPECT_EQ(counter(*a, Counter::remote_puts), 0u);
}

TEST_F(RemoteTierTest, EvictingServerIsAMiss) {
  RedisProcess redis({"--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru"});
  auto a = open(redis.url());
  for (int n = 0; n < 24; ++n) ASSERT_TRUE(a->get_or_compile(key_for(n), [n] { return Result<Entry>(make_entry(n, 200 * 1024)); }));
  auto b = open(redis.url(), "b");
  int remote_hits = 0;
  for (int n = 23; n >= 0; --n) {  // newest first: b's own writes evict the oldest
    auto got = b->get_or_compile(key_for(n), [n] { return Result<Entry>(make_entry(n, 200 * 1024)); });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->entry, make_entry(n, 200 * 1024));
    remote_hits += got->outcome == Outcome::remote_hit;
  }
  EXPECT_LT(remote_hits, 24);  // some were evicted
  EXPECT_GT(remote_hits, 0);
}

TEST_F(RemoteTierTest, ReadOnlyNeverWrites) {
  RedisProcess redis;
  ASSERT_TRUE(redis.command({"SET", value_name(20), "garbage"}));
  auto a = open(redis.url("|read-only"));
  for (int n = 20; n < 23; ++n) ASSERT_TRUE(a->get_or_compile(key_for(n), compile(n)));
  EXPECT_EQ(m_compiles, 3);
  EXPECT_EQ(redis.integer({"DBSIZE"}), 1);  // only the garbage: no values, no locks, no deletes
  EXPECT_EQ(counter(*a, Counter::remote_puts), 0u);
  EXPECT_EQ(counter(*a, Counter::remote_verify_failures), 1u);
  // ...and reads what others wrote.
  auto w = open(redis.url(), "w");
  ASSERT_TRUE(w->get_or_compile(key_for(23), compile(23)));
  auto got = a->get_or_compile(key_for(23), compile(23));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->outcome, Outcome::remote_hit);
}

TEST_F(RemoteTierTest, TtlIsHonoured) {
  RedisProcess redis;
  auto a = open(redis.url("|ttl=1s"));
  ASSERT_TRUE(a->get_or_compile(key_for(24), compile(24)));
  long long pttl = redis.integer({"PTTL", value_name(24)});
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 1000);
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(redis.integer({"EXISTS", value_name(24)}), 0);
  auto d = open(redis.url("|ttl=30d"), "d");
  ASSERT_TRUE(d->get_or_compile(key_for(25), compile(25)));
  EXPECT_GT(redis.integer({"TTL", value_name(25)}), 29 * 24 * 3600);
  auto forever = open(redis.url("|ttl=0"), "f");
  ASSERT_TRUE(forever->get_or_compile(key_for(26), compile(26)));
  EXPECT_EQ(redis.integer({"TTL", value_name(26)}), -1);
}

TEST_F(RemoteTierTest, DeadHoldersLockExpiresAndAWaiterTakesOver) {
  RedisProcess redis;
  // A holder that died: its lock lives until its PX runs out.
  const std::string lock = std::string(k_lock_prefix) + key_for(30);
  ASSERT_TRUE(redis.command({"SET", lock, "someone-elses-token", "PX", "600"}));
  auto a = open(redis.url("|lock-wait=10s"));
  auto t0 = std::chrono::steady_clock::now();
  auto got = a->get_or_compile(key_for(30), compile(30));
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(got);
  EXPECT_EQ(got->outcome, Outcome::compiled);
  EXPECT_GE(took, 500ms);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(counter(*a, Counter::remote_lock_waits), 1u);
  EXPECT_EQ(counter(*a, Counter::remote_lock_timeouts), 0u);
  EXPECT_EQ(redis.integer({"EXISTS", lock}), 0);  // released by its new holder
}

TEST_F(RemoteTierTest, WaitingIsBoundedThenCompilesAlone) {
  RedisProcess redis;
  const std::string lock = std::string(k_lock_prefix) + key_for(31);
  ASSERT_TRUE(redis.command({"SET", lock, "a-live-holder", "PX", "60000"}));
  auto a = open(redis.url("|lock-wait=400ms"));
  auto t0 = std::chrono::steady_clock::now();
  auto got = a->get_or_compile(key_for(31), compile(31));
  ASSERT_TRUE(got);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 400ms);
  EXPECT_EQ(counter(*a, Counter::remote_lock_timeouts), 1u);
  // Not its lock: left alone.
  auto holder = redis.command({"GET", lock});
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->str, "a-live-holder");
}

TEST_F(RemoteTierTest, LiveHolderRenewsItsLock) {
  RedisProcess redis;
  // lock-ttl 300 ms, compile 1.2 s: without renewal a waiter would take over.
  auto a = open(redis.url("|lock-ttl=300ms"), "a");
  auto b = open(redis.url("|lock-ttl=300ms"), "b");
  std::thread first([&] { ASSERT_TRUE(a->get_or_compile(key_for(32), compile(32, 1200ms))); });
  std::this_thread::sleep_for(200ms);
  auto got = b->get_or_compile(key_for(32), compile(32, 1200ms));
  first.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->outcome, Outcome::remote_hit);
  EXPECT_EQ(m_compiles, 1);
}

TEST_F(RemoteTierTest, ShardingSpreadsKeysAndSurvivesOneShardDown) {
  RedisProcess r1, r2, r3;
  const std::string spec = r1.url() + " " + r2.url() + " " + r3.unix_url() + "|connect-timeout=200ms";
  auto a = open(spec, "a");
  for (int n = 0; n < 60; ++n) ASSERT_TRUE(a->get_or_compile(key_for(n), compile(n)));
  long long s1 = r1.integer({"DBSIZE"}), s2 = r2.integer({"DBSIZE"}), s3 = r3.integer({"DBSIZE"});
  EXPECT_EQ(s1 + s2 + s3, 60);
  for (long long s : {s1, s2, s3}) EXPECT_GE(s, 8) << s1 << " " << s2 << " " << s3;
  // One shard down: every get still succeeds with the right bytes; keys of the
  // other shards are remote hits.
  r2.stop();
  auto b = open(spec, "b");
  int hits = 0;
  for (int n = 0; n < 60; ++n) {
    auto got = b->get_or_compile(key_for(n), compile(n));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->entry, make_entry(n));
    hits += got->outcome == Outcome::remote_hit;
  }
  EXPECT_GE(hits, 60 - s2);
  EXPECT_GE(counter(*b, Counter::remote_errors), 1u);
}

TEST_F(RemoteTierTest, ReadOnlyLocalCacheStillServesRemoteHits) {
  RedisProcess redis;
  auto w = open(redis.url(), "w");
  ASSERT_TRUE(w->get_or_compile(key_for(40), compile(40)));
  // A read-only local cache (an image layer): hits come from Redis, served from memory.
  { auto seed = open(redis.url(), "ro"); }
  auto ro = open(redis.url(), "ro", /*read_only_local=*/true);
  auto got = ro->get_or_compile(key_for(40), compile(40));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->outcome, Outcome::remote_hit);
  EXPECT_EQ(m_compiles, 1);
}

}  // namespace
}  // namespace kjit::cache::remote
