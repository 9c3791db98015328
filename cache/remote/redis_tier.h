// RedisTier: the RemoteTier (cache/remote_tier.h) over one or more Redis
// servers (KJIT_REMOTE_CACHE, remote_spec.h).
//
// Keys: a value lives at `kjit:v1:<key>` (a string in remote_value.h's
// format, SET NX EX ttl: the first writer wins, values expire after the
// ttl), a compile lock at `kjit:lock:<key>` (SET NX PX lock-ttl with a random
// token; released and renewed only by its holder, through Lua scripts that
// compare the token first). A live holder renews its lock every lock-ttl/3
// from a background thread, so only a dead holder's lock expires; then a
// waiter takes over.
//
// Sharding: with several servers, each key goes to the server with the
// highest rendezvous score (the first 8 bytes of XXH3-128 over shard_id, NUL, key) (remote_spec.h: the
// server's address and db), skipping servers whose breaker is open, so
// adding or losing a server moves only its own share of keys, and a server
// that is down sends its keys to the next in rank until it is back.
// A read-only server is read from, never written: no values, no locks, no
// deletes.
//
// Thread safety: all methods are safe from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cache/remote/redis_server.h"
#include "cache/remote/remote_spec.h"
#include "cache/remote_tier.h"

namespace kjit::cache::remote {

inline constexpr std::string_view k_value_prefix = "kjit:v1:";
inline constexpr std::string_view k_lock_prefix = "kjit:lock:";

class RedisTier final : public RemoteTier {
 public:
  // REQUIRES: `servers` is not empty. Connects lazily.
  explicit RedisTier(std::vector<RemoteServerSpec> servers);

  Result<RemoteValue> get(const std::string& key) override;
  Result<std::uint64_t> put(const Entry& entry) override;
  Result<void> drop(const std::string& key, const RemoteValue& seen) override;
  Result<std::unique_ptr<RemoteLease>> try_lock(const std::string& key) override;
  bool writable() const override;
  RemoteLockPolicy lock_policy() const override;

  // The servers, in configuration order (for `kjit cache remote ...`).
  const std::vector<std::shared_ptr<RedisServer>>& servers() const { return m_servers; }
  // The servers in rendezvous order for `key`, best first.
  std::vector<RedisServer*> ranked(const std::string& key) const;

 private:
  // The first available server in rank order (the best one when none is).
  RedisServer& pick(const std::string& key) const;

  std::vector<std::shared_ptr<RedisServer>> m_servers;
};

// Opens the tier for the setting `text` (empty: null, no remote).
Result<std::shared_ptr<RedisTier>> open_remote_tier(const std::string& text);

}  // namespace kjit::cache::remote
