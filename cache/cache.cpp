// Cache facade, the hot half: open, lookup, insert, get_or_compile, pins,
// the best-effort statistics and direct-mode manifest rows.
// Maintenance (stats, list, gc, verify, clear, evict) is in
// cache_maintenance.cpp, bundles in cache_bundle.cpp.
//
// Thread safety: see cache.h.
#include "cache/cache.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "jit/util/str_cat.h"

#include "cache/index.h"

namespace kjit::cache {
namespace {

// Noted statistics are written at most this often by lookups (cache.h).
constexpr std::int64_t k_stats_flush_ms = 1000;

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::unexpected<Error> unusable_dir(const std::filesystem::path& dir, const Error& why) {
  return fail(ErrorCode::io_error,
              str_cat("cache directory '", dir.string(), "' is not usable: ", why.message, "; set KJIT_CACHE_DIR (or --cache-dir) to a writable directory on local disk"),
              why.details);
}

std::unexpected<Error> bad_key(const std::string& key) {
  return fail(ErrorCode::invalid_argument,
              str_cat("invalid cache key '", key, "': expected 1-128 characters of [0-9A-Za-z_-]"));
}

}  // namespace

Result<std::unique_ptr<Cache>> Cache::open(const CacheOptions& options) {
  if (options.dir.empty())
    return fail(ErrorCode::invalid_argument, "no cache directory given: set KJIT_CACHE_DIR or --cache-dir");
  Env& env = options.env ? *options.env : *Env::posix();
  CachePaths paths(options.dir);
  // A cache that exists but cannot be written (a read-only mount, image
  // layer or permission) is served read-only instead of refused.
  bool read_only = options.read_only;
  if (!read_only && env.stat(paths.index()) &&
      (!env.is_writable(paths.root()) || !env.is_writable(paths.index())))
    read_only = true;
  if (read_only) {
    if (!env.stat(paths.index()))
      return fail(ErrorCode::io_error,
                  str_cat("read-only cache directory '", options.dir.string(), "' has no index (",
                          paths.index().filename().string(), "): point KJIT_CACHE_DIR (--cache-dir) at a warmed cache, "
                          "or drop KJIT_CACHE_READONLY / --read-only to create one"));
    auto index = Index::open(paths.index(), OpenMode::read_only);
    if (!index) return std::unexpected(index.error());
    auto cache = std::unique_ptr<Cache>(new Cache(env, options, std::move(*index)));
    cache->m_read_only = true;
    return cache;
  }
  for (const auto& dir : {paths.root(), paths.objects_dir(), paths.locks_dir()})
    if (auto r = env.create_dirs(dir); !r) return unusable_dir(options.dir, r.error());
  auto index = Index::open(paths.index());
  if (!index) {
    // A schema refusal or a damaged index already says what to do; anything
    // else is the folder.
    const std::string& m = index.error().message;
    if (m.find("schema version") != std::string::npos || m.find("damaged") != std::string::npos ||
        m.find("is full") != std::string::npos)
      return std::unexpected(index.error());
    return unusable_dir(options.dir, index.error());
  }
  return std::unique_ptr<Cache>(new Cache(env, options, std::move(*index)));
}

Cache::Cache(Env& env, const CacheOptions& options, std::unique_ptr<Index> index)
    : m_env(&env),
      m_paths(options.dir),
      m_max_size(options.max_size),
      m_blobs(env, m_paths),
      m_locks(env, m_paths),
      m_index(std::move(index)),
      m_verifier(options.verifier),
      m_remote(options.remote) {}

Cache::~Cache() { flush_stats(); }

Result<std::optional<Entry>> Cache::lookup(const std::string& key) { return lookup_impl(key, CountMiss::yes); }

Result<std::optional<Entry>> Cache::lookup_impl(const std::string& key, CountMiss count_miss) {
  if (!is_valid_key(key)) return bad_key(key);
  std::optional<KernelRow> row;
  {
    std::lock_guard lock(m_db_mutex);
    row = KJIT_TRY(m_index->find(key));
  }
  if (!row) {
    if (count_miss == CountMiss::yes) note_counter(Counter::misses);
    maybe_flush_stats();
    return std::optional<Entry>();
  }
  // Blob reads and hashing happen outside the index mutex.
  auto cubin = m_blobs.get(row->cubin.hash, row->cubin.size);
  auto source = cubin ? m_blobs.get(row->source.hash, row->source.size) : cubin;
  if (!cubin || !source) {
    const Error& why = !cubin ? cubin.error() : source.error();
    if (why.code != ErrorCode::corruption && why.code != ErrorCode::not_found) return std::unexpected(why);
    KJIT_TRY_VOID(drop_bad_entry(*row, count_miss));
    return std::optional<Entry>();
  }
  Entry e;
  {
    std::lock_guard lock(m_db_mutex);
    e.dependencies = KJIT_TRY(m_index->dependencies(key));
  }
  note_hit(key);
  maybe_flush_stats();
  e.key = row->key;
  e.definition = std::move(row->definition);
  e.op_type = std::move(row->op_type);
  e.arch = std::move(row->arch);
  e.nvrtc_version = std::move(row->nvrtc_version);
  e.options_json = std::move(row->options_json);
  e.lowered_names_json = std::move(row->lowered_names_json);
  e.launch_plan_json = std::move(row->launch_plan_json);
  e.resources_json = std::move(row->resources_json);
  e.key_inputs_json = std::move(row->key_inputs_json);
  e.cubin = std::move(*cubin);
  e.source.assign(source->begin(), source->end());
  e.log = std::move(row->log);
  e.compile_ms = row->compile_ms;
  return std::optional<Entry>(std::move(e));
}

void Cache::note_hit(const std::string& key) {
  const std::int64_t now = m_env->now_ms();
  std::lock_guard lock(m_stats_mutex);
  PendingHit& p = m_pending_hits[key];
  ++p.hits;
  p.last_used_ms = std::max(p.last_used_ms, now);
  ++m_pending_counters[static_cast<std::size_t>(Counter::hits)];
  if (m_pending_since_ms == 0) m_pending_since_ms = now;
}

void Cache::note_counter(Counter counter, std::int64_t n) {
  std::lock_guard lock(m_stats_mutex);
  m_pending_counters[static_cast<std::size_t>(counter)] += n;
  if (m_pending_since_ms == 0) m_pending_since_ms = m_env->now_ms();
}

void Cache::maybe_flush_stats() {
  {
    std::lock_guard lock(m_stats_mutex);
    if (m_pending_since_ms == 0 || m_env->now_ms() - m_pending_since_ms < k_stats_flush_ms) return;
  }
  flush_stats();
}

void Cache::flush_stats() {
  std::lock_guard lock(m_db_mutex);
  flush_stats_locked();
}

void Cache::flush_stats_locked() {
  std::map<std::string, PendingHit> hits;
  std::array<std::int64_t, k_counter_count> counters{};
  {
    std::lock_guard lock(m_stats_mutex);
    if (m_pending_since_ms == 0) return;
    hits.swap(m_pending_hits);
    counters = std::exchange(m_pending_counters, {});
    m_pending_since_ms = 0;
  }
  if (m_read_only) return;  // nothing is written to a read-only cache; not worth a warning
  auto write = [&]() -> Result<void> {
    KJIT_TRY_VOID(m_env->checkpoint("stats.flush"));
    auto txn = KJIT_TRY(Transaction::begin(m_index->db()));
    for (const auto& [key, p] : hits) KJIT_TRY_VOID(m_index->touch(key, p.hits, p.last_used_ms));
    for (const CounterInfo& c : k_counters)
      if (std::int64_t n = counters[static_cast<std::size_t>(c.id)]; n != 0) KJIT_TRY_VOID(m_index->bump(c.id, n));
    return txn.commit();
  };
  if (auto r = write(); !r) {
    std::lock_guard lock(m_stats_mutex);
    if (!m_stats_warned) {
      m_stats_warned = true;
      std::fprintf(stderr, "kjit: warning: cache statistics (hit counts, last-use times) were not recorded: %s\n",
                   r.error().message.c_str());
    }
  }
}

Result<void> Cache::require_writable(std::string_view what) const {
  if (!m_read_only) return {};
  return fail(ErrorCode::io_error,
              str_cat("cannot ", what, ": the cache '", m_paths.root().string(), "' is read-only (",
                      "KJIT_CACHE_READONLY, --read-only, or a folder or index that is not writable)"));
}

Result<void> Cache::verify_one(const Entry& entry) const {
  return m_verifier ? m_verifier(entry) : check_entry_structure(entry);
}

Result<std::optional<DirectRow>> Cache::find_direct(const std::string& direct_key) {
  std::lock_guard lock(m_db_mutex);
  return m_index->find_direct(direct_key);
}

bool Cache::put_direct(const DirectRow& row) {
  if (m_read_only) return false;
  std::lock_guard lock(m_db_mutex);
  return m_index->put_direct(row).has_value();
}

Result<void> Cache::drop_bad_entry(const KernelRow& row, CountMiss count_miss) {
  if (m_read_only) {  // served as a miss; nothing can be moved or removed
    if (count_miss == CountMiss::yes) note_counter(Counter::misses);
    return {};
  }
  // Re-verify both blobs so a corrupt source behind a bad cubin is caught too.
  bool corrupt = false;
  for (const auto* blob : {&row.cubin, &row.source}) {
    auto r = m_blobs.get(blob->hash, blob->size);
    if (!r && r.error().code == ErrorCode::corruption) {
      corrupt = true;
      (void)m_blobs.quarantine(blob->hash);
    }
  }
  std::lock_guard lock(m_db_mutex);
  auto txn = KJIT_TRY(Transaction::begin(m_index->db()));
  bool removed = KJIT_TRY(m_index->remove(row.key, row.cubin.hash, row.source.hash));
  // A blob missing because another process evicted the row meanwhile is a
  // plain miss; a row still pointing at a vanished blob is damage.
  if (corrupt || removed) KJIT_TRY_VOID(m_index->bump(Counter::corrupt_detected));
  if (count_miss == CountMiss::yes) KJIT_TRY_VOID(m_index->bump(Counter::misses));
  return txn.commit();
}

Result<void> Cache::insert(const Entry& entry) { return insert_impl(entry); }

Result<void> Cache::insert_impl(const Entry& entry, Durability durability) {
  if (!is_valid_key(entry.key)) return bad_key(entry.key);
  KJIT_TRY_VOID(require_writable("store an entry"));
  BlobRef cubin = KJIT_TRY(m_blobs.put(entry.cubin, durability));
  BlobRef source = KJIT_TRY(m_blobs.put(bytes_of(entry.source), durability));
  KJIT_TRY_VOID(m_env->checkpoint("insert.blobs_written"));
  KernelRow row{entry.key, entry.definition, entry.op_type, entry.arch, entry.nvrtc_version,
                entry.options_json, entry.lowered_names_json, entry.launch_plan_json, entry.resources_json,
                entry.log, entry.key_inputs_json, cubin, source, entry.compile_ms, 0, 0, 0};
  row.created_ms = row.last_used_ms = m_env->now_ms();
  std::uint64_t total = 0;
  {
    std::lock_guard lock(m_db_mutex);
    auto txn = KJIT_TRY(Transaction::begin(m_index->db()));
    // gc or eviction elsewhere may have removed a blob we share between our
    // write and now; deleters only unlink under this same write lock, so a
    // blob seen here stays until we commit.
    if (!m_blobs.exists(cubin.hash)) KJIT_TRY(m_blobs.put(entry.cubin, durability));
    if (!m_blobs.exists(source.hash)) KJIT_TRY(m_blobs.put(bytes_of(entry.source), durability));
    KJIT_TRY_VOID(m_index->put(row, entry.dependencies));
    KJIT_TRY_VOID(txn.commit());
    total = KJIT_TRY(m_index->total_bytes());
  }
  if (total > m_max_size) {
    // The entry just stored is about to be used: older ones go first, and it
    // stays even when it alone exceeds the cap.
    Pin keep = pin(entry.key);
    KJIT_TRY(evict_to(m_max_size));
  }
  return {};
}

Result<GetResult> Cache::get_or_compile(const std::string& key, const std::function<Result<Entry>()>& compile,
                                        Force force, const FailureLabel& label) {
  auto remembered = [&]() -> Result<std::optional<Error>> {
    std::lock_guard lock(m_db_mutex);
    auto f = KJIT_TRY(m_index->failure(key));
    if (!f) return std::optional<Error>();
    return std::optional<Error>(Error{ErrorCode::compile_error,
                                      f->message + " (remembered from an earlier compile; use --force to retry)",
                                      f->log});
  };
  if (force == Force::no) {
    if (auto hit = KJIT_TRY(lookup_impl(key, CountMiss::yes))) return GetResult{std::move(*hit), Outcome::hit};
    if (auto err = KJIT_TRY(remembered())) return std::unexpected(std::move(*err));
  } else if (!is_valid_key(key)) {
    return bad_key(key);
  }
  if (m_remote && force == Force::no)
    if (auto got = remote_fetch(key, CountMiss::yes)) return GetResult{std::move(*got), Outcome::remote_hit};
  if (m_read_only) {
    // Compiled into memory: no lock files, no row, no remembered failure.
    Entry entry = KJIT_TRY(compile());
    if (entry.key.empty()) entry.key = key;
    if (entry.key == key) remote_put(entry);
    return GetResult{std::move(entry), Outcome::compiled};
  }
  auto guard = KJIT_TRY(m_locks.acquire(key));
  if (force == Force::no) {
    // Whoever held the lock before us has usually just inserted it.
    if (auto hit = KJIT_TRY(lookup_impl(key, CountMiss::no))) return GetResult{std::move(*hit), Outcome::hit};
    if (auto err = KJIT_TRY(remembered())) return std::unexpected(std::move(*err));
  }
  // Held until the value is written remotely (destroyed after `entry`'s put).
  std::unique_ptr<RemoteLease> remote_lease;
  if (m_remote && force == Force::no)
    if (auto got = remote_single_flight(key, &remote_lease)) return GetResult{std::move(*got), Outcome::remote_hit};
  auto compiled = compile();
  if (!compiled) {
    std::lock_guard lock(m_db_mutex);
    KJIT_TRY_VOID(m_index->bump(Counter::compile_failures));
    if (compiled.error().code == ErrorCode::compile_error) {
      KJIT_TRY_VOID(m_index->put_failure({key, label.definition, label.arch, compiled.error().details, compiled.error().message,
                                          m_env->now_ms()}));
    }
    return std::unexpected(compiled.error());
  }
  Entry entry = std::move(*compiled);
  if (entry.key.empty()) entry.key = key;
  if (entry.key != key)
    return fail(ErrorCode::internal, str_cat("compile for cache key ", key, " returned an entry for key ", entry.key));
  {
    std::lock_guard lock(m_db_mutex);
    KJIT_TRY_VOID(m_index->bump(Counter::compiles));
  }
  KJIT_TRY_VOID(insert_impl(entry));  // eviction skips `key`: we hold its lock
  remote_put(entry);
  return GetResult{std::move(entry), Outcome::compiled};
}

Cache::Pin::~Pin() {
  if (!m_cache) return;
  std::lock_guard lock(m_cache->m_pin_mutex);
  if (--m_cache->m_pins[m_key] <= 0) m_cache->m_pins.erase(m_key);
}

Cache::Pin Cache::pin(const std::string& key) {
  std::lock_guard lock(m_pin_mutex);
  ++m_pins[key];
  return Pin(this, key);
}

bool Cache::pinned(const std::string& key) const {
  std::lock_guard lock(m_pin_mutex);
  return m_pins.contains(key);
}

}  // namespace kjit::cache
