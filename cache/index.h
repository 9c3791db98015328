// Index: the SQLite index `index.sqlite` (WAL) of the cache — schema,
// versioning and the row-level queries the Cache facade composes.
//
// Schema (PRAGMA user_version = k_schema_version):
//   kernels(key PK, definition, op_type, arch, nvrtc_version, options,
//           cubin_hash, cubin_size, source_hash, source_size, lowered_names,
//           launch_plan, resources, compile_ms, log, created, last_used, hits,
//           key_inputs)             key_inputs: Entry::key_inputs_json (v2)
//   dependencies(key, file, content_hash)   PK(key, file)
//   direct(direct_key PK, key, inputs, created)   direct-mode manifests (v2,
//                              jit/api/direct.h); rows go with their kernel
//   failures(key PK, definition, arch, log, message, created)
//   counters(name PK, value)   one row per k_counters entry (cache/counters.h),
//                              inserted when missing on open
// Times are milliseconds since the epoch.
//
// Versioning: a database with user_version 0 (new, or a pre-release layout)
// or 1 (rows without key inputs, which cannot be checked against their key:
// issue #19.2) is rebuilt with the current schema (old tables dropped: this
// is a cache, blobs become orphans that gc removes). A later version runs the
// steps in `k_migrations`; a newer version is refused with an error that says
// what to do, because an older kjit must not scribble over a newer layout.
//
// Read-only opening (OpenMode::read_only: a pre-warmed cache on a read-only
// mount or image): `mode=ro`, which reads the WAL through an existing -shm
// file; when that cannot open (no -shm and no right to create it),
// `immutable=1`, which reads the main file only (so a read-only image should
// be checkpointed first: `kjit cache gc` does). Nothing is ever written.
//
// Opening is cheap when the schema exists: open, two PRAGMAs, read
// user_version. Durability: synchronous=NORMAL in WAL mode survives process
// crashes (the case that matters for a cache); a power loss may drop the
// last few committed rows, never corrupt the file.
//
// Thread safety: none; REQUIRES the owner (Cache) to serialize all calls.
// Many processes may use one file: writers take BEGIN IMMEDIATE and wait up
// to the busy timeout; switching a new file to WAL, which SQLite can refuse
// at once while another process does the same, is retried up to that timeout.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cache/blob_store.h"
#include "cache/entry.h"
#include "cache/sqlite.h"

namespace kjit::cache {

inline constexpr std::int64_t k_schema_version = 2;
inline constexpr int k_busy_timeout_ms = 30000;

struct KernelRow {
  std::string key, definition, op_type, arch, nvrtc_version;
  std::string options_json, lowered_names_json, launch_plan_json, resources_json, log, key_inputs_json;
  BlobRef cubin, source;
  double compile_ms = 0;
  std::int64_t created_ms = 0, last_used_ms = 0;
  std::uint64_t hits = 0;
};

struct FailureRow {
  std::string key, definition, arch, log, message;
  std::int64_t created_ms = 0;
};

enum class OpenMode { read_write, read_only };

class Index {
 public:
  static Result<std::unique_ptr<Index>> open(const std::filesystem::path& file, OpenMode mode = OpenMode::read_write);
  bool read_only() const { return m_read_only; }

  Db& db() { return m_db; }

  Result<std::optional<KernelRow>> find(const std::string& key);
  Result<std::vector<Dependency>> dependencies(const std::string& key);
  // Hits: adds `hits` to the row's hit count and raises last_used to
  // `now_ms` (no transaction of its own: the caller batches, see cache.h).
  Result<void> touch(const std::string& key, std::uint64_t hits, std::int64_t now_ms);
  // Adds `n` to a counter (joins the caller's transaction if one is open).
  Result<void> bump(Counter counter, std::int64_t n = 1);
  // Inserts or replaces the row and its dependencies, forgets any failure.
  // REQUIRES: inside a Transaction.
  Result<void> put(const KernelRow& row, const std::vector<Dependency>& deps);
  // Deletes the row (and its dependencies) when its blobs are still
  // `cubin_hash`/`source_hash` (so a row rewritten meanwhile survives);
  // empty hashes match any. Returns whether a row went.
  Result<bool> remove(const std::string& key, const std::string& cubin_hash = {}, const std::string& source_hash = {});
  // Rows that point at blob `hash`.
  Result<std::vector<std::string>> keys_using_blob(const std::string& hash);
  Result<std::set<std::string>> referenced_blobs();
  // All rows, least recently used first.
  Result<std::vector<KernelRow>> rows_by_last_used();
  Result<std::uint64_t> total_bytes();

  Result<std::optional<FailureRow>> failure(const std::string& key);
  Result<void> put_failure(const FailureRow& row);
  Result<void> remove_failure(const std::string& key);

  Result<std::optional<DirectRow>> find_direct(const std::string& direct_key);
  Result<void> put_direct(const DirectRow& row);

  // Checkpoints the WAL into the main file and truncates it (so the folder can
  // be shipped or mounted read-only).
  Result<void> checkpoint();

  Result<Stats> stats();
  // Empties every table and zeroes the counters. REQUIRES: inside a Transaction.
  Result<void> clear();

 private:
  explicit Index(Db db, bool read_only) : m_db(std::move(db)), m_read_only(read_only) {}
  Result<void> ensure_schema();
  Db m_db;
  bool m_read_only = false;
};

}  // namespace kjit::cache
