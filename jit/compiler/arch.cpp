// Arch parsing and validation against the linked NVRTC.
// Thread safety: see arch.h; the supported list is a thread-safe static.
#include "jit/compiler/arch.h"


#include <algorithm>
#include <charconv>

#include "jit/compiler/nvrtc_library.h"
#include "jit/compiler/nvrtc_version.h"
#include "jit/util/str_cat.h"

namespace kjit::jit {
namespace {


constexpr int k_min_arch_specific = 90;     // sm_90a is the first "a" target
constexpr int k_min_family_specific = 100;  // sm_100f is the first "f" target

constexpr std::string_view k_valid_forms =
    "expected sm_XX, sm_XXa (arch-specific, XX >= 90) or sm_XXf (family, XX >= 100), "
    "e.g. sm_80, sm_89, sm_90a, sm_100a, sm_100f, sm_120a";

std::unexpected<Error> invalid(std::string_view text, std::string_view why) {
  return fail(ErrorCode::invalid_argument,
              str_cat("invalid arch '", text, "': ", why, "; ", k_valid_forms));
}

}  // namespace

std::string Arch::suffix() const {
  switch (feature) {
    case ArchFeature::none: return "";
    case ArchFeature::arch_specific: return "a";
    case ArchFeature::family_specific: return "f";
  }
  return "";
}

std::string Arch::sm() const { return str_cat("sm_", number, suffix()); }

std::string Arch::compute() const { return str_cat("compute_", number, suffix()); }

Result<Arch> parse_arch(std::string_view text) {
  std::string_view rest = text;
  if (rest.starts_with("sm_")) {
    rest.remove_prefix(3);
  } else if (rest.starts_with("compute_")) {
    rest.remove_prefix(8);
  } else {
    return invalid(text, "it must start with 'sm_'");
  }
  Arch arch;
  if (!rest.empty() && (rest.back() == 'a' || rest.back() == 'f')) {
    arch.feature = rest.back() == 'a' ? ArchFeature::arch_specific : ArchFeature::family_specific;
    rest.remove_suffix(1);
  }
  if (rest.size() < 2 || rest.size() > 3 || !std::ranges::all_of(rest, [](char c) { return c >= '0' && c <= '9'; }) ||
      rest.front() == '0') {
    return invalid(text, "the number must be 2 or 3 digits (major*10 + minor)");
  }
  std::from_chars(rest.data(), rest.data() + rest.size(), arch.number);
  if (arch.feature == ArchFeature::arch_specific && arch.number < k_min_arch_specific) {
    return invalid(text, "the 'a' suffix needs sm_90 or later");
  }
  if (arch.feature == ArchFeature::family_specific && arch.number < k_min_family_specific) {
    return invalid(text, "the 'f' suffix needs sm_100 or later");
  }
  return arch;
}

const std::vector<int>& nvrtc_supported_archs() { return nvrtc_facts().archs; }

std::string describe_supported_archs() {
  std::string out;
  auto add = [&](int number, std::string_view suffix) {
    if (!out.empty()) out += ", ";
    out += str_cat("sm_", number, suffix);
  };
  for (int number : nvrtc_supported_archs()) {
    add(number, "");
    if (number >= k_min_arch_specific) add(number, "a");
    if (number >= k_min_family_specific) add(number, "f");
  }
  return out;
}

Result<Arch> validate_arch(std::string_view text) {
  Arch arch = KJIT_TRY(parse_arch(text));
  const auto& supported = nvrtc_supported_archs();
  if (!std::ranges::binary_search(supported, arch.number)) {
    if (supported.empty()) {
      KJIT_TRY_VOID(load_nvrtc());
      return fail(ErrorCode::compile_error, nvrtc_version_string() + " reports no supported arch");
    }
    return fail(ErrorCode::invalid_argument,
                str_cat("arch '", text, "' is not supported by ", nvrtc_version_string(),
                        "; supported: ", describe_supported_archs()));
  }
  return arch;
}

}  // namespace kjit::jit
