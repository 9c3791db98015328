// Cache bundles: every entry of a cache in one file, for shipping warm
// caches to a fleet (`kjit cache export/import`). The grammar is at the top
// of bundle.cpp. Reading verifies every checksum (and the HMAC-SHA256
// signature, when a key is given) before returning anything, so a damaged or
// foreign bundle is refused whole. Checksums only prove the file is intact;
// that each entry's content belongs to its key is the importer's check
// (Cache::import_bundle runs its verifier on every entry).
//
// Thread safety: free functions over values; a BundleWriter is used by one
// thread.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "cache/atomic_file.h"
#include "cache/entry.h"
#include "jit/util/hash.h"

namespace kjit::cache {

// 2: entries carry their key inputs; optional signature.
inline constexpr std::uint32_t k_bundle_version = 2;
inline constexpr std::size_t k_bundle_mac_bytes = 32;  // HMAC-SHA256

// Streams entries into `file` (an AtomicFile: nothing appears at the path
// until `finish()` succeeds).
class BundleWriter {
 public:
  // Signs the bundle with HMAC-SHA256 under `sign_key` when it is not empty.
  static Result<BundleWriter> create(Env& env, const std::filesystem::path& file,
                                     std::span<const std::uint8_t> sign_key = {});
  BundleWriter(BundleWriter&&) noexcept;
  ~BundleWriter();
  Result<void> add(const Entry& entry);
  // Writes the trailer and commits; returns the file's size.
  Result<std::uint64_t> finish();

 private:
  struct Mac;
  explicit BundleWriter(AtomicFile file);
  Result<void> write(std::span<const std::uint8_t> bytes);
  AtomicFile m_file;
  std::unique_ptr<Xxh3Hasher> m_whole = std::make_unique<Xxh3Hasher>();
  std::unique_ptr<Mac> m_mac;  // null: unsigned
  std::uint64_t m_count = 0, m_size = 0;
};

struct ParsedBundle {
  std::vector<Entry> entries;
  bool is_signed = false;     // carries a signature
  bool signature_checked = false;  // ... and it matched the key given
};

// Parses and fully verifies a bundle held in memory. `corruption` for any
// checksum, length or grammar violation (the message says which entry).
// With a non-empty `key`, the bundle must be signed with it (`invalid_argument`
// when unsigned or signed with another key); without one a signature is
// parsed but not checked.
Result<ParsedBundle> parse_bundle(std::span<const std::uint8_t> bytes, const std::string& name,
                                  std::span<const std::uint8_t> key = {});

// HMAC-SHA256 of `data` under `key` (OpenSSL).
std::array<std::uint8_t, k_bundle_mac_bytes> hmac_sha256(std::span<const std::uint8_t> key,
                                                         std::span<const std::uint8_t> data);

}  // namespace kjit::cache
