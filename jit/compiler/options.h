// Compile options: the normalized, sorted, path-free option list that NVRTC
// receives and the cache key hashes.
//
// Normalization makes equivalent requests produce one list:
//   * spellings are canonical (`--generate-line-info` -> `-lineinfo`,
//     `--device-debug` -> `-G`, `-use_fast_math` -> `--use_fast_math`,
//     `-D X` / `--define-macro=X` -> `-DX`, `-Xptxas -v` -> `-Xptxas=-v`, ...);
//   * the list is sorted and duplicates are dropped, so the order of user
//     options never changes the key. Options whose order would matter are
//     rejected (`-U`), and two values for one option conflict (an error),
//     except that a user `-std=` replaces the default;
//   * the arch comes only from the request (`-arch=sm_90a` for a cubin,
//     `-arch=compute_90a` for PTX); `-arch`/`--gpu-architecture` in the user
//     options is an error;
//   * include paths are never user options (rendered sources are
//     self-contained) and never in this list: the toolkit include folders
//     are appended at compile time by the compiler (see toolkit.h), and the
//     toolkit's header version goes into the key instead.
//
// Always present: `-arch=...`, `-std=c++17` (unless the user sets `-std=`),
// and for cubins `-Xptxas=-v`, which makes ptxas print the per-kernel
// resources (registers, spills, stack, shared memory) that kjit records.
// `-Xptxas=-v` only adds log text, never changes the binary; it is kept in
// the list (and thus in the key) because it is constant, which is simpler
// than a second "options not hashed" list. `--use_fast_math` is off unless
// the user asks for it.
//
// Thread safety: pure functions over values.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jit/util/error.h"
#include "jit/compiler/arch.h"

namespace kjit::jit {

enum class OutputKind { cubin, ptx };

std::string_view to_string(OutputKind kind);

// Default C++ dialect for rendered sources.
inline constexpr std::string_view k_default_std = "c++17";

struct OptionRequest {
  Arch arch;
  OutputKind output = OutputKind::cubin;
  bool lineinfo = false;  // adds -lineinfo
  bool debug = false;     // adds -G (device debug; slow code, for debugging only)
  std::span<const std::string> extra;  // user options, any spelling NVRTC accepts
};

// The normalized list (sorted, unique, canonical spellings, no paths).
// Errors: invalid_argument naming the offending option and what to do.
Result<std::vector<std::string>> normalize_options(const OptionRequest& request);

// Canonical spelling of one user option; `next` is the following argument,
// consumed (and `consumed` set) for the two-token forms (`-D X`, `-Xptxas -v`).
// Exposed for tests.
Result<std::string> canonical_option(std::string_view option, std::string_view next, bool& consumed);

// Who supplied the extra options of a compile.
//   operator_  the person running kjit typed them (CLI `kjit compile -O ...`):
//              anything normalize_options accepts (it already refuses every
//              option that reads or writes files or changes the output kind)
//   request    they came over the network, through the C API, or from a
//              file: only the request allow-list below
enum class OptionSource { operator_, request };

// The request allow-list: options that only change code generation, each
// with its value checked (canonical spellings; the other spellings of
// canonical_option are accepted too):
//   -lineinfo  -G  --use_fast_math  --extra-device-vectorization  --restrict
//   --maxrregcount=N (16..255)  --ftz= --prec-div= --prec-sqrt= --fmad= (true|false)
//   --Ofast-compile=0|min|mid|max  -Xptxas=-O0..-O3 (and -v)  -std=c++17|c++20
//   -DNAME or -DNAME=VALUE (NAME a C identifier of at most 64 characters not
//   starting with '__', VALUE at most 64 characters of [A-Za-z0-9_.+-])
// At most 32 options of at most 256 characters each.
// Everything else (include paths, pre-includes, arbitrary -D text, --dopt,
// options that touch files or change the output) is refused.
// Errors: invalid_argument naming the option, why, and the allowed list.
Result<void> check_request_options(std::span<const std::string> extra);

// The allow-list in one line, for messages and docs ("-lineinfo, -G, ...").
std::string_view allowed_request_options();

// `-I<dir>` for each of `include_dirs`, as appended after the key options.
std::vector<std::string> include_options(std::span<const std::string> include_dirs);

}  // namespace kjit::jit
