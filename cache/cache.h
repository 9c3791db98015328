// Cache: kjit's content-addressed, SQLite-indexed, crash-safe, multi-process
// kernel cache (design.md, "Cache layout").
//
// Layout: see paths.h. Write protocol: blobs first (AtomicFile: temp, fsync,
// rename, fsync folder), the index row last in one transaction; a crash at
// any point leaves either no visible entry (orphan blobs for `gc`) or a whole
// one. Read: row → blobs → XXH3 verify; a mismatch quarantines the blob,
// removes the row, counts `corrupt_detected` and reports a miss, so a corrupt
// binary is never returned.
//
// Concurrency: `get_or_compile` compiles each key once however many threads
// (in-process single flight) and processes (flock on locks/<key>.lock) ask at
// once; the index is re-checked after taking the lock. A process killed while
// compiling leaves no row and its flock dies with it.
//
// Eviction: after each insert, when the entries' bytes exceed `max_size`,
// least recently used entries go first; entries pinned by this process
// (`pin()`), being compiled here, or whose key lock any process holds are
// never evicted (so the cap can be exceeded while they stay in use; so can
// it by an entry that alone is larger than the cap, which is kept).
//
// Errors: an unusable cache directory (cannot be created, or not writable)
// makes `open()` fail with `io_error` naming the path and saying to set
// KJIT_CACHE_DIR (--cache-dir) to a writable directory; kjit does not fall
// back to running uncached silently. A newer index schema is refused the same
// way (see index.h).
//
// Thread safety: every method may be called from any thread; index access is
// serialized by one mutex, blob reads and hashing run outside it. Any number
// of processes may open the same directory (local disk only, not NFS).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cache/blob_store.h"
#include "cache/entry.h"
#include "cache/env.h"
#include "cache/key_lock.h"
#include "cache/paths.h"

namespace kjit::cache {

class Index;
struct KernelRow;

struct CacheOptions {
  std::filesystem::path dir;              // the cache root; created if missing
  std::uint64_t max_size = 2ull << 30;    // Default: 2 GiB (Config::cache_max_size, KJIT_CACHE_MAX_SIZE)
  Env* env = nullptr;                     // Default: Env::posix(); must outlive the Cache
};

class Cache {
 public:
  // Opens (creating when missing) the cache at `options.dir`. Cheap when the
  // index exists: no scans.
  static Result<std::unique_ptr<Cache>> open(const CacheOptions& options);
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // The verified entry for `key`, or nullopt (a miss; counted). A hit bumps
  // hits/last_used. Corrupt or vanished blobs → quarantine, corrupt_detected,
  // nullopt.
  Result<std::optional<Entry>> lookup(const std::string& key);
  // Stores `entry` (replacing a row with the same key), then evicts down to
  // max_size. REQUIRES: is_valid_key(entry.key).
  Result<void> insert(const Entry& entry);
  // The front door: lookup; on a miss take the key's lock, re-check, call
  // `compile`, insert. A `compile_error` from `compile` is remembered and
  // returned (same code, message + hint, log in details) without compiling
  // again until `force` is yes (or the key changes). Force::yes compiles even
  // when an entry or a remembered failure exists.
  // `label` names the definition and arch in a remembered failure's row.
  struct FailureLabel {
    std::string definition, arch;
  };
  Result<GetResult> get_or_compile(const std::string& key, const std::function<Result<Entry>()>& compile,
                                   Force force = Force::no, const FailureLabel& label = {});

  // Keeps `key` from being evicted while the Pin lives (counts nest).
  class Pin {
   public:
    Pin(Pin&& o) noexcept : m_cache(o.m_cache), m_key(std::move(o.m_key)) { o.m_cache = nullptr; }
    Pin& operator=(Pin&&) = delete;
    ~Pin();

   private:
    friend class Cache;
    Pin(Cache* cache, std::string key) : m_cache(cache), m_key(std::move(key)) {}
    Cache* m_cache;
    std::string m_key;
  };
  Pin pin(const std::string& key);

  Result<Stats> stats();
  Result<std::vector<EntryInfo>> list(const ListFilter& filter = {});
  // Orphan blobs, AtomicFile temps older than an hour, rows whose blobs
  // vanished, idle lock files, quarantined blobs older than a week.
  Result<GcReport> gc();
  // Re-hashes every blob; corrupt ones go to quarantine/ with their rows.
  Result<VerifyReport> verify();
  // Removes every entry, blob, remembered failure and quarantined blob, and
  // zeroes the counters.
  Result<void> clear();
  // LRU eviction until the entries' bytes are at most `max_bytes`.
  Result<EvictReport> evict_to(std::uint64_t max_bytes);
  // Writes every entry to one file (format: bundle.h), atomically.
  Result<BundleReport> export_bundle(const std::filesystem::path& file);
  // Verifies the whole bundle first (a corrupt one is refused whole, nothing
  // written), then inserts the entries not already present.
  Result<BundleReport> import_bundle(const std::filesystem::path& file);

  const CachePaths& paths() const { return m_paths; }
  std::uint64_t max_size() const { return m_max_size; }

 private:
  enum class CountMiss { no, yes };
  Cache(Env& env, const CacheOptions& options, std::unique_ptr<Index> index);
  Result<std::optional<Entry>> lookup_impl(const std::string& key, CountMiss count_miss);
  Result<void> insert_impl(const Entry& entry);
  Result<void> drop_bad_entry(const KernelRow& row, CountMiss count_miss);
  // Removes `key`'s row when its blobs are still `row`'s, then the blobs no
  // other row uses. REQUIRES: m_db_mutex held, inside a Transaction.
  Result<bool> remove_entry_locked(const KernelRow& row);
  bool pinned(const std::string& key) const;

  Env* m_env;
  CachePaths m_paths;
  std::uint64_t m_max_size;
  BlobStore m_blobs;
  KeyLocks m_locks;
  std::mutex m_db_mutex;  // guards m_index
  std::unique_ptr<Index> m_index;
  mutable std::mutex m_pin_mutex;
  std::map<std::string, int> m_pins;  // guarded by m_pin_mutex
};

}  // namespace kjit::cache
