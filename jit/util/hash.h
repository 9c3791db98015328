// Content hashes (cache blobs, keys, bundles): XXH3-128 as 32 lowercase hex characters (the
// canonical big-endian byte order, so the text is stable across machines).
//
// Thread safety: free functions are pure; an `Xxh3Hasher` is a mutable value
// owned by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace kjit {

// XXH3-128 of `data` as 32 lowercase hex characters.
std::string xxh3_128_hex(std::span<const std::uint8_t> data);
std::string xxh3_128_hex(std::string_view data);

// `bytes` as lowercase hex, two characters per byte.
std::string to_hex(std::span<const std::uint8_t> bytes);

// True when `text` is exactly 32 lowercase hex characters (a blob name).
bool is_hash_hex(std::string_view text);

// Streaming XXH3-128 (bundles are hashed as they are written; cache keys are
// hashed field by field). Neither copyable nor movable: it owns its XXH3
// state through a unique_ptr and declares its destructor.
class Xxh3Hasher {
 public:
  Xxh3Hasher();
  ~Xxh3Hasher();

  void update(std::span<const std::uint8_t> data);
  void update(std::string_view data);
  // The 16 canonical (big-endian) digest bytes of everything so far.
  std::array<std::uint8_t, 16> digest() const;
  // The digest as 32 lowercase hex characters.
  std::string hex() const;

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

// The 16 canonical digest bytes of `data`.
std::array<std::uint8_t, 16> xxh3_128_bytes(std::span<const std::uint8_t> data);

}  // namespace kjit
