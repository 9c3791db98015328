// Cache bundles: every entry of a cache in one file, for shipping warm
// caches to a fleet (`kjit cache export/import`). The grammar is at the top
// of bundle.cpp. Reading verifies every checksum before returning anything,
// so a damaged bundle is refused whole.
//
// Thread safety: free functions over values; a BundleWriter is used by one
// thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "cache/atomic_file.h"
#include "cache/entry.h"
#include "jit/util/hash.h"

namespace kjit::cache {

inline constexpr std::uint32_t k_bundle_version = 1;

// Streams entries into `file` (an AtomicFile: nothing appears at the path
// until `finish()` succeeds).
class BundleWriter {
 public:
  static Result<BundleWriter> create(Env& env, const std::filesystem::path& file);
  Result<void> add(const Entry& entry);
  // Writes the trailer and commits; returns the file's size.
  Result<std::uint64_t> finish();

 private:
  explicit BundleWriter(AtomicFile file) : m_file(std::move(file)) {}
  Result<void> write(std::span<const std::uint8_t> bytes);
  AtomicFile m_file;
  std::unique_ptr<Xxh3Hasher> m_whole = std::make_unique<Xxh3Hasher>();
  std::uint64_t m_count = 0, m_size = 0;
};

// Parses and fully verifies a bundle held in memory. `corruption` for any
// checksum, length or grammar violation (the message says which entry).
Result<std::vector<Entry>> parse_bundle(std::span<const std::uint8_t> bytes, const std::string& name);

}  // namespace kjit::cache
