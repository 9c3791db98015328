// verify_entry: does a cache entry's content belong to its key? The one check
// that binds content to key wherever an entry comes from outside this
// process's own compile: bundle import, `kjit cache verify`, and a remote tier
// (a value fetched from the network). Checksums cannot do it: whoever makes a
// poisoned entry recomputes them (issue #19.2).
//
// An entry passes when
//   - its stored key inputs (Entry::key_inputs_json, jit/compiler/key.h) with
//     its own source and launch plan hash to its key (build_key), and name the
//     entry's arch and NVRTC version;
//   - its binary is a cubin for that arch — a 64-bit little-endian ELF with
//     e_machine EM_CUDA (190) whose e_flags carry the arch's SM number (bits
//     8-15 for ELF ABI version 8, CUDA 12.8 and later; bits 0-7 before) — or
//     PTX text whose `.target` is that arch (the a/f suffix of sm_90a /
//     sm_100f is not in e_flags: NVRTC 13.0 writes 0x06005a04 for both sm_90
//     and sm_90a; the key carries the exact arch) — and that defines every
//     kernel the launch plan calls, under its lowered name (ELF symbol table;
//     `.entry` in PTX). This is what refuses another definition's cubin
//     under this key: the key is a hash of the *inputs*, and the binary is the
//     compile's output, so only its content can tell.
//   - its definition and op_type are valid names (jit/definition/names.h):
//     they are not part of the key, and listings print them;
//   - its launch plan parses as a LaunchPlan, its lowered names are a JSON
//     object of non-empty strings with one for every launch entry, and its
//     resources are JSON.
//
// Not detected without recompiling: a binary of the *same* kernels built
// with other options (e.g. -lineinfo) swapped in under this key. A fleet that
// needs that closed signs its bundles (cache/bundle.h).
//
// Thread safety: a pure function.
#pragma once

#include "cache/entry.h"
#include "jit/util/error.h"

namespace kjit::jit {

// `corruption` naming the first failed check; ok otherwise.
Result<void> verify_entry(const cache::Entry& entry);

}  // namespace kjit::jit
