// BlobStore: immutable content-addressed blobs under objects/ab/<xxh3-128>.
// A blob's name is the hash of its bytes, so every read is verified by
// re-hashing; a mismatch is `corruption` and the caller quarantines it. A
// blob path that is a link, a FIFO, a device or larger than the row says is
// `corruption` too, found without blocking or reading past the expected size
// (issue #19.7; Env::read_file with ReadLimits).
//
// Write protocol: AtomicFile (temp beside the target, fsync, rename, fsync
// folder). Writing a blob that already exists is a no-op when the existing
// file verifies, and replaces it when it does not.
//
// Thread safety: safe from many threads and processes; renames are atomic and
// blobs never change once named.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cache/atomic_file.h"
#include "cache/env.h"
#include "cache/paths.h"

namespace kjit::cache {

struct BlobRef {
  std::string hash;  // 32 lowercase hex
  std::uint64_t size = 0;
};

struct BlobFile {
  std::string hash;
  std::uint64_t size = 0;
  std::int64_t mtime_s = 0;
};

class BlobStore {
 public:
  BlobStore(Env& env, const CachePaths& paths) : m_env(&env), m_paths(&paths) {}

  // Stores `data` (durably unless Durability::cached: atomic_file.h) and
  // returns its address.
  Result<BlobRef> put(std::span<const std::uint8_t> data, Durability durability = Durability::durable);
  // The verified bytes: not_found when missing, corruption when the bytes do
  // not hash to `hash` (or the size differs from `expected_size`).
  Result<std::vector<std::uint8_t>> get(const std::string& hash, std::uint64_t expected_size) const;
  bool exists(const std::string& hash) const;
  // Moves the blob to quarantine/ (not_found when already gone).
  Result<void> quarantine(const std::string& hash);
  Result<void> remove(const std::string& hash);
  // Every named blob (temp files excluded).
  Result<std::vector<BlobFile>> list() const;
  // Temp files (AtomicFile leftovers) under objects/, as full paths + mtimes.
  Result<std::vector<std::pair<std::filesystem::path, std::int64_t>>> list_temps() const;

 private:
  Env* m_env;
  const CachePaths* m_paths;
};

}  // namespace kjit::cache
