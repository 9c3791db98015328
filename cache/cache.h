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
// Statistics (hit counts, last-use times, the hits and misses counters) are
// best-effort (issue #19.3): a lookup only notes them in memory; they are
// written in one transaction at most once a second, by stats()/list()/
// eviction, and when the Cache is destroyed. A failed write (full disk,
// read-only file) drops them with one warning per Cache on stderr; a hit is
// never refused because its statistics could not be written.
//
// Read-only caches (a pre-warmed cache in an image layer, an NFS export, a
// shared /opt folder): `CacheOptions::read_only`, or detected when the folder
// or its index is not writable. The index is opened read-only (index.h);
// hits are served; nothing is written — no statistics, no locks, no
// quarantine; `get_or_compile` compiles a miss and returns it without storing
// it (the caller keeps it in memory: Jit's per-process map); insert, import,
// gc, clear and eviction fail with `io_error` saying the cache is read-only.
//
// Binding content to keys (issue #19.2): bundle import and verify() run
// `CacheOptions::verifier` on every entry (jit::verify_entry recomputes the
// key from the entry's stored key inputs, source and plan, and checks the
// cubin's ELF header and the plan); without one, a structural check (the
// plan, lowered names, resources and key inputs parse as JSON).
//
// Remote tier (issue #25; remote_tier.h, cache_remote.cpp): with
// `CacheOptions::remote`, a local miss asks the remote; a remote value is
// verified (the verifier above; a damaged or foreign one is dropped, deleted
// remotely when writable, and counted), published locally by the normal write
// protocol and served (Outcome::remote_hit). On a remote miss, the local key
// lock is taken, then the key's remote lock (cross-machine single flight: a
// holder's peers poll for its value, bounded by RemoteLockPolicy::wait, then
// compile on their own); the compile is stored locally, then written remotely
// (first writer wins). Remote failures are counted (remote_errors) and never
// fail a get.
//
// Errors: an unusable cache directory (cannot be created, or not writable)
// makes `open()` fail with `io_error` naming the path and saying to set
// KJIT_CACHE_DIR (--cache-dir) to a writable directory; kjit does not fall
// back to running uncached silently. A newer index schema is refused the same
// way (see index.h); a damaged index or WAL says so (sqlite.h).
//
// Thread safety: every method may be called from any thread; index access is
// serialized by one mutex, blob reads and hashing run outside it. Any number
// of processes may open the same directory (local disk only, not NFS).
#pragma once

#include <cstdint>
#include <filesystem>
#include <array>
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
#include "cache/remote_tier.h"

namespace kjit::cache {

class Index;
struct KernelRow;

// Checks that an entry's content belongs to its key; an error says why not.
using EntryVerifier = std::function<Result<void>(const Entry&)>;

struct CacheOptions {
  std::filesystem::path dir;              // the cache root; created if missing
  std::uint64_t max_size = 2ull << 30;    // Default: 2 GiB (Config::cache_max_size, KJIT_CACHE_MAX_SIZE)
  Env* env = nullptr;                     // Default: Env::posix(); must outlive the Cache
  bool read_only = false;                 // Default: false, but detected (see above). KJIT_CACHE_READONLY, --read-only
  EntryVerifier verifier = {};            // Default: the structural check (see above)
  std::shared_ptr<RemoteTier> remote = {};  // Default: none (KJIT_REMOTE_CACHE, --remote-cache)
};

// Bundle signing (HMAC-SHA256, format in bundle.cpp).
struct BundleSigning {
  std::vector<std::uint8_t> key;  // empty: export unsigned; import does not check signatures
  bool require = false;           // import: refuse a bundle without a valid signature (needs `key`)
};

// The structural check used when CacheOptions::verifier is empty.
Result<void> check_entry_structure(const Entry& entry);

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
  // Writes every entry to one file (format: bundle.h), atomically; signed
  // when `signing.key` is set.
  Result<BundleReport> export_bundle(const std::filesystem::path& file, const BundleSigning& signing = {});
  // Verifies the whole bundle first — checksums, the signature (when
  // `signing.key` is set: required then), and every entry through the
  // verifier — and refuses it whole, naming the entry, on any failure
  // (nothing written); then inserts the entries not already present.
  Result<BundleReport> import_bundle(const std::filesystem::path& file, const BundleSigning& signing = {});

  // Direct-mode manifests (jit/api/direct.h): the row for `direct_key`, if
  // any; storing one is best-effort (false when it could not be written, e.g.
  // read-only or full disk; never an error).
  Result<std::optional<DirectRow>> find_direct(const std::string& direct_key);
  bool put_direct(const DirectRow& row);

  // Warm-up with a remote tier: writes the local entry of `key` to the
  // remote unless it holds one already (first writer wins). True when
  // written; false without a remote, a local entry, or when the remote had
  // it; a remote failure is counted, not returned.
  Result<bool> share(const std::string& key);

  // Writes the noted statistics now (best-effort, see above).
  void flush_stats();

  const CachePaths& paths() const { return m_paths; }
  std::uint64_t max_size() const { return m_max_size; }
  bool read_only() const { return m_read_only; }
  // The remote tier, or null.
  RemoteTier* remote() const { return m_remote.get(); }

 private:
  enum class CountMiss { no, yes };
  Cache(Env& env, const CacheOptions& options, std::unique_ptr<Index> index);
  Result<std::optional<Entry>> lookup_impl(const std::string& key, CountMiss count_miss);
  Result<void> insert_impl(const Entry& entry, Durability durability = Durability::durable);
  Result<void> drop_bad_entry(const KernelRow& row, CountMiss count_miss);
  Result<void> verify_one(const Entry& entry) const;
  Result<void> require_writable(std::string_view what) const;
  void note_hit(const std::string& key);
  void note_counter(Counter counter, std::int64_t n = 1);
  // Remote tier steps (cache_remote.cpp); none fails: a remote failure is
  // counted and the caller goes on locally.
  std::optional<Entry> remote_fetch(const std::string& key, CountMiss count_miss);
  std::optional<Entry> remote_single_flight(const std::string& key, std::unique_ptr<RemoteLease>* lease);
  // True when written (counted in remote_puts).
  bool remote_put(const Entry& entry);
  // REQUIRES: m_db_mutex held.
  void flush_stats_locked();
  void maybe_flush_stats();
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
  bool m_read_only = false;
  EntryVerifier m_verifier;
  std::shared_ptr<RemoteTier> m_remote;

  // Statistics noted by lookups, written by flush_stats (best-effort).
  struct PendingHit {
    std::uint64_t hits = 0;
    std::int64_t last_used_ms = 0;
  };
  std::mutex m_stats_mutex;  // guards the four below
  std::map<std::string, PendingHit> m_pending_hits;
  std::array<std::int64_t, k_counter_count> m_pending_counters{};
  std::int64_t m_pending_since_ms = 0;  // 0: nothing pending
  bool m_stats_warned = false;
};

}  // namespace kjit::cache
