// The remote cache setting (KJIT_REMOTE_CACHE / --remote-cache), ccache
// style: one or more whitespace-separated URLs, each followed by optional
// `|attribute[=value]` items that apply to that URL.
//
//   redis://[[user]:password@]host[:port][/db]     TCP (port 6379, db 0 by default;
//                                                   host may be [ipv6])
//   redis+unix:///path/to/redis.sock[?db=N]        unix socket (also redis+unix:/path,
//                                                   redis+unix://[[user]:password@]/path)
//
//   |read-only             get from it, never write (no values, no locks, no deletes)
//   |connect-timeout=DUR   default 100ms (1ms..60s)
//   |op-timeout=DUR        default 2s (1ms..10m): one command's round trip
//   |ttl=DUR               default 30d (0 = no expiry; 1s..10y): values expire
//   |lock-ttl=DUR          default 10s (100ms..1h): a compile lock's lease,
//                          renewed by its live holder, so only a dead one expires
//   |lock-wait=DUR         default 60s (0..1h): how long a machine waits for
//                          another's compile before compiling itself
//   DUR = integer with a unit: ms, s, m, h, d (e.g. 100ms, 2s, 30d)
//
// User name and password may be percent-encoded. Several URLs shard the keys
// by rendezvous hashing (redis_tier.h). Everything is validated: an error
// names the URL (password hidden), the part that is wrong and what is
// accepted.
//
// Thread safety: pure functions over values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jit/util/error.h"

namespace kjit::cache::remote {

struct RemoteServerSpec {
  enum class Transport { tcp, unix_socket };
  Transport transport = Transport::tcp;
  std::string host;         // tcp (without brackets for IPv6)
  int port = 6379;          // tcp
  std::string socket_path;  // unix_socket (absolute)
  int db = 0;
  std::string user, password;  // empty: no AUTH (password only: AUTH password)
  bool read_only = false;
  std::chrono::milliseconds connect_timeout{100};
  std::chrono::milliseconds op_timeout{2000};
  std::chrono::seconds ttl{30 * 24 * 3600};  // 0: no expiry
  std::chrono::milliseconds lock_ttl{10000};
  std::chrono::milliseconds lock_wait{60000};

  // The URL without the password ("redis://user:***@host:6379/2"), for
  // messages, `kjit config` and `kjit cache remote ...`.
  std::string display() const;
  // The server's identity for sharding: transport, address and db (no
  // credentials, no attributes), so reordering URLs or changing a timeout
  // does not move keys.
  std::string shard_id() const;
};

// Parses the whole setting. An empty (or all-blank) text is an empty list.
Result<std::vector<RemoteServerSpec>> parse_remote_spec(const std::string& text);

// The setting as `kjit config` shows it: each URL's display() and its
// effective attributes.
std::string describe_remote_spec(const std::vector<RemoteServerSpec>& servers);

// "100ms", "2s", "30d" -> milliseconds; empty on error.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

}  // namespace kjit::cache::remote
