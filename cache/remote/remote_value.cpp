// Remote value format; see remote_value.h.
#include "cache/remote/remote_value.h"

#include <cstring>

#include "cache/entry_codec.h"
#include "jit/util/hash.h"
#include "jit/util/str_cat.h"

namespace kjit::cache::remote {

std::string encode_value(const Entry& entry) {
  std::vector<std::uint8_t> payload = encode_entry(entry);
  auto digest = xxh3_128_bytes(payload);
  std::string out;
  out.reserve(k_value_magic.size() + payload.size() + digest.size());
  out.append(k_value_magic);
  out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return out;
}

Result<Entry> decode_value(std::string_view value, const std::string& key) {
  if (value.size() < k_value_magic.size() + 16 || !value.starts_with(k_value_magic))
    return fail(ErrorCode::corruption, "not a kjit remote value (bad magic or too short)");
  std::span<const std::uint8_t> all(reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
  auto payload = all.subspan(k_value_magic.size(), all.size() - k_value_magic.size() - 16);
  auto want = xxh3_128_bytes(payload);
  if (std::memcmp(want.data(), all.data() + all.size() - 16, 16) != 0)
    return fail(ErrorCode::corruption, "value fails its checksum");
  auto e = decode_entry(payload);
  if (!e) return fail(ErrorCode::corruption, str_cat("value ", e.error().message));
  if (e->key != key) return fail(ErrorCode::corruption, str_cat("value holds the entry of another key (", e->key, ")"));
  return std::move(*e);
}

std::string value_fingerprint(std::string_view value) {
  return std::string(value.size() <= 16 ? value : value.substr(value.size() - 16));
}

std::string value_metadata(std::string_view head, std::size_t* meta_end) {
  *meta_end = 0;
  const std::size_t start = k_value_magic.size() + 4;
  if (head.size() < start || !head.starts_with(k_value_magic)) return {};
  std::uint32_t len = 0;
  for (int i = 0; i < 4; ++i) len |= static_cast<std::uint32_t>(static_cast<unsigned char>(head[k_value_magic.size() + i])) << (8 * i);
  *meta_end = start + len;
  if (head.size() < start + len) return {};
  return std::string(head.substr(start, len));
}

}  // namespace kjit::cache::remote
