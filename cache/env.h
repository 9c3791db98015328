// Env: the filesystem as the cache sees it (LevelDB style), so tests can swap
// in a fault-injecting implementation (tests/fakes/fault_env.h) that fails or
// "crashes" at the Nth write, fsync or rename, or at a named checkpoint.
//
// Every cache file operation goes through an Env except SQLite's own I/O on
// index.sqlite (SQLite has its own crash-safety story: WAL + transactions).
//
// Thread safety: implementations must be safe to call from many threads at
// once; `Env::posix()` is stateless apart from the OS.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jit/util/error.h"

namespace kjit::cache {

// A file opened for writing from scratch. REQUIRES: one thread at a time.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Result<void> append(std::span<const std::uint8_t> data) = 0;
  // fsync: the bytes are on stable storage when this returns.
  virtual Result<void> sync() = 0;
  virtual Result<void> close() = 0;
};

// An exclusive advisory lock (flock) on a file; released by the destructor or
// when the process dies, however it dies.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

struct FileInfo {
  std::string name;             // file name only, no folder
  bool is_dir = false;
  std::uint64_t size = 0;
  std::int64_t mtime_s = 0;     // seconds since the epoch
};

enum class Wait { no, yes };

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX Env (never null, never destroyed).
  static Env* posix();

  // Creates `path` exclusively (fails if it exists), mode 0644.
  virtual Result<std::unique_ptr<WritableFile>> new_writable_file(const std::filesystem::path& path) = 0;
  // The whole file; not_found when missing.
  virtual Result<std::vector<std::uint8_t>> read_file(const std::filesystem::path& path) = 0;
  // Atomically replaces `to` with `from` (rename(2)).
  virtual Result<void> rename_file(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  // not_found when missing.
  virtual Result<void> remove_file(const std::filesystem::path& path) = 0;
  // mkdir -p; an error names the path and the reason.
  virtual Result<void> create_dirs(const std::filesystem::path& path) = 0;
  // not_found when missing.
  virtual Result<FileInfo> stat(const std::filesystem::path& path) = 0;
  // Entries of a folder (not "." or ".."); not_found when missing.
  virtual Result<std::vector<FileInfo>> list_dir(const std::filesystem::path& path) = 0;
  // fsync on a folder, so a rename inside it is durable.
  virtual Result<void> sync_dir(const std::filesystem::path& path) = 0;
  // Takes an exclusive flock on `path` (created if missing). With Wait::no
  // returns nullptr when another holder has it. A lock file that is unlinked
  // and recreated while we wait is detected and retried, so `gc` may remove
  // idle lock files safely.
  virtual Result<std::unique_ptr<FileLock>> lock_file(const std::filesystem::path& path, Wait wait) = 0;
  // A named point in a multi-step protocol (e.g. "insert.blobs_written").
  // Real Envs do nothing; fault-injecting ones fail or crash here.
  virtual Result<void> checkpoint(std::string_view /*name*/) { return {}; }
  // Wall clock in milliseconds since the epoch.
  virtual std::int64_t now_ms();
};

// Convenience: the whole `data` into a new file at `path` (no fsync).
Result<void> write_new_file(Env& env, const std::filesystem::path& path, std::span<const std::uint8_t> data);

}  // namespace kjit::cache
