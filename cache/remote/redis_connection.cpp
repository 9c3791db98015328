// One Redis connection; see redis_connection.h.
#include "cache/remote/redis_connection.h"

#include <cerrno>
#include <cstring>

#include "cache/remote/hiredis_library.h"
#include "jit/util/str_cat.h"

namespace kjit::cache::remote {
namespace {

timeval to_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

// A failure of the connection itself (context error), by its errno and text.
RedisFailure context_failure(const redisContext* c, bool connecting) {
  RedisFailure f;
  f.connection_broken = true;
  f.message = c ? std::string(c->errstr) : "out of memory allocating the connection";
  const std::string& m = f.message;
  const bool timed_out = m.find("timed out") != std::string::npos || m.find("temporarily unavailable") != std::string::npos ||
                         m.find("Timeout") != std::string::npos;
  if (timed_out) f.kind = FailureKind::timeout;
  else if (connecting) f.kind = FailureKind::unavailable;
  else f.kind = FailureKind::protocol;  // EOF or reset mid-command: the server went away
  if (!connecting && (m.find("Connection reset") != std::string::npos || m.find("Server closed") != std::string::npos ||
                      m.find("Broken pipe") != std::string::npos))
    f.kind = FailureKind::unavailable;
  return f;
}

RedisFailure error_reply(std::string_view text) {
  RedisFailure f;
  f.message = std::string(text.substr(0, 512));
  auto starts = [&](std::string_view p) { return text.starts_with(p); };
  if (starts("OOM")) f.kind = FailureKind::out_of_memory;
  else if (starts("READONLY")) f.kind = FailureKind::read_only;
  else if (starts("LOADING")) f.kind = FailureKind::loading;
  else if (starts("NOAUTH") || starts("WRONGPASS") || starts("NOPERM") || text.find("AUTH") != std::string_view::npos)
    f.kind = FailureKind::auth;
  else f.kind = FailureKind::server_error;
  return f;
}

// Copies hiredis's reply out (bounded depth: replies here are at most two
// levels deep, SCAN's).
RedisResult<Reply> convert(const redisReply* r, int depth) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_NIL: out.type = Reply::Type::nil; break;
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ERROR: return std::unexpected(error_reply(std::string_view(r->str, r->len)));
    case REDIS_REPLY_ARRAY:
      if (depth > 4) return std::unexpected(RedisFailure{FailureKind::protocol, "reply nested too deeply", false});
      out.type = Reply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) {
        auto e = convert(r->element[i], depth + 1);
        if (!e) return std::unexpected(e.error());
        out.elements.push_back(std::move(*e));
      }
      break;
    default: return std::unexpected(RedisFailure{FailureKind::protocol, str_cat("unknown reply type ", r->type), false});
  }
  return out;
}

}  // namespace

const char* failure_kind_name(FailureKind kind) {
  switch (kind) {
    case FailureKind::unavailable: return "server unavailable";
    case FailureKind::timeout: return "timed out";
    case FailureKind::auth: return "authentication or db selection refused";
    case FailureKind::out_of_memory: return "server out of memory (maxmemory)";
    case FailureKind::read_only: return "server is a read-only replica";
    case FailureKind::loading: return "server is loading its data (restarting)";
    case FailureKind::protocol: return "connection lost or bad reply";
    case FailureKind::server_error: return "error reply";
    case FailureKind::library: return "hiredis not available";
  }
  return "error";
}

RedisResult<std::unique_ptr<Connection>> Connection::open(const RemoteServerSpec& spec) {
  auto lib = load_hiredis();
  if (!lib) return std::unexpected(RedisFailure{FailureKind::library, lib.error().message, true});
  const Hiredis& h = **lib;
  redisContext* c = spec.transport == RemoteServerSpec::Transport::unix_socket
                        ? h.connect_unix(spec.socket_path.c_str(), to_timeval(spec.connect_timeout))
                        : h.connect_tcp(spec.host.c_str(), spec.port, to_timeval(spec.connect_timeout));
  if (!c || c->err) {
    RedisFailure f = context_failure(c, true);
    if (c) h.free_context(c);
    return std::unexpected(std::move(f));
  }
  std::unique_ptr<Connection> conn(new Connection(c));
  if (h.set_timeout(c, to_timeval(spec.op_timeout)) != REDIS_OK)
    return std::unexpected(context_failure(c, true));
  if (!spec.password.empty()) {
    std::vector<std::string_view> args{"AUTH"};
    if (!spec.user.empty()) args.push_back(spec.user);
    args.push_back(spec.password);
    auto r = conn->command(args);
    if (!r) {
      RedisFailure f = r.error();
      if (!f.connection_broken) f.kind = FailureKind::auth;
      return std::unexpected(std::move(f));
    }
  }
  if (spec.db != 0) {
    std::string db = std::to_string(spec.db);
    auto r = conn->command({"SELECT", db});
    if (!r) {
      RedisFailure f = r.error();
      if (!f.connection_broken) f.kind = FailureKind::auth;
      return std::unexpected(std::move(f));
    }
  }
  return conn;
}

void Connection::FreeContext::operator()(redisContext* context) const {
  if (auto lib = load_hiredis(); lib) (*lib)->free_context(context);
}

RedisResult<Reply> Connection::command(const std::vector<std::string_view>& args) {
  const Hiredis& h = **load_hiredis();  // loaded: open() succeeded
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(h.command_argv(m_context.get(), static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (!reply) return std::unexpected(context_failure(m_context.get(), false));
  auto out = convert(reply, 0);
  h.free_reply(reply);
  return out;
}

}  // namespace kjit::cache::remote
