// Option normalization: canonical spellings, defaults, conflicts, sorting.
// Thread safety: pure functions (see options.h).
#include "jit/compiler/options.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "jit/util/str_cat.h"

namespace kjit::jit {
namespace {


enum class Kind {
  flag,        // no value: -G
  value,       // -name=value (value required)
  joined,      // -Dvalue (short form joined without '=')
  rejected,    // not allowed; `reason` says why
};

struct Spec {
  std::array<std::string_view, 3> names;  // spellings without leading dashes
  Kind kind;
  std::string_view canonical;  // prefix of the canonical form
  std::string_view reason = {};
  bool single_valued = false;  // two different values conflict
  bool dash_value = false;     // the value itself starts with '-' (-Xptxas -v)
};

// Every option with more than one spelling, or that kjit controls itself.
// Options not listed here pass through unchanged (NVRTC validates them).
constexpr Spec k_specs[] = {
    {{"arch", "gpu-architecture", ""}, Kind::rejected, "",
     "set the architecture with the request's arch (e.g. --arch sm_90a), not as an option"},
    {{"I", "include-path", ""}, Kind::rejected, "",
     "rendered sources are self-contained; the CUDA toolkit include folders are added automatically"},
    {{"U", "undefine-macro", ""}, Kind::rejected, "",
     "options are sorted for the cache key, so -U cannot be ordered after -D; remove it"},
    {{"pch", "create-pch", "use-pch"}, Kind::rejected, "", "precompiled headers are managed by kjit"},
    {{"pch-dir", "", ""}, Kind::rejected, "", "precompiled headers are managed by kjit"},
    {{"rdc", "relocatable-device-code", "dc"}, Kind::rejected, "",
     "kjit loads whole-program cubins; relocatable device code is not supported"},
    {{"D", "define-macro", ""}, Kind::joined, "-D"},
    {{"std", "", ""}, Kind::value, "-std=", {}, true},
    {{"G", "device-debug", ""}, Kind::flag, "-G"},
    {{"lineinfo", "generate-line-info", ""}, Kind::flag, "-lineinfo"},
    {{"use_fast_math", "use-fast-math", ""}, Kind::flag, "--use_fast_math"},
    {{"default-device", "device-as-default-execution-space", ""}, Kind::flag, "-default-device"},
    {{"minimal", "", ""}, Kind::flag, "--minimal"},
    {{"Xptxas", "ptxas-options", ""}, Kind::value, "-Xptxas=", {}, false, true},
    {{"maxrregcount", "", ""}, Kind::value, "--maxrregcount=", {}, true},
    {{"ftz", "", ""}, Kind::value, "--ftz=", {}, true},
    {{"prec-div", "prec_div", ""}, Kind::value, "--prec-div=", {}, true},
    {{"prec-sqrt", "prec_sqrt", ""}, Kind::value, "--prec-sqrt=", {}, true},
    {{"fmad", "", ""}, Kind::value, "--fmad=", {}, true},
};

const Spec* find_spec(std::string_view name) {
  for (const auto& spec : k_specs) {
    for (auto n : spec.names) {
      if (!n.empty() && n == name) return &spec;
    }
  }
  return nullptr;
}

std::unexpected<Error> bad_option(std::string_view option, std::string_view why) {
  return fail(ErrorCode::invalid_argument, str_cat("compile option '", option, "': ", why));
}

// The part of a canonical option that must be unique: up to the first '='
// ("-std" of "-std=c++17", "-DNAME" of "-DNAME=1").
std::string conflict_key(std::string_view canonical) {
  return std::string(canonical.substr(0, canonical.find('=')));
}

bool is_single_valued(std::string_view canonical) {
  if (canonical.starts_with("-D")) return true;
  for (const auto& spec : k_specs) {
    if (spec.single_valued && canonical.starts_with(spec.canonical)) return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(OutputKind kind) { return kind == OutputKind::cubin ? "cubin" : "ptx"; }

Result<std::string> canonical_option(std::string_view option, std::string_view next, bool& consumed) {
  consumed = false;
  if (option.empty() || option.front() != '-' || option == "-" || option == "--") {
    return bad_option(option, "not an option (options start with '-')");
  }
  const bool long_form = option.starts_with("--");
  std::string_view body = option.substr(long_form ? 2 : 1);
  std::string_view name = body.substr(0, body.find('='));
  std::optional<std::string_view> value;
  if (auto eq = body.find('='); eq != std::string_view::npos) value = body.substr(eq + 1);

  const Spec* spec = find_spec(name);
  // Short joined forms: -DNAME=1, -Ipath, -Uname.
  if (spec == nullptr && !long_form && !body.empty() && (body[0] == 'D' || body[0] == 'I' || body[0] == 'U')) {
    spec = find_spec(body.substr(0, 1));
    value = body.substr(1);
  }
  if (spec == nullptr) return std::string(option);  // pass through; NVRTC validates it

  auto take_value = [&]() -> Result<std::string_view> {
    if (value) return *value;
    if (next.empty() || (next.front() == '-' && !spec->dash_value)) return bad_option(option, "needs a value");
    consumed = true;
    return next;
  };
  switch (spec->kind) {
    case Kind::rejected:
      return bad_option(option, spec->reason);
    case Kind::flag:
      if (value) return bad_option(option, "takes no value");
      return std::string(spec->canonical);
    case Kind::value:
    case Kind::joined: {
      std::string_view v = KJIT_TRY(take_value());
      if (v.empty()) return bad_option(option, "needs a value");
      return std::string(spec->canonical) + std::string(v);
    }
  }
  return std::string(option);
}

Result<std::vector<std::string>> normalize_options(const OptionRequest& request) {
  std::vector<std::string> user;
  for (std::size_t i = 0; i < request.extra.size(); ++i) {
    const std::string_view next = i + 1 < request.extra.size() ? std::string_view(request.extra[i + 1]) : "";
    bool consumed = false;
    user.push_back(KJIT_TRY(canonical_option(request.extra[i], next, consumed)));
    if (consumed) ++i;
  }

  std::vector<std::string> out;
  out.push_back("-arch=" + (request.output == OutputKind::cubin ? request.arch.sm() : request.arch.compute()));
  if (std::ranges::none_of(user, [](const std::string& o) { return o.starts_with("-std="); })) {
    out.push_back(str_cat("-std=", k_default_std));
  }
  if (request.output == OutputKind::cubin) out.emplace_back("-Xptxas=-v");
  if (request.lineinfo) out.emplace_back("-lineinfo");
  if (request.debug) out.emplace_back("-G");
  // Always --minimal: NVRTC leaves texture/surface functions, the cudadevrt device runtime API
  // and related runtime types out of its builtin header (kjit's kernels use none of them). The
  // cubins are byte-identical with and without it for every shipped template; it saves ~4% of
  // a small kernel's compile (rmsnorm_h4096: 692M -> 668M instructions, docs/perf/cache.md).
  out.emplace_back("--minimal");
  out.insert(out.end(), user.begin(), user.end());

  std::ranges::sort(out);
  const auto dup = std::ranges::unique(out);
  out.erase(dup.begin(), dup.end());

  std::map<std::string, std::string> seen;  // conflict key -> first option
  for (const auto& option : out) {
    if (!is_single_valued(option)) continue;
    auto [it, inserted] = seen.emplace(conflict_key(option), option);
    if (!inserted) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("compile options '", it->second, "' and '", option, "' conflict: give one value"));
    }
  }
  return out;
}

std::vector<std::string> include_options(std::span<const std::string> include_dirs) {
  std::vector<std::string> out;
  out.reserve(include_dirs.size());
  for (const auto& dir : include_dirs) out.push_back("-I" + dir);
  return out;
}

}  // namespace kjit::jit
