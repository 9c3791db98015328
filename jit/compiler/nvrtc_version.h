// NVRTC identity for the cache key: "nvrtc <major>.<minor> (<build>)".
//
// nvrtcVersion() gives only major.minor, and a patch release (13.0.48 ->
// 13.0.88) can change code generation, so a build identifier is added. It is
// read from NVRTC itself: the header NVRTC writes into PTX names the exact
// release and changelist,
//   // Compiler Build ID: CL-36424714
//   // Cuda compilation tools, release 13.0, V13.0.88
// so an empty program is compiled to PTX once per process (about 35 ms on
// the 2-core dev machine) and those two values are kept: "V13.0.88, CL-36424714".
// If that ever fails (no header in a future NVRTC), the fallback is the
// XXH3-64 of the bytes of the loaded libnvrtc file (found with dladdr), which
// changes with any rebuild of the library: "libnvrtc xxh3 <16 hex>".
//
// Thread safety: computed once (thread-safe static), then read-only.
#pragma once

#include <string>
#include <string_view>

namespace kjit::jit {

// "nvrtc 13.0 (V13.0.88, CL-36424714)".
const std::string& nvrtc_version_string();

// The build identifier from a PTX header ("V13.0.88, CL-36424714"), or empty
// when `ptx` has neither line. Exposed for tests.
std::string build_id_from_ptx(std::string_view ptx);

}  // namespace kjit::jit
