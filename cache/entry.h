// Value types of the cache's public API: what a compile produces (`Entry`),
// what `get_or_compile` returns, and the reports of the maintenance calls.
//
// Thread safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "cache/counters.h"

namespace kjit::cache {

// A file the rendered source was built from (template, included piece) and
// the hash of its content at the time; `list({.template_file=...})` answers
// "what does editing this file invalidate".
struct Dependency {
  std::string file;
  std::string content_hash;
  bool operator==(const Dependency&) const = default;
};

// What a compile produces and what a hit returns.
struct Entry {
  std::string key;  // computed by the caller (32 lowercase hex, XXH3-128); opaque here
  std::string definition, op_type, arch, nvrtc_version;
  std::string options_json = "[]", lowered_names_json = "{}", launch_plan_json = "{}", resources_json = "{}";
  // The inputs of `key` other than the source and the plan (both stored with
  // the entry): {"schema", "nvrtc", "cuda_headers", "arch", "options": [...],
  // "name_expressions": [...]} (jit/compiler/key.h). With them the key can be
  // recomputed from what the entry holds, which binds content to key for
  // bundle import, `cache verify` and remote tiers (jit/api/entry_verify.h).
  std::string key_inputs_json;
  std::vector<std::uint8_t> cubin;  // the binary (cubin, or PTX text bytes)
  std::string source;               // rendered CUDA source
  std::vector<Dependency> dependencies;
  std::string log;
  double compile_ms = 0;
  bool operator==(const Entry&) const = default;
};

// `Force::yes` skips the cached entry and any remembered failure: compile now.
enum class Force { no, yes };
// remote_hit: a local miss served by the remote tier (cache/remote_tier.h).
enum class Outcome { hit, compiled, failed, remote_hit };

struct GetResult {
  Entry entry;
  Outcome outcome = Outcome::hit;
};

struct Stats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;  // sum of entries' cubin + source sizes
  std::uint64_t failures_remembered = 0;
  std::array<std::uint64_t, k_counter_count> counters{};  // by Counter (cache/counters.h)

  std::uint64_t operator[](Counter c) const { return counters[static_cast<std::size_t>(c)]; }
};

// One row of `list()`: an entry's metadata without its blobs.
struct EntryInfo {
  std::string key, definition, op_type, arch, nvrtc_version;
  std::string cubin_hash, source_hash;
  std::uint64_t bytes = 0;  // cubin + source
  double compile_ms = 0;
  std::int64_t created_ms = 0, last_used_ms = 0;
  std::uint64_t hits = 0;
  std::vector<Dependency> dependencies;
};

struct ListFilter {
  std::string definition_glob;  // fnmatch pattern on the definition name; empty = all
  std::string template_file;    // keep entries depending on this file (path-suffix match); empty = all
};

struct GcReport {
  std::uint64_t orphan_blobs = 0, orphan_bytes = 0;  // blobs no row references
  std::uint64_t stale_temps = 0;                     // AtomicFile temps older than an hour
  std::uint64_t rows_missing_blobs = 0;              // rows whose blob vanished
  std::uint64_t stale_locks = 0;                     // idle lock files
  std::uint64_t old_quarantined = 0;                 // quarantined blobs older than a week
};

struct VerifyReport {
  std::uint64_t blobs_checked = 0, bytes_checked = 0;
  std::vector<std::string> corrupt_blobs;  // hashes moved to quarantine/
  std::uint64_t entries_removed = 0;       // rows that pointed at them
  std::uint64_t entries_checked = 0;       // rows whose content was checked against their key
  // "<key> (<definition> <arch>): <why>" for rows whose content does not
  // belong to their key (removed; their blobs stay for other rows or gc).
  std::vector<std::string> unbound_entries;
};

struct EvictReport {
  std::uint64_t evicted = 0, bytes_freed = 0;
  std::uint64_t skipped_in_use = 0;  // pinned or locked entries passed over
  std::uint64_t bytes_after = 0;
};

// A direct-mode manifest row (ccache's "manifest"): the result key that a
// request with `direct_key` resolved to, and the inputs (files with their
// stamps and content hashes, as JSON) that must still hold for it to be
// valid. Opaque to the cache; built and checked by jit/api/direct.h.
struct DirectRow {
  std::string direct_key, key, inputs_json;
  std::int64_t created_ms = 0;
};

struct BundleReport {
  std::uint64_t entries = 0;  // exported, or imported
  std::uint64_t skipped = 0;  // import: already present; export: unreadable/corrupt blobs
  std::uint64_t bytes = 0;    // bundle file size
};

}  // namespace kjit::cache
