// Remote cache setting parser; see remote_spec.h.
#include "cache/remote/remote_spec.h"

#include <cctype>
#include <cstdio>

#include "jit/util/str_cat.h"

namespace kjit::cache::remote {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t k_max_text = 8192;   // the whole setting
constexpr std::size_t k_max_servers = 64;
constexpr std::size_t k_max_host = 253;    // DNS name limit
constexpr std::size_t k_max_path = 107;    // sockaddr_un.sun_path less the NUL
constexpr int k_max_db = 65535;
constexpr const char* k_forms =
    "use redis://[[user]:password@]host[:port][/db] or redis+unix:///path[?db=N], each optionally followed by "
    "|read-only, |connect-timeout=DUR, |op-timeout=DUR, |ttl=DUR, |lock-ttl=DUR, |lock-wait=DUR";

std::unexpected<Error> bad(const std::string& where, const std::string& what) {
  return fail(ErrorCode::invalid_argument, str_cat("remote cache ", where, ": ", what));
}

// Printable ASCII only, so messages (and terminals) stay clean.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::optional<int> parse_int(std::string_view s, int max) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

bool valid_hostname(std::string_view h) {
  if (h.empty() || h.size() > k_max_host) return false;
  for (char c : h)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) return false;
  return h.front() != '-' && h.front() != '.';
}

bool valid_ipv6(std::string_view h) {
  if (h.size() < 2 || h.size() > 45) return false;
  for (char c : h)
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
  return h.find(':') != std::string_view::npos;
}

// user:password (either may be empty) -> spec fields.
Result<void> parse_userinfo(std::string_view info, const std::string& where, RemoteServerSpec& s) {
  std::size_t colon = info.find(':');
  auto user = percent_decode(info.substr(0, colon));
  auto pass = colon == std::string_view::npos ? std::optional<std::string>("") : percent_decode(info.substr(colon + 1));
  if (!user || !pass) return bad(where, "bad percent-encoding in the user name or password (use %XX with two hex digits)");
  if (colon == std::string_view::npos) {
    // "redis://secret@host" is the password alone (redis-cli's reading).
    s.password = *user;
  } else {
    s.user = *user;
    s.password = *pass;
  }
  if (s.user.size() > 256 || s.password.size() > 1024) return bad(where, "user name or password too long");
  if (!s.user.empty() && s.password.empty())
    return bad(where, "a user name needs a password (redis://user:password@host)");
  return {};
}

