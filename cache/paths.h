// CachePaths: the one place that builds cache file names (LevelDB's
// filename.h). Layout under the cache root (design.md, "Cache layout"):
//
//   index.sqlite                 the SQLite index (WAL: -wal and -shm beside it)
//   objects/ab/<xxh3-128 hex>    immutable content-addressed blobs (ab = first 2 hex chars)
//   locks/<key>.lock             one advisory flock per cache key
//   quarantine/<hash>.<ms>       blobs that failed verification, kept for inspection
//   <target>.tmp.<pid>.<n>       AtomicFile temp files, always beside their target
//
// Thread safety: immutable value; `temp_beside` uses an atomic counter.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace kjit::cache {

class CachePaths {
 public:
  explicit CachePaths(std::filesystem::path root) : m_root(std::move(root)) {}

  const std::filesystem::path& root() const { return m_root; }
  std::filesystem::path index() const { return m_root / "index.sqlite"; }
  std::filesystem::path objects_dir() const { return m_root / "objects"; }
  // REQUIRES: `hash` is 32 lowercase hex characters.
  std::filesystem::path object_shard(std::string_view hash) const { return objects_dir() / std::string(hash.substr(0, 2)); }
  std::filesystem::path object(std::string_view hash) const { return object_shard(hash) / std::string(hash); }
  std::filesystem::path locks_dir() const { return m_root / "locks"; }
  // REQUIRES: `key` passed `is_valid_key`.
  std::filesystem::path lock(std::string_view key) const { return locks_dir() / (std::string(key) + ".lock"); }
  std::filesystem::path quarantine_dir() const { return m_root / "quarantine"; }
  std::filesystem::path quarantined(std::string_view hash, std::int64_t stamp_ms) const;

  // A fresh temp name beside `target` (same folder, so rename is atomic):
  // `<target>.tmp.<pid>.<n>`.
  static std::filesystem::path temp_beside(const std::filesystem::path& target);
  // True for names made by `temp_beside`.
  static bool is_temp_name(std::string_view file_name);

 private:
  std::filesystem::path m_root;
};

// Keys are opaque to the cache, but become file names: 1..128 characters of
// [0-9A-Za-z_-]. (kjit's keys are 32 lowercase hex characters.)
bool is_valid_key(std::string_view key);

}  // namespace kjit::cache
