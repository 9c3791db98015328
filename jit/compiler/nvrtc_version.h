// NVRTC identity for the cache key: "nvrtc <major>.<minor> (<build>)".
//
// nvrtcVersion() gives only major.minor, and a patch release (13.0.48 ->
// 13.0.88) can change code generation, so a build identifier is added. It is
// read from NVRTC itself: the header NVRTC writes into PTX names the exact
// release and changelist,
//   // Compiler Build ID: CL-36424714
//   // Cuda compilation tools, release 13.0, V13.0.88
// so an empty program is compiled to PTX (about 35 ms on the 2-core dev
// machine) and those two values are kept: "V13.0.88, CL-36424714".
// If that ever fails (no header in a future NVRTC), the fallback is the
// XXH3-64 of the bytes of the loaded libnvrtc file (found with dladdr), which
// changes with any rebuild of the library: "libnvrtc xxh3 <16 hex>".
//
// 35 ms is most of a cold process's cache hit (every key needs the identity,
// and the supported archs to validate the key's arch), so both are remembered
// across processes in a memo file (the cache folder's `nvrtc_identity`): a
// stamp line for the libnvrtc file kjit uses (nvrtc_library.h: its path, size,
// mtime and ctime in ns, inode — a stat, no loading), an identity line and a
// line of supported arch numbers. A cache hit then never loads libnvrtc. A memo whose stamp equals the library's is used as is
// (reading it costs one stat and one small read); any other (missing,
// malformed, another library, a reinstall: new ctime) is recomputed and
// rewritten atomically (temp file + rename). A failure to write the memo only
// costs the recomputation next time; it is never an error.
//
// Thread safety: nvrtc_version_string is computed once (thread-safe static),
// then read-only; set_nvrtc_identity_memo takes a mutex.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <vector>

namespace kjit::jit {

struct NvrtcFacts {
  std::string identity;    // "nvrtc 13.0 (V13.0.88, CL-36424714)"; "nvrtc unavailable" without a library
  std::vector<int> archs;  // supported SM numbers, sorted; empty without a library
};

// The facts, computed once per process (through the memo file named by
// set_nvrtc_identity_memo, if any).
const NvrtcFacts& nvrtc_facts();

// nvrtc_facts().identity.
const std::string& nvrtc_version_string();

// Names the memo file for nvrtc_version_string (Jit::open passes
// <cache dir>/nvrtc_identity). Effective only before its first call.
void set_nvrtc_identity_memo(std::filesystem::path memo_file);

// The facts through `memo_file` (see above); an empty path computes them
// without a memo. Exposed for tests; uncached.
NvrtcFacts nvrtc_facts_through(const std::filesystem::path& memo_file);
std::string nvrtc_identity(const std::filesystem::path& memo_file);

// The stamp line of the libnvrtc file, or empty when it cannot be found or
// stat'ed (then no memo is used). Exposed for tests.
std::string nvrtc_library_stamp();

// The build identifier from a PTX header ("V13.0.88, CL-36424714"), or empty
// when `ptx` has neither line. Exposed for tests.
std::string build_id_from_ptx(std::string_view ptx);

}  // namespace kjit::jit
