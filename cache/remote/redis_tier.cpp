// RedisTier; see redis_tier.h.
#include "cache/remote/redis_tier.h"

#include <algorithm>
#include <condition_variable>
#include <random>
#include <thread>

#include "cache/remote/remote_value.h"
#include "jit/util/hash.h"
#include "jit/util/str_cat.h"

namespace kjit::cache::remote {
namespace {

// Compare-and-delete / compare-and-renew: only the token's owner touches
// its lock.
constexpr std::string_view k_release_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
constexpr std::string_view k_renew_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
// Deletes a value only while it is still the one that failed verification.
constexpr std::string_view k_drop_script =
    "if redis.call('GETRANGE', KEYS[1], -16, -1) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

// GET bounded by size: a value over ARGV[1] bytes is not sent; its length and
// last 16 bytes (its fingerprint, for the drop) come back instead.
constexpr std::string_view k_bounded_get_script =
    "local n = redis.call('STRLEN', KEYS[1]) "
    "if n > tonumber(ARGV[1]) then return {n, redis.call('GETRANGE', KEYS[1], -16, -1)} end "
    "return redis.call('GET', KEYS[1])";

std::unexpected<Error> remote_error(const RedisServer& server, const RedisFailure& f) {
  return fail(ErrorCode::io_error, str_cat("remote cache ", server.spec().display(), ": ", failure_kind_name(f.kind),
                                           " (", f.message, ")"));
}

std::string random_token() {
  std::random_device rd;
  std::string out;
  static constexpr char hex[] = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    std::uint32_t v = rd();
    for (int j = 0; j < 8; ++j) out += hex[(v >> (4 * j)) & 15];
  }
  return out;
}

// A held lock: renewed every ttl/3 by a thread, released (if still ours) on
// destruction.
class RedisLease final : public RemoteLease {
 public:
  RedisLease(RedisServer& server, std::string name, std::string token)
      : m_server(server), m_name(std::move(name)), m_token(std::move(token)) {
    m_renewer = std::thread([this] { renew_loop(); });
  }
  ~RedisLease() override {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_cv.notify_all();
    m_renewer.join();
    (void)m_server.run({"EVAL", k_release_script, "1", m_name, m_token});
  }

 private:
  void renew_loop() {
    const auto ttl = m_server.spec().lock_ttl;
    const std::string ttl_text = std::to_string(ttl.count());
    std::unique_lock lock(m_mutex);
    while (!m_cv.wait_for(lock, ttl / 3, [&] { return m_stop; })) {
      lock.unlock();
      // A failed renewal is harmless: at worst the lock expires and another
      // machine compiles the key too (then the first writer's value wins).
      (void)m_server.run({"EVAL", k_renew_script, "1", m_name, m_token, ttl_text});
      lock.lock();
    }
  }

  RedisServer& m_server;
  std::string m_name, m_token;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_stop = false;  // guarded by m_mutex
  std::thread m_renewer;
};

// A lease on nothing: the key's server is read-only, so nobody locks.
class NoLease final : public RemoteLease {};

}  // namespace

RedisTier::RedisTier(std::vector<RemoteServerSpec> servers) {
  for (auto& s : servers) m_servers.push_back(std::make_shared<RedisServer>(std::move(s)));
}

std::vector<RedisServer*> RedisTier::ranked(const std::string& key) const {
  std::vector<std::pair<std::uint64_t, RedisServer*>> scored;
  for (const auto& s : m_servers) {
    std::string id = s->spec().shard_id();
    id += '\0';
    id += key;
    auto digest = xxh3_128_bytes({reinterpret_cast<const std::uint8_t*>(id.data()), id.size()});
    std::uint64_t score = 0;
    for (int i = 0; i < 8; ++i) score = score << 8 | digest[i];
    scored.emplace_back(score, s.get());
  }
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<RedisServer*> out;
  for (const auto& [score, s] : scored) out.push_back(s);
  return out;
}

