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

// Limits on `Env::read_file`: cache files are hostile input (a blob path may
// have been replaced by a symbolic link to /dev/zero, or by a FIFO).
struct ReadLimits {
  // Refuse a symbolic link at `path` itself (O_NOFOLLOW): blobs are never links.
  bool no_follow = false;
  // Read at most this many bytes; a longer file is `corruption` ("larger than
  // expected"), so a file that grows while read cannot exhaust memory.
  std::uint64_t max_bytes = UINT64_MAX;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX Env (never null, never destroyed).
  static Env* posix();

  // Creates `path` exclusively (fails if it exists), mode 0644.
  virtual Result<std::unique_ptr<WritableFile>> new_writable_file(const std::filesystem::path& path) = 0;
  // The whole file; not_found when missing. Only a regular file is read:
  // a FIFO, device, socket or folder is `io_error` naming what it is, found
  // without blocking (the open is non-blocking); at most `limits.max_bytes`
  // are read (and never more than the size fstat reports, + 1 to see growth).
  virtual Result<std::vector<std::uint8_t>> read_file(const std::filesystem::path& path,
                                                      const ReadLimits& limits = {}) = 0;
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
  // Whether this process may write `path` (access(2) W_OK: false on a
  // read-only mount even for root, and without write permission).
  virtual bool is_writable(const std::filesystem::path& path);
};

// Convenience: the whole `data` into a new file at `path` (no fsync).
Result<void> write_new_file(Env& env, const std::filesystem::path& path, std::span<const std::uint8_t> data);

}  // namespace kjit::cache
