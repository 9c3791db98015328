// Shard parsing and assignment; see shard.h.
#include "tools/cli/shard.h"

#include <charconv>

namespace kjit::tools {

Result<Shard> parse_shard(const std::string& text) {
  auto slash = text.find('/');
  Shard s;
  auto bad = [&] {
    return fail(ErrorCode::invalid_argument, "--shard '" + text + "': expected I/N with 0 <= I < N, e.g. --shard 0/4");
  };
  if (slash == std::string::npos) return bad();
  const char* b = text.data();
  auto r1 = std::from_chars(b, b + slash, s.index);
  auto r2 = std::from_chars(b + slash + 1, b + text.size(), s.count);
  if (r1.ec != std::errc{} || r1.ptr != b + slash || r2.ec != std::errc{} || r2.ptr != b + text.size()) return bad();
  if (s.count == 0 || s.index >= s.count) return bad();
  return s;
}

std::uint64_t shard_of(const std::string& key_hex, std::uint64_t count) {
  if (count <= 1) return 0;
  std::uint64_t v = 0;
  std::string_view head = std::string_view(key_hex).substr(0, 16);
  auto r = std::from_chars(head.data(), head.data() + head.size(), v, 16);
  if (head.empty() || r.ec != std::errc{} || r.ptr != head.data() + head.size()) {
    v = 1469598103934665603ull;
    for (unsigned char c : key_hex) v = (v ^ c) * 1099511628211ull;
  }
  return v % count;
}

}  // namespace kjit::tools
