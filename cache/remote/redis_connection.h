// One connection to a Redis server (hiredis, loaded lazily: hiredis_library.h)
// and the classification of what went wrong, so callers can warn once per
// kind of failure and count the rest.
//
// A command sends an argument vector (binary-safe) and returns a Reply copied
// out of hiredis's reply object. Errors are `RedisFailure`s: a connection
// that failed (I/O, timeout, protocol) is broken and must be dropped; a Redis
// error reply (OOM, READONLY, LOADING, NOAUTH...) leaves it usable.
//
// Thread safety: a Connection is used by one thread at a time (the pool in
// redis_server.h hands each out to one caller).
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/remote/remote_spec.h"
#include "jit/util/error.h"

struct redisContext;

namespace kjit::cache::remote {

// The kinds of remote failure; one warning per process per kind.
enum class FailureKind {
  unavailable,   // cannot connect: refused, no such socket, unreachable, DNS
  timeout,       // connect or command exceeded its timeout
  auth,          // NOAUTH / WRONGPASS / bad SELECT
  out_of_memory, // OOM: maxmemory reached with a policy that refuses writes
  read_only,     // READONLY: a replica
  loading,       // LOADING: the server is restarting and reading its data
  protocol,      // a reply that is not what the command returns; connection lost mid-reply
  server_error,  // any other error reply
  library,       // libhiredis could not be loaded
};
const char* failure_kind_name(FailureKind kind);

struct RedisFailure {
  FailureKind kind = FailureKind::server_error;
  std::string message;          // the server's or the library's words
  bool connection_broken = false;
};

struct Reply {
  enum class Type { nil, string, integer, status, array };
  Type type = Type::nil;
  std::string str;               // string, status
  long long integer = 0;
  std::vector<Reply> elements;   // array
};

template <class T>
using RedisResult = std::expected<T, RedisFailure>;

class Connection {
 public:
  // Connects, sets the command timeout, authenticates and selects the db.
  static RedisResult<std::unique_ptr<Connection>> open(const RemoteServerSpec& spec);

  // Runs one command. A broken connection (failure.connection_broken) must
  // not be used again.
  RedisResult<Reply> command(const std::vector<std::string_view>& args);

 private:
  // Frees a context through the loaded library (open() loaded it).
  struct FreeContext {
    void operator()(redisContext* context) const;
  };
  explicit Connection(redisContext* context) : m_context(context) {}
  std::unique_ptr<redisContext, FreeContext> m_context;
};

}  // namespace kjit::cache::remote
