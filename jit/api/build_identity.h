// The identity of the kjit code running in this process, for the direct-mode
// manifest key (jit/api/direct.h) and `kjit --version`: a rebuilt kjit may
// render differently, so a direct-mode entry recorded by one build must not
// be trusted by another.
//
// It is the GNU build ID (`.note.gnu.build-id`, a hash the linker computes
// over the linked output) of the ELF object that contains this code — the
// kjit executable, or libkjit.so for library users — read from the loaded
// image's program headers (dl_iterate_phdr): no file is opened. Without a
// build ID it falls back to a stamp of that file (path, size, mtime and ctime
// in ns, inode); when neither can be had it is empty, and direct mode is off.
//
// Thread safety: computed once (thread-safe static), then read-only.
#pragma once

#include <string>

namespace kjit::jit {

// "build-id <hex>", "file <stamp>", or "".
const std::string& kjit_build_identity();

// A short form for `kjit --version`: the first 12 hex digits of the build ID
// (or "unknown").
std::string kjit_build_short();

}  // namespace kjit::jit
