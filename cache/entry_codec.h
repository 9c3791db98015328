// Entry codec: one cache entry as bytes, the `payload` of a bundle entry
// (bundle.cpp) and of a remote tier's value (cache/remote/remote_value.h).
// The grammar is at the top of entry_codec.cpp. Decoding checks lengths, the
// metadata's shape and the blob hashes it names, never the binding of content
// to key (that is the verifier's job: jit/api/entry_verify.h).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cache/entry.h"
#include "jit/util/error.h"

namespace kjit::cache {

// The payload bytes of `entry` (metadata JSON, cubin, source).
std::vector<std::uint8_t> encode_entry(const Entry& entry);

// The entry in `payload`. `corruption` whose message says what is wrong as
// the rest of a sentence ("has bad lengths", "(KEY) has a blob that does not
// match its hash", "has bad metadata: ...", "has an invalid key '...'"):
// callers put where the bytes came from in front ("entry 3 ", "value ").
Result<Entry> decode_entry(std::span<const std::uint8_t> payload);

// Little-endian helpers shared by the bundle and remote value formats.
template <class T>
void put_le(std::vector<std::uint8_t>& out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// A bounds-checked little-endian reader over a byte span.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> b) : m_b(b) {}
  bool take(std::size_t n, std::span<const std::uint8_t>& out) {
    if (m_b.size() - m_pos < n) return false;
    out = m_b.subspan(m_pos, n);
    m_pos += n;
    return true;
  }
  template <class T>
  bool le(T& v) {
    std::span<const std::uint8_t> s;
    if (!take(sizeof(T), s)) return false;
    v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(s[i]) << (8 * i);
    return true;
  }
  std::size_t pos() const { return m_pos; }
  bool done() const { return m_pos == m_b.size(); }

 private:
  std::span<const std::uint8_t> m_b;
  std::size_t m_pos = 0;
};

}  // namespace kjit::cache
