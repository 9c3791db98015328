// Cache facade, the maintenance half: stats, list, gc, verify, clear and
// LRU eviction, and the structural entry check. All of these are rare and may
// scan; none is on the hit path. In a read-only cache verify reports without
// repairing, and gc, clear and eviction refuse.
//
// Blob deletion rule (shared with insert, see cache.cpp): a blob file is
// only unlinked inside an index write transaction, after checking that no
// row uses it, so an insert that confirms its blobs inside its own write
// transaction can never commit a row whose blob is gone.
//
// Thread safety: see cache.h.
#include <fnmatch.h>

#include <algorithm>
#include "jit/util/str_cat.h"
#include <set>

#include <nlohmann/json.hpp>

#include "cache/cache.h"
#include "cache/index.h"

namespace kjit::cache {
namespace {

constexpr std::int64_t k_stale_temp_s = 3600;              // an AtomicFile temp this old has no live writer
constexpr std::int64_t k_quarantine_keep_s = 7 * 24 * 3600;  // quarantined blobs kept a week for inspection

// True when `a` and `b` name the same file, allowing one to be a path
// suffix of the other at a folder boundary ("rmsnorm.cu.j2" matches
// "templates/norm/rmsnorm.cu.j2").
bool same_file(const std::string& a, const std::string& b) {
  std::string x = std::filesystem::path(a).lexically_normal().generic_string();
  std::string y = std::filesystem::path(b).lexically_normal().generic_string();
  if (x.size() < y.size()) std::swap(x, y);
  if (y.empty()) return false;
  if (x == y) return true;
  return x.ends_with(y) && x[x.size() - y.size() - 1] == '/';
}

}  // namespace

Result<bool> Cache::remove_entry_locked(const KernelRow& row) {
  if (!KJIT_TRY(m_index->remove(row.key, row.cubin.hash, row.source.hash))) return false;
  for (const auto* hash : {&row.cubin.hash, &row.source.hash})
    if (KJIT_TRY(m_index->keys_using_blob(*hash)).empty()) (void)m_blobs.remove(*hash);
  return true;
}

Result<void> check_entry_structure(const Entry& e) {
  const std::pair<const char*, const std::string*> texts[] = {{"launch plan", &e.launch_plan_json},
                                                              {"lowered names", &e.lowered_names_json},
                                                              {"resources", &e.resources_json},
                                                              {"options", &e.options_json}};
  for (const auto& [what, text] : texts)
    if (!nlohmann::json::accept(*text))
      return fail(ErrorCode::corruption, str_cat("entry ", e.key, " (", e.definition, " ", e.arch, "): its ", what,
                                                 " is not JSON"));
  if (!e.key_inputs_json.empty() && !nlohmann::json::accept(e.key_inputs_json))
    return fail(ErrorCode::corruption, str_cat("entry ", e.key, " (", e.definition, " ", e.arch, "): its key inputs are not JSON"));
  return {};
}

Result<Stats> Cache::stats() {
  std::lock_guard lock(m_db_mutex);
  flush_stats_locked();
  return m_index->stats();
}

Result<std::vector<EntryInfo>> Cache::list(const ListFilter& filter) {
  std::lock_guard lock(m_db_mutex);
  flush_stats_locked();
  auto rows = KJIT_TRY(m_index->rows_by_last_used());
  std::vector<EntryInfo> out;
  for (auto& r : rows) {
    if (!filter.definition_glob.empty() && ::fnmatch(filter.definition_glob.c_str(), r.definition.c_str(), 0) != 0)
      continue;
    auto deps = KJIT_TRY(m_index->dependencies(r.key));
    if (!filter.template_file.empty() &&
        std::none_of(deps.begin(), deps.end(), [&](const Dependency& d) { return same_file(d.file, filter.template_file); }))
      continue;
    out.push_back({r.key, r.definition, r.op_type, r.arch, r.nvrtc_version, r.cubin.hash, r.source.hash,
                   r.cubin.size + r.source.size, r.compile_ms, r.created_ms, r.last_used_ms, r.hits, std::move(deps)});
  }
  std::sort(out.begin(), out.end(), [](const EntryInfo& a, const EntryInfo& b) {
    return std::tie(a.definition, a.arch, a.key) < std::tie(b.definition, b.arch, b.key);
  });
  return out;
}

Result<GcReport> Cache::gc() {
  KJIT_TRY_VOID(require_writable("collect garbage"));
  GcReport report;
  const std::int64_t now_s = m_env->now_ms() / 1000;
  for (const auto& [path, mtime] : KJIT_TRY(m_blobs.list_temps()))
    if (now_s - mtime > k_stale_temp_s && m_env->remove_file(path)) ++report.stale_temps;

  auto blobs = KJIT_TRY(m_blobs.list());
  {
    std::lock_guard lock(m_db_mutex);
    auto txn = KJIT_TRY(Transaction::begin(m_index->db()));
    for (const auto& row : KJIT_TRY(m_index->rows_by_last_used())) {
      if (m_blobs.exists(row.cubin.hash) && m_blobs.exists(row.source.hash)) continue;
      if (KJIT_TRY(m_index->remove(row.key, row.cubin.hash, row.source.hash))) ++report.rows_missing_blobs;
    }
    auto referenced = KJIT_TRY(m_index->referenced_blobs());
    for (const auto& blob : blobs) {
      if (referenced.contains(blob.hash)) continue;
      if (m_blobs.remove(blob.hash)) {
        ++report.orphan_blobs;
        report.orphan_bytes += blob.size;
      }
    }
    KJIT_TRY_VOID(txn.commit());
  }

  if (auto files = m_env->list_dir(m_paths.quarantine_dir()))
    for (const auto& f : *files)
      if (now_s - f.mtime_s > k_quarantine_keep_s && m_env->remove_file(m_paths.quarantine_dir() / f.name))
        ++report.old_quarantined;

  // Idle lock files: take each one without waiting, unlink it while held (a
  // waiter on the old inode notices and retries, see Env::lock_file).
  if (auto locks = m_env->list_dir(m_paths.locks_dir())) {
    for (const auto& f : *locks) {
      if (f.is_dir || !f.name.ends_with(".lock")) continue;
      std::string key = f.name.substr(0, f.name.size() - 5);
      if (!is_valid_key(key) || m_locks.busy_here(key)) continue;
      auto held = m_env->lock_file(m_paths.lock(key), Wait::no);
      if (held && *held && m_env->remove_file(m_paths.lock(key))) ++report.stale_locks;
    }
  }
  // Fold the WAL into the main file and truncate it, so the folder can be
  // copied, shipped in an image or mounted read-only as it is (index.h,
  // "Read-only opening").
  {
    std::lock_guard lock(m_db_mutex);
    (void)m_index->checkpoint();  // busy readers only delay it; not an error
  }
  return report;
}

Result<VerifyReport> Cache::verify() {
  VerifyReport report;
  for (const auto& blob : KJIT_TRY(m_blobs.list())) {
    auto bytes = m_blobs.get(blob.hash, blob.size);
    ++report.blobs_checked;
    report.bytes_checked += blob.size;
    if (bytes || bytes.error().code != ErrorCode::corruption) continue;
    if (m_read_only) {  // report only
      report.corrupt_blobs.push_back(blob.hash);
      continue;
    }
    std::lock_guard lock(m_db_mutex);
    auto txn = KJIT_TRY(Transaction::begin(m_index->db()));
    if (!m_blobs.quarantine(blob.hash)) continue;  // someone else moved it
    report.corrupt_blobs.push_back(blob.hash);
    for (const auto& key : KJIT_TRY(m_index->keys_using_blob(blob.hash)))
      if (KJIT_TRY(m_index->remove(key))) ++report.entries_removed;
    KJIT_TRY_VOID(m_index->bump(Counter::corrupt_detected));
    KJIT_TRY_VOID(txn.commit());
  }
  // Every row's content against its key (issue #19.2): the blob checks above
  // cannot see two rows whose cubin_hash/cubin_size were swapped, since each
  // blob still matches its own name.
  std::vector<KernelRow> rows;
  {
    std::lock_guard lock(m_db_mutex);
    rows = KJIT_TRY(m_index->rows_by_last_used());
  }
  for (const auto& row : rows) {
    auto cubin = m_blobs.get(row.cubin.hash, row.cubin.size);
    auto source = m_blobs.get(row.source.hash, row.source.size);
    if (!cubin || !source) continue;  // quarantined above, or removed meanwhile
    ++report.entries_checked;
    Entry e{row.key, row.definition, row.op_type, row.arch, row.nvrtc_version, row.options_json,
            row.lowered_names_json, row.launch_plan_json, row.resources_json, row.key_inputs_json, std::move(*cubin),
            std::string(source->begin(), source->end()), {}, row.log, row.compile_ms};
    auto ok = verify_one(e);
    if (ok) continue;
    report.unbound_entries.push_back(str_cat(row.key, " (", row.definition, " ", row.arch, "): ", ok.error().message));
    if (m_read_only) continue;
    std::lock_guard lock(m_db_mutex);
    auto txn = KJIT_TRY(Transaction::begin(m_index->db()));
    if (KJIT_TRY(m_index->remove(row.key, row.cubin.hash, row.source.hash))) {
      ++report.entries_removed;
      KJIT_TRY_VOID(m_index->bump(Counter::corrupt_detected));
    }
    KJIT_TRY_VOID(txn.commit());
  }
  return report;
}

Result<void> Cache::clear() {
  KJIT_TRY_VOID(require_writable("clear it"));
  {
    std::lock_guard lock(m_stats_mutex);  // noted statistics go too
    m_pending_hits.clear();
    m_pending_counters = {};
    m_pending_since_ms = 0;
  }
  {
    std::lock_guard lock(m_db_mutex);
    auto txn = KJIT_TRY(Transaction::begin(m_index->db()));
    KJIT_TRY_VOID(m_index->clear());
    for (const auto& blob : KJIT_TRY(m_blobs.list())) (void)m_blobs.remove(blob.hash);
    KJIT_TRY_VOID(txn.commit());
  }
  if (auto files = m_env->list_dir(m_paths.quarantine_dir()))
    for (const auto& f : *files) (void)m_env->remove_file(m_paths.quarantine_dir() / f.name);
  KJIT_TRY(gc());  // stale temps and idle lock files
  return {};
}

Result<EvictReport> Cache::evict_to(std::uint64_t max_bytes) {
  KJIT_TRY_VOID(require_writable("evict entries"));
  EvictReport report;
  std::lock_guard lock(m_db_mutex);
  flush_stats_locked();  // eviction orders by last use
  auto rows = KJIT_TRY(m_index->rows_by_last_used());
  std::uint64_t total = 0;
  for (const auto& r : rows) total += r.cubin.size + r.source.size;
  for (const auto& r : rows) {
    if (total <= max_bytes) break;
    if (pinned(r.key) || m_locks.busy_here(r.key) || m_locks.held_anywhere(r.key)) {
      ++report.skipped_in_use;
      continue;
    }
    auto txn = KJIT_TRY(Transaction::begin(m_index->db()));
    if (!KJIT_TRY(remove_entry_locked(r))) continue;  // changed meanwhile by another process
    KJIT_TRY_VOID(m_index->bump(Counter::evictions));
    KJIT_TRY_VOID(txn.commit());
    total -= r.cubin.size + r.source.size;
    report.bytes_freed += r.cubin.size + r.source.size;
    ++report.evicted;
  }
  report.bytes_after = KJIT_TRY(m_index->total_bytes());
  return report;
}

}  // namespace kjit::cache
