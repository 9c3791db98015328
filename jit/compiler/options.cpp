// Option normalization: canonical spellings, defaults, conflicts, sorting.
// Thread safety: pure functions (see options.h).
#include "jit/compiler/options.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>
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
  std::array<std::string_view, 8> names;  // spellings without leading dashes (unused ones empty)
  Kind kind;
  std::string_view canonical;  // prefix of the canonical form
  std::string_view reason = {};
  bool single_valued = false;  // two different values conflict
  bool dash_value = false;     // the value itself starts with '-' (-Xptxas -v)
};

// Every option with more than one spelling, or that kjit controls itself.
// Options not listed here pass through unchanged (NVRTC validates them).
// Rejected options that share a reason share a row.
constexpr Spec k_specs[] = {
    {{"arch", "gpu-architecture"}, Kind::rejected, "",
     "set the architecture with the request's arch (e.g. --arch sm_90a), not as an option"},
    {{"I", "include-path"}, Kind::rejected, "",
     "rendered sources are self-contained; the CUDA toolkit include folders are added automatically"},
    {{"U", "undefine-macro"}, Kind::rejected, "",
     "options are sorted for the cache key, so -U cannot be ordered after -D; remove it"},
    {{"pch", "create-pch", "use-pch", "pch-dir"}, Kind::rejected, "", "precompiled headers are managed by kjit"},
    // Options that read or write files on the compiling machine: a file's
    // content would change the cubin without changing the key (and over HTTP
    // the compile log echoes it to the client), or the compile leaves files behind.
    {{"pre-include", "include"}, Kind::rejected, "",
     "it reads a file on the compiling machine that the cache key cannot see; rendered sources are "
     "self-contained"},
    {{"time", "fdevice-time-trace"}, Kind::rejected, "",
     "it writes a file on the compiling machine; use tools/tune/compile to trace compile phases"},
    // Options that change what NVRTC produces: kjit stores and loads cubins (or PTX by request).
    {{"dlink-time-opt", "dlto", "gen-opt-lto"}, Kind::rejected, "",
     "it makes NVRTC produce LTO IR; kjit produces whole-program cubins"},
    {{"optix-ir", "fdevice-syntax-only"}, Kind::rejected, "", "it changes NVRTC's output; kjit produces cubins"},
    {{"rdc", "relocatable-device-code", "dc", "device-c", "device-w", "dw", "extensible-whole-program", "ewp"},
     Kind::rejected, "", "kjit loads whole-program cubins; relocatable device code is not supported"},
    {{"extra-device-vectorization"}, Kind::flag, "--extra-device-vectorization"},
    {{"restrict"}, Kind::flag, "--restrict"},
    {{"Ofast-compile", "Ofc"}, Kind::value, "--Ofast-compile=", {}, true},
    {{"D", "define-macro"}, Kind::joined, "-D"},
    {{"std"}, Kind::value, "-std=", {}, true},
    {{"G", "device-debug"}, Kind::flag, "-G"},
    {{"lineinfo", "generate-line-info"}, Kind::flag, "-lineinfo"},
    {{"use_fast_math", "use-fast-math"}, Kind::flag, "--use_fast_math"},
    {{"default-device", "device-as-default-execution-space"}, Kind::flag, "-default-device"},
    {{"minimal"}, Kind::flag, "--minimal"},
    {{"Xptxas", "ptxas-options"}, Kind::value, "-Xptxas=", {}, false, true},
    {{"maxrregcount"}, Kind::value, "--maxrregcount=", {}, true},
    {{"ftz"}, Kind::value, "--ftz=", {}, true},
    {{"prec-div", "prec_div"}, Kind::value, "--prec-div=", {}, true},
    {{"prec-sqrt", "prec_sqrt"}, Kind::value, "--prec-sqrt=", {}, true},
    {{"fmad"}, Kind::value, "--fmad=", {}, true},
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

  // std::sort/std::unique rather than the ranges forms: the fuzz build's
  // clang-14 cannot instantiate libstdc++ 12's ranges::subrange.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());

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

namespace {

constexpr std::size_t k_max_request_options = 32;
constexpr std::size_t k_max_request_option_length = 256;

// An option as shown in a message: at most 100 characters, control
// characters and non-ASCII as \xNN (the text came from a client).
std::string shown(std::string_view option) {
  std::string out;
  for (std::size_t i = 0; i < option.size() && i < 100; ++i) {
    unsigned char c = static_cast<unsigned char>(option[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char* k_hex = "0123456789abcdef";
      out += "\\x";
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  if (option.size() > 100) out += "...";
  return out;
}

bool is_identifier(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s.front())) return false;
  return std::ranges::all_of(s, [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> choices) {
  return std::ranges::find(choices, value) != choices.end();
}

// Empty when the canonical option `c` is on the request allow-list, else why not.
std::string request_problem(std::string_view c) {
  auto value_of = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (!c.starts_with(prefix)) return std::nullopt;
    return c.substr(prefix.size());
  };
  for (std::string_view flag : {"-lineinfo", "-G", "--use_fast_math", "--extra-device-vectorization", "--restrict"})
    if (c == flag) return {};
  for (std::string_view prefix : {"--ftz=", "--prec-div=", "--prec-sqrt=", "--fmad="})
    if (auto v = value_of(prefix)) return one_of(*v, {"true", "false"}) ? "" : "the value must be true or false";
  if (auto v = value_of("--maxrregcount=")) {
    int n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size() || n < 16 || n > 255)
      return "the value must be a register count from 16 to 255";
    return {};
  }
  if (auto v = value_of("--Ofast-compile="))
    return one_of(*v, {"0", "min", "mid", "max"}) ? "" : "the value must be 0, min, mid or max";
  if (auto v = value_of("-Xptxas="))
    return one_of(*v, {"-O0", "-O1", "-O2", "-O3", "-v"}) ? "" : "only -Xptxas=-O0..-O3 and -Xptxas=-v are accepted";
  if (auto v = value_of("-std=")) return one_of(*v, {"c++17", "c++20"}) ? "" : "the value must be c++17 or c++20";
  if (auto v = value_of("-D")) {
    std::string_view name = v->substr(0, v->find('='));
    if (!is_identifier(name, 64) || name.starts_with("__"))
      return "the macro name must be a C identifier of at most 64 characters not starting with '__'";
    if (name.size() == v->size()) return {};
    std::string_view value = v->substr(name.size() + 1);
    bool ok = value.size() <= 64 && std::ranges::all_of(value, [](char ch) {
                return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                       ch == '_' || ch == '.' || ch == '+' || ch == '-';
              });
    return ok ? "" : "the macro value must be at most 64 characters of A-Z a-z 0-9 _ . + -";
  }
  for (std::string_view prefix : {"--dopt", "-dopt"})
    if (c.starts_with(prefix)) return "device optimization is set by kjit";
  return "only options that change code generation are accepted from requests";
}

}  // namespace

std::string_view allowed_request_options() {
  return "-lineinfo, -G, --use_fast_math, --extra-device-vectorization, --restrict, --maxrregcount=16..255, "
         "--ftz=true|false, --prec-div=true|false, --prec-sqrt=true|false, --fmad=true|false, "
         "--Ofast-compile=0|min|mid|max, -Xptxas=-O0..-O3, -std=c++17|c++20, -DNAME[=VALUE]";
}

Result<void> check_request_options(std::span<const std::string> extra) {
  if (extra.size() > k_max_request_options)
    return fail(ErrorCode::invalid_argument, str_cat("too many compile options (", extra.size(), "; at most ",
                                                     k_max_request_options, ")"));
  for (std::size_t i = 0; i < extra.size(); ++i) {
    const std::string& option = extra[i];
    auto refuse = [&](std::string_view why) {
      return fail(ErrorCode::invalid_argument, str_cat("compile option '", shown(option),
                                                       "' is not allowed in a request: ", why, ". Allowed: ",
                                                       allowed_request_options()));
    };
    if (option.size() > k_max_request_option_length)
      return refuse(str_cat("it is longer than ", k_max_request_option_length, " characters"));
    const std::string_view next = i + 1 < extra.size() ? std::string_view(extra[i + 1]) : "";
    bool consumed = false;
    auto canonical = canonical_option(option, next, consumed);
    if (!canonical) {
      // Keep normalize_options' reason (e.g. "set the architecture with the request's arch").
      std::string why = canonical.error().message;
      if (auto colon = why.find("': "); colon != std::string::npos) why = why.substr(colon + 3);
      return refuse(why);
    }
    std::string problem = request_problem(*canonical);
    if (!problem.empty()) return refuse(problem);
    if (consumed) ++i;
  }
  return {};
}

std::vector<std::string> include_options(std::span<const std::string> include_dirs) {
  std::vector<std::string> out;
  out.reserve(include_dirs.size());
  for (const auto& dir : include_dirs) out.push_back("-I" + dir);
  return out;
}

}  // namespace kjit::jit
