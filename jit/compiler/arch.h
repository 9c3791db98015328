// Arch: a GPU architecture as NVRTC names it (`sm_90a`, `compute_100f`).
//
// Three forms exist: plain `sm_XX` (runs on XX and later), arch-specific
// `sm_XXa` (only on exactly XX, unlocks wgmma/tcgen05-style features; XX >= 90)
// and family-specific `sm_XXf` (the XX family, XX >= 100). The number is
// major*10 + minor (`sm_120a` is 12.0, `sm_121` is 12.1). The exact form is part
// of the cache key: `sm_90a` is not `sm_90`.
//
// `parse_arch` checks syntax only; `validate_arch` also checks the suffix
// rules and the list the linked NVRTC reports (`nvrtcGetSupportedArchs`).
//
// Thread safety: `Arch` is a plain value. `nvrtc_supported_archs()` is
// computed once (thread-safe static) and then read-only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "jit/util/error.h"

namespace kjit::jit {

enum class ArchFeature {
  none,             // sm_90
  arch_specific,    // sm_90a
  family_specific,  // sm_100f
};

struct Arch {
  int number = 0;  // 90 for sm_90a, 120 for sm_120a
  ArchFeature feature = ArchFeature::none;

  int major() const { return number / 10; }
  int minor() const { return number % 10; }
  std::string suffix() const;   // "", "a" or "f"
  std::string sm() const;       // "sm_90a": what a cubin targets
  std::string compute() const;  // "compute_90a": what PTX targets

  friend bool operator==(const Arch&, const Arch&) = default;
};

// Parses `text`: `sm_XX`, `sm_XXa`, `sm_XXf`, or the same with `compute_`
// (both give the same Arch). Checks syntax and suffix rules (`a` needs
// XX >= 90, `f` needs XX >= 100), not what NVRTC supports. Errors are
// invalid_argument and list the valid forms.
Result<Arch> parse_arch(std::string_view text);

// The arch numbers the linked NVRTC can target, ascending (e.g. 75 ... 121).
const std::vector<int>& nvrtc_supported_archs();

// Every arch string the linked NVRTC accepts, for messages and `kjit` help:
// "sm_75, sm_80, ..., sm_90, sm_90a, sm_100, sm_100a, sm_100f, ...".
std::string describe_supported_archs();

// parse_arch + the number must be in `nvrtc_supported_archs()`; the error for
// an unsupported one lists the supported archs.
Result<Arch> validate_arch(std::string_view text);

}  // namespace kjit::jit
