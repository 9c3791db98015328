// Lazy NVRTC: kjit does not link libnvrtc at build time; it loads it with
// dlopen the first time a compile (or anything else that needs NVRTC) runs.
//
// Why: loading the 105 MB libnvrtc (225k relocations, its static
// initializers) costs ~7 ms of every process's start, which is a third of a
// cold-process cache hit; a hit needs only facts about the library (its
// identity and supported archs), which nvrtc_version.h remembers in the cache
// folder keyed by the library file's stat.
//
// The library kjit uses is resolved WITHOUT loading it, so the file that is
// stat'ed is the file that is loaded (an absolute path):
//   1. $KJIT_NVRTC_LIBRARY (a file path),
//   2. each directory of $LD_LIBRARY_PATH,
//   3. KJIT_CUDA_ROOT (the toolkit CMake found), then $CUDA_HOME, $CUDA_PATH
//      and /usr/local/cuda: <root>/lib64, <root>/lib, <root>/targets/x86_64-linux/lib,
// taking the first `libnvrtc.so.<CUDA major>` that exists; when none does, the
// dynamic loader's own search (ld.so.cache) by soname, whose path is then
// read back with dladdr.
//
// The nvrtc* functions kjit calls (declared by <nvrtc.h>) are defined in
// nvrtc_library.cpp as forwarders to the loaded library, with hidden
// visibility so libkjit.so never interposes on a host program's own NVRTC.
// Before loading, or when loading failed, they return
// NVRTC_ERROR_INTERNAL_ERROR, and nvrtcGetErrorString of that code gives the
// load error; callers that can say more call load_nvrtc() first.
//
// Thread safety: resolution and loading each happen once (thread-safe
// statics); the forwarders are safe from any thread.
#pragma once

#include <string>

#include "jit/util/error.h"

namespace kjit::jit {

// Absolute path of the libnvrtc kjit uses (see above); empty when none is
// found. Does not load the library unless the loader's search is the only way.
const std::string& nvrtc_library_path();

// Loads the library (once). The error names every path tried.
Result<void> load_nvrtc();

}  // namespace kjit::jit
