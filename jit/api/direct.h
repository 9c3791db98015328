// Direct mode (ccache's direct mode, issue #16): serve a cached kernel to a
// cold process without parsing the definitions or rendering the template.
//
// A full `get` (definitions loaded, template rendered, key built) records a
// manifest row in the cache index (cache::DirectRow):
//
//   direct key := XXH3-128 over tagged fields (the grammar of jit/compiler/
//                 key.h): "direct" schema, kjit's build identity
//                 (build_identity.h), NVRTC identity, CUDA header version,
//                 definition name, arch as requested, extra options (sorted),
//                 the definition search path and the templates root (absolute)
//   row        := result key, template id, and the inputs that must still
//                 hold:
//     "definitions": a stamp of the search path — every folder (path, mtime
//                    and ctime in ns) and every *.json (path, size, mtime and
//                    ctime in ns, inode, device) —, so a new, edited, removed
//                    or renamed definition anywhere (which could shadow or
//                    change the one named) misses;
//     "definition":  the file that defined the name and the XXH3-128 of the
//                    bytes that were parsed (re-read and compared to the
//                    parsed definition when recording);
//     "templates":   the same stamp over the templates root, counting only
//                    folders and *.kjit.json manifests (a new or edited
//                    manifest can change which template serves a definition;
//                    a new file in a folder can shadow an include);
//     "deps":        every template and include file the render read, with the
//                    XXH3-64 the renderer computed over the bytes it rendered.
//
// A cold `kjit get`/`compile` computes the direct key from cheap facts (no
// definition parsed), reads the row, re-stats the two trees, re-hashes the
// definition file and the deps, and serves the entry of the result key when
// all match; anything else falls back to the full path, which records a new
// row. An edit of the definition, of any template file the entry depends on,
// of a manifest, an option, the toolkit (NVRTC identity or headers) or kjit
// itself (build ID) therefore misses.
//
// Timestamp races: a stamp can only be trusted for files whose mtime/ctime
// are older than the stamp by more than the filesystem's timestamp
// granularity (two writes within one coarse clock tick leave the same times).
// So rows are only recorded when every stamped file and folder is older than
// k_direct_settle_ms when its stamp is taken (ccache's "too new" rule); the
// stamps are taken *before* the definitions and manifests are loaded, so a
// change during the load makes the recorded stamp stale, never the row.
// Stamps assume a local filesystem (NFS attribute caching can hide changes
// for seconds: keep definitions and templates on local disk for direct mode).
//
// Thread safety: free functions over values; `DirectStamps` is a value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache.h"
#include "jit/api/config.h"
#include "jit/codegen/artifact.h"
#include "jit/codegen/codegen.h"
#include "jit/util/error.h"

namespace kjit::jit {

inline constexpr int k_direct_schema_version = 1;
// Files changed less than this long before their stamp is taken make the
// stamp untrusted (no row is recorded). 1 s covers coarse-clock ticks and
// filesystems with second (or two-second) timestamps.
inline constexpr std::int64_t k_direct_settle_ms = 1000;

struct DirectRequest {
  std::string name, arch;
  std::vector<std::string> options;  // extra NVRTC options, as given
};

// The stamps of the definition search path and the templates root.
struct DirectStamps {
  std::string definitions, templates;  // hex; empty when a folder is missing or unreadable
  bool settled = false;                // every stamped item older than k_direct_settle_ms
};

DirectStamps take_direct_stamps(const Config& config);

// The direct key of `request` in `config`'s environment; empty when direct
// mode cannot be used (no build identity).
std::string direct_key(const Config& config, const DirectRequest& request);

// The artifact a cache entry holds (definition left null).
Result<std::shared_ptr<Artifact>> artifact_from_entry(const cache::Entry& entry);

// The fast path: the artifact when a valid row and its entry exist (a hit,
// counted), nullopt otherwise (fall back to the full path), with the reason in
// `*why` when given ("no manifest", "definitions changed", ...). Errors only
// for an unusable cache.
Result<std::optional<std::shared_ptr<Artifact>>> direct_lookup(cache::Cache& cache, const Config& config,
                                                               const DirectRequest& request,
                                                               std::string* why = nullptr);

// Records the row for a full get of `request` that produced `key` from
// `definition` rendered as `kernel`, with `stamps` taken before the
// definitions and templates were loaded. Best-effort: returns whether a row
// was written (not when unsettled, unchanged, or the cache is read-only).
bool direct_record(cache::Cache& cache, const Config& config, const DirectRequest& request,
                   const DirectStamps& stamps, const Definition& definition, const RenderedKernel& kernel,
                   const std::string& key);

}  // namespace kjit::jit