Result<RemoteServerSpec> parse_url(std::string_view url, const std::string& where) {
  RemoteServerSpec s;
  constexpr std::string_view tcp = "redis://", unix_long = "redis+unix://", unix_short = "redis+unix:";
  if (url.starts_with(tcp)) {
    std::string_view rest = url.substr(tcp.size());
    std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (rest.find_first_of("?#") != std::string_view::npos)
      return bad(where, "query strings and fragments are not accepted in redis:// URLs (the db is the path: /2)");
    std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      KJIT_TRY_VOID(parse_userinfo(authority.substr(0, at), where, s));
      authority = authority.substr(at + 1);
    }
    std::string_view host = authority, port;
    if (authority.starts_with("[")) {
      std::size_t close = authority.find(']');
      if (close == std::string_view::npos) return bad(where, "unclosed '[' in the IPv6 host");
      host = authority.substr(1, close - 1);
      std::string_view after = authority.substr(close + 1);
      if (!after.empty()) {
        if (after[0] != ':') return bad(where, "expected ':port' after the IPv6 host");
        port = after.substr(1);
        if (port.empty()) return bad(where, "empty port after ':'");
      }
      if (!valid_ipv6(host)) return bad(where, str_cat("'", printable(host), "' is not an IPv6 address"));
    } else {
      std::size_t colon = authority.rfind(':');
      if (colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (port.empty()) return bad(where, "empty port after ':'");
      }
      if (host.empty()) return bad(where, "no host (redis://host:port)");
      if (!valid_hostname(host))
        return bad(where, str_cat("'", printable(host), "' is not a host name (letters, digits, '-', '.', '_'; or [IPv6])"));
    }
    s.host = std::string(host);
    if (!port.empty()) {
      auto p = parse_int(port, 65535);
      if (!p || *p == 0) return bad(where, str_cat("port '", printable(port), "' is not a number from 1 to 65535"));
      s.port = *p;
    }
    if (!path.empty()) {
      auto db = parse_int(path, k_max_db);
      if (!db) return bad(where, str_cat("db '", printable(path), "' is not a number from 0 to ", k_max_db));
      s.db = *db;
    }
    return s;
  }
  if (url.starts_with(unix_short)) {
    s.transport = RemoteServerSpec::Transport::unix_socket;
    std::string_view rest = url.substr(url.starts_with(unix_long) ? unix_long.size() : unix_short.size());
    if (url.starts_with(unix_long)) {
      // redis+unix://[userinfo@]/path: the authority must be empty but for credentials.
      std::size_t slash = rest.find('/');
      if (slash == std::string_view::npos) return bad(where, "no socket path (redis+unix:///path/to/redis.sock)");
      std::string_view authority = rest.substr(0, slash);
      if (!authority.empty()) {
        if (authority.back() != '@')
          return bad(where, "a unix socket URL has no host: write redis+unix:///path (three slashes)");
        KJIT_TRY_VOID(parse_userinfo(authority.substr(0, authority.size() - 1), where, s));
      }
      rest = rest.substr(slash);
    }
    std::string_view path = rest, query;
    if (std::size_t q = rest.find('?'); q != std::string_view::npos) {
      path = rest.substr(0, q);
      query = rest.substr(q + 1);
    }
    if (path.empty() || path[0] != '/') return bad(where, "the socket path must be absolute (redis+unix:///run/redis.sock)");
    if (path.size() > k_max_path)
      return bad(where, str_cat("the socket path is ", path.size(), " bytes; a unix socket path holds at most ", k_max_path));
    for (unsigned char c : path)
      if (c < 0x20 || c == 0x7f) return bad(where, "control characters in the socket path");
    s.socket_path = std::string(path);
    if (!query.empty()) {
      if (!query.starts_with("db=")) return bad(where, str_cat("unknown query '", printable(query), "' (only db=N)"));
      auto db = parse_int(query.substr(3), k_max_db);
      if (!db) return bad(where, str_cat("db '", printable(query.substr(3)), "' is not a number from 0 to ", k_max_db));
      s.db = *db;
    }
    return s;
  }
  std::size_t colon = url.find(':');
  if (colon != std::string_view::npos && colon < 32)
    return bad(where, str_cat("unsupported scheme '", printable(url.substr(0, colon)), "'; ", k_forms));
  return bad(where, str_cat("not a URL; ", k_forms));
}

Result<void> apply_attribute(std::string_view attr, const std::string& where, RemoteServerSpec& s,
                             std::vector<std::string>& seen) {
  std::size_t eq = attr.find('=');
  std::string name(attr.substr(0, eq));
  std::string value = eq == std::string_view::npos ? std::string() : std::string(attr.substr(eq + 1));
  const bool has_value = eq != std::string_view::npos;
  if (name.empty()) return bad(where, "empty attribute ('||' or a trailing '|')");
  for (const auto& n : seen)
    if (n == name) return bad(where, str_cat("attribute '", printable(name), "' given twice"));
  seen.push_back(name);
  auto duration = [&](milliseconds min, milliseconds max, bool zero_ok) -> Result<milliseconds> {
    if (!has_value || value.empty()) return bad(where, str_cat("'", name, "' needs a value, e.g. ", name, "=2s"));
    auto d = parse_duration(value);
    if (!d)
      return bad(where, str_cat("'", name, "=", printable(value),
                                "' is not a duration: use a whole number with a unit ms, s, m, h or d (e.g. 100ms, 2s, 30d)"));
    if (*d == milliseconds(0) && zero_ok) return *d;
    if (*d < min || *d > max)
      return bad(where, str_cat("'", name, "=", printable(value), "' is out of range (", min.count(), " ms to ",
                                max.count() / 1000, " s", zero_ok ? ", or 0" : "", ")"));
    return *d;
  };
  using namespace std::chrono;
  if (name == "read-only") {
    if (has_value && value != "true" && value != "false" && value != "1" && value != "0")
      return bad(where, str_cat("'read-only=", printable(value), "': use |read-only, or read-only=true/false"));
    s.read_only = !has_value || value == "true" || value == "1";
  } else if (name == "connect-timeout") {
    s.connect_timeout = KJIT_TRY(duration(milliseconds(1), seconds(60), false));
  } else if (name == "op-timeout") {
    s.op_timeout = KJIT_TRY(duration(milliseconds(1), minutes(10), false));
  } else if (name == "ttl") {
    milliseconds d = KJIT_TRY(duration(seconds(1), hours(24 * 3660), true));
    if (d.count() % 1000 != 0) return bad(where, "'ttl' is in whole seconds");
    s.ttl = duration_cast<seconds>(d);
  } else if (name == "lock-ttl") {
    s.lock_ttl = KJIT_TRY(duration(milliseconds(100), hours(1), false));
  } else if (name == "lock-wait") {
    s.lock_wait = KJIT_TRY(duration(milliseconds(1), hours(1), true));
  } else {
    return bad(where, str_cat("unknown attribute '", printable(name),
                              "'; known: read-only, connect-timeout, op-timeout, ttl, lock-ttl, lock-wait"));
  }
  return {};
}