RedisServer& RedisTier::pick(const std::string& key) const {
  if (m_servers.size() == 1) return *m_servers.front();
  auto order = ranked(key);
  for (RedisServer* s : order)
    if (s->available()) return *s;
  return *order.front();
}

Result<RemoteValue> RedisTier::get(const std::string& key) {
  RedisServer& server = pick(key);
  const std::string name = str_cat(k_value_prefix, key);
  static const std::string limit = std::to_string(k_max_value_bytes);
  auto reply = server.run({"EVAL", k_bounded_get_script, "1", name, limit});
  if (!reply) return remote_error(server, reply.error());
  RemoteValue out;
  if (reply->type == Reply::Type::nil) return out;
  if (reply->type == Reply::Type::array && reply->elements.size() == 2) {
    out.state = RemoteValue::State::damaged;
    out.fingerprint = reply->elements[1].str;
    out.why = str_cat("the value has ", reply->elements[0].integer, " bytes, over the limit of ", k_max_value_bytes);
    return out;
  }
  if (reply->type != Reply::Type::string) {
    out.state = RemoteValue::State::damaged;
    out.why = "the key does not hold a string";
    return out;
  }
  out.bytes = reply->str.size();
  out.fingerprint = value_fingerprint(reply->str);
  auto entry = decode_value(reply->str, key);
  if (!entry) {
    out.state = RemoteValue::State::damaged;
    out.why = entry.error().message;
    return out;
  }
  out.state = RemoteValue::State::hit;
  out.entry = std::move(*entry);
  return out;
}

Result<std::uint64_t> RedisTier::put(const Entry& entry) {
  RedisServer& server = pick(entry.key);
  if (server.spec().read_only) return 0;
  const std::string name = str_cat(k_value_prefix, entry.key);
  const std::string value = encode_value(entry);
  const std::string ttl = std::to_string(server.spec().ttl.count());
  auto reply = server.spec().ttl.count() > 0 ? server.run({"SET", name, value, "NX", "EX", ttl})
                                             : server.run({"SET", name, value, "NX"});
  if (!reply) return remote_error(server, reply.error());
  return reply->type == Reply::Type::nil ? 0 : value.size();
}

Result<void> RedisTier::drop(const std::string& key, const RemoteValue& seen) {
  RedisServer& server = pick(key);
  if (server.spec().read_only) return {};
  const std::string name = str_cat(k_value_prefix, key);
  auto reply = server.run({"EVAL", k_drop_script, "1", name, seen.fingerprint});
  if (!reply) return remote_error(server, reply.error());
  return {};
}

Result<std::unique_ptr<RemoteLease>> RedisTier::try_lock(const std::string& key) {
  RedisServer& server = pick(key);
  if (server.spec().read_only) return std::unique_ptr<RemoteLease>(new NoLease);
  const std::string name = str_cat(k_lock_prefix, key);
  std::string token = random_token();
  const std::string ttl = std::to_string(server.spec().lock_ttl.count());
  auto reply = server.run({"SET", name, token, "NX", "PX", ttl});
  if (!reply) return remote_error(server, reply.error());
  if (reply->type == Reply::Type::nil) return std::unique_ptr<RemoteLease>();
  return std::unique_ptr<RemoteLease>(new RedisLease(server, name, std::move(token)));
}

bool RedisTier::writable() const {
  return std::any_of(m_servers.begin(), m_servers.end(), [](const auto& s) { return !s->spec().read_only; });
}

RemoteLockPolicy RedisTier::lock_policy() const {
  RemoteLockPolicy p;
  p.wait = std::chrono::milliseconds(0);
  for (const auto& s : m_servers) p.wait = std::max(p.wait, s->spec().lock_wait);
  return p;
}

Result<std::shared_ptr<RedisTier>> open_remote_tier(const std::string& text) {
  auto servers = KJIT_TRY(parse_remote_spec(text));
  if (servers.empty()) return std::shared_ptr<RedisTier>();
  return std::make_shared<RedisTier>(std::move(servers));
}

}  // namespace kjit::cache::remote
