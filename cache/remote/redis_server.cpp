// One Redis server: pool, breaker, warn-once; see redis_server.h.
#include "cache/remote/redis_server.h"

#include <atomic>
#include <cstdio>

namespace kjit::cache::remote {
namespace {

constexpr int k_kinds = static_cast<int>(FailureKind::library) + 1;
std::atomic<bool> g_warned[k_kinds];

}  // namespace

void warn_once(const RedisFailure& failure, const std::string& server) {
  if (g_warned[static_cast<int>(failure.kind)].exchange(true)) return;
  std::fprintf(stderr,
               "kjit: warning: remote cache %s: %s (%s); going on with the local cache and compiling locally "
               "(further failures of this kind are counted: `kjit cache stats`, remote_errors)\n",
               server.c_str(), failure_kind_name(failure.kind), failure.message.c_str());
}

bool RedisServer::available() const {
  return !m_breaker.is_open() || m_breaker.cooldown_over();
}

RedisResult<std::unique_ptr<Connection>> RedisServer::take() {
  {
    std::lock_guard lock(m_mutex);
    if (!m_idle.empty()) {
      auto conn = std::move(m_idle.back());
      m_idle.pop_back();
      return conn;
    }
  }
  return Connection::open(m_spec);
}

void RedisServer::give_back(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(m_mutex);
  if (m_idle.size() < k_max_idle) m_idle.push_back(std::move(conn));
}

RedisResult<Reply> RedisServer::run(const std::vector<std::string_view>& args, UseBreaker use, bool warn) {
  if (use == UseBreaker::yes && !m_breaker.allow())
    return std::unexpected(RedisFailure{FailureKind::unavailable,
                                        "skipped: the server failed repeatedly and is rested for a while", false});
  auto done = [&](RedisResult<Reply> r) -> RedisResult<Reply> {
    if (use == UseBreaker::yes) {
      // Error replies about the data or memory (OOM) are not the server
      // being down: they do not open the breaker.
      const bool down = !r && (r.error().connection_broken || r.error().kind == FailureKind::loading ||
                               r.error().kind == FailureKind::auth || r.error().kind == FailureKind::library);
      if (down) m_breaker.failure();
      else m_breaker.success();
    }
    if (!r && warn) warn_once(r.error(), m_spec.display());
    return r;
  };
  auto conn = take();
  if (!conn) return done(std::unexpected(conn.error()));
  auto reply = (*conn)->command(args);
  if (!reply && reply.error().connection_broken) {
    // A pooled connection may have died idle (server restarted): one retry
    // on a fresh connection, unless it was a timeout (the server is slow;
    // waiting again would double the stall).
    if (reply.error().kind == FailureKind::timeout) return done(std::move(reply));
    conn->reset();
    auto fresh = Connection::open(m_spec);
    if (!fresh) return done(std::unexpected(fresh.error()));
    reply = (*fresh)->command(args);
    if (!reply && reply.error().connection_broken) return done(std::move(reply));
    give_back(std::move(*fresh));
    return done(std::move(reply));
  }
  give_back(std::move(*conn));
  return done(std::move(reply));
}

}  // namespace kjit::cache::remote