std::string format_duration(milliseconds d) {
  const long long ms = d.count();
  if (ms == 0) return "0";
  if (ms % 86400000 == 0) return str_cat(ms / 86400000, "d");
  if (ms % 3600000 == 0) return str_cat(ms / 3600000, "h");
  if (ms % 60000 == 0) return str_cat(ms / 60000, "m");
  if (ms % 1000 == 0) return str_cat(ms / 1000, "s");
  return str_cat(ms, "ms");
}

}  // namespace

std::optional<milliseconds> parse_duration(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  long long v = std::stoll(text.substr(0, digits));
  const std::string unit = text.substr(digits);
  long long scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60000;
  else if (unit == "h") scale = 3600000;
  else if (unit == "d") scale = 86400000;
  else if (unit.empty() && v == 0) scale = 1;
  else return std::nullopt;
  if (v > (1ll << 52) / scale) return std::nullopt;
  return milliseconds(v * scale);
}

std::string RemoteServerSpec::display() const {
  std::string cred;
  if (!user.empty()) cred = user + ":***@";
  else if (!password.empty()) cred = ":***@";
  if (transport == Transport::unix_socket)
    return str_cat("redis+unix://", cred, socket_path, db != 0 ? str_cat("?db=", db) : std::string());
  const bool v6 = host.find(':') != std::string::npos;
  return str_cat("redis://", cred, v6 ? "[" : "", host, v6 ? "]" : "", ":", port, db != 0 ? str_cat("/", db) : std::string());
}

std::string RemoteServerSpec::shard_id() const {
  if (transport == Transport::unix_socket) return str_cat("unix:", socket_path, "/", db);
  return str_cat("tcp:", host, ":", port, "/", db);
}

Result<std::vector<RemoteServerSpec>> parse_remote_spec(const std::string& text) {
  if (text.size() > k_max_text)
    return fail(ErrorCode::invalid_argument,
                str_cat("remote cache setting is ", text.size(), " bytes; at most ", k_max_text, " are accepted"));
  std::vector<RemoteServerSpec> out;
  std::size_t i = 0;
  int index = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    std::size_t end = i;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    std::string_view item(text.data() + i, end - i);
    i = end;
    ++index;
    std::size_t bar = item.find('|');
    std::string_view url = item.substr(0, bar);
    for (unsigned char c : item)
      if (c < 0x20 || c >= 0x7f)
        return fail(ErrorCode::invalid_argument,
                    str_cat("remote cache URL ", index, ": control or non-ASCII bytes in '", printable(item), "'"));
    std::string where = str_cat("URL ", index);
    RemoteServerSpec s = KJIT_TRY(parse_url(url, where));
    where = str_cat("URL ", index, " (", s.display(), ")");
    std::vector<std::string> seen;
    while (bar != std::string_view::npos) {
      std::size_t next = item.find('|', bar + 1);
      KJIT_TRY_VOID(apply_attribute(item.substr(bar + 1, next == std::string_view::npos ? std::string_view::npos : next - bar - 1),
                                    where, s, seen));
      bar = next;
    }
    for (const auto& other : out)
      if (other.shard_id() == s.shard_id())
        return bad(where, "the same server and db is listed twice");
    out.push_back(std::move(s));
    if (out.size() > k_max_servers)
      return fail(ErrorCode::invalid_argument, str_cat("remote cache setting lists more than ", k_max_servers, " URLs"));
  }
  return out;
}

std::string describe_remote_spec(const std::vector<RemoteServerSpec>& servers) {
  std::string out;
  for (const auto& s : servers) {
    if (!out.empty()) out += ' ';
    out += s.display();
    if (s.read_only) out += "|read-only";
    out += str_cat("|connect-timeout=", format_duration(s.connect_timeout), "|op-timeout=", format_duration(s.op_timeout),
                   "|ttl=", format_duration(std::chrono::duration_cast<milliseconds>(s.ttl)),
                   "|lock-ttl=", format_duration(s.lock_ttl), "|lock-wait=", format_duration(s.lock_wait));
  }
  return out;
}

}  // namespace kjit::cache::remote
