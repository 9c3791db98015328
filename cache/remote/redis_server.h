// RedisServer: one configured Redis (one URL of KJIT_REMOTE_CACHE) with a
// small connection pool, a circuit breaker (circuit_breaker.h) and the
// process-wide warn-once policy: the first failure of each kind (down,
// timeout, OOM, ...; redis_connection.h) in this process is said on stderr,
// naming the server and saying the cache goes on locally; later ones are
// only counted by the caller.
//
// Connections are opened lazily (the first command), so configuring a remote
// costs nothing until a local miss; a connection that failed is closed, one
// that worked goes back to the pool (at most k_max_idle are kept).
//
// Thread safety: all methods are safe from any thread; each command runs on
// a connection no other thread uses meanwhile.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cache/remote/circuit_breaker.h"
#include "cache/remote/redis_connection.h"
#include "cache/remote/remote_spec.h"

namespace kjit::cache::remote {

enum class UseBreaker { no, yes };

class RedisServer {
 public:
  static constexpr std::size_t k_max_idle = 8;

  explicit RedisServer(RemoteServerSpec spec) : m_spec(std::move(spec)) {}

  const RemoteServerSpec& spec() const { return m_spec; }

  // Runs `args` on a pooled connection. With UseBreaker::yes an open breaker
  // fails at once (kind unavailable, "skipped: ..."), and the outcome feeds
  // the breaker; a failure is warned about once per process per kind. The
  // admin commands (`kjit cache remote ping`) pass UseBreaker::no and warn=false:
  // they report every failure themselves.
  RedisResult<Reply> run(const std::vector<std::string_view>& args, UseBreaker use = UseBreaker::yes,
                         bool warn = true);

  // False while the breaker is open and its cooldown runs (sharding then
  // routes around this server).
  bool available() const;

 private:
  RedisResult<std::unique_ptr<Connection>> take();
  void give_back(std::unique_ptr<Connection> conn);

  RemoteServerSpec m_spec;
  CircuitBreaker m_breaker;
  std::mutex m_mutex;  // guards m_idle
  std::vector<std::unique_ptr<Connection>> m_idle;
};

// Says `failure` of `server` on stderr unless this process already said one
// of its kind.
void warn_once(const RedisFailure& failure, const std::string& server);

}  // namespace kjit::cache::remote
