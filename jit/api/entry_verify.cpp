// verify_entry: see entry_verify.h.
#include "jit/api/entry_verify.h"

#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "jit/codegen/launch_plan.h"
#include "jit/compiler/arch.h"
#include "jit/compiler/key.h"
#include "jit/definition/names.h"
#include "jit/util/str_cat.h"

namespace kjit::jit {
namespace {

constexpr std::uint16_t k_em_cuda = 190;

std::unexpected<Error> refuse(std::string why) { return fail(ErrorCode::corruption, std::move(why)); }

template <class T>
T le(const std::uint8_t* p) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(p[i]) << (8 * i);
  return v;
}

// Every symbol name in the ELF symbol tables of `b` (bounds-checked: the
// bytes are hostile). nullopt when the section or symbol tables are malformed.
std::optional<std::set<std::string>> elf_symbols(std::span<const std::uint8_t> b) {
  auto in = [&](std::uint64_t off, std::uint64_t len) { return off <= b.size() && len <= b.size() - off; };
  const auto shoff = le<std::uint64_t>(b.data() + 0x28);
  const auto shentsize = le<std::uint16_t>(b.data() + 0x3a);
  const auto shnum = le<std::uint16_t>(b.data() + 0x3c);
  if (shentsize < 64 || !in(shoff, std::uint64_t{shentsize} * shnum)) return std::nullopt;
  std::set<std::string> names;
  for (std::uint16_t i = 0; i < shnum; ++i) {
    const std::uint8_t* sh = b.data() + shoff + std::uint64_t{shentsize} * i;
    if (le<std::uint32_t>(sh + 4) != 2 /* SHT_SYMTAB */) continue;
    const auto off = le<std::uint64_t>(sh + 24), size = le<std::uint64_t>(sh + 32);
    const auto link = le<std::uint32_t>(sh + 40);
    if (!in(off, size) || link >= shnum) return std::nullopt;
    const std::uint8_t* str_sh = b.data() + shoff + std::uint64_t{shentsize} * link;
    const auto str_off = le<std::uint64_t>(str_sh + 24), str_size = le<std::uint64_t>(str_sh + 32);
    if (!in(str_off, str_size)) return std::nullopt;
    const char* strtab = reinterpret_cast<const char*>(b.data() + str_off);
    for (std::uint64_t at = 0; at + 24 <= size; at += 24) {
      const auto name = le<std::uint32_t>(b.data() + off + at);
      if (name == 0 || name >= str_size) continue;
      const void* end = std::memchr(strtab + name, '\0', str_size - name);
      if (!end) return std::nullopt;
      names.emplace(strtab + name, static_cast<const char*>(end));
    }
  }
  return names;
}

Result<void> check_cubin(std::span<const std::uint8_t> b, const Arch& arch, const std::set<std::string>& kernels) {
  constexpr std::size_t k_header = 64;  // Elf64_Ehdr
  if (b.size() < k_header) return refuse(str_cat("its cubin is ", b.size(), " bytes, shorter than an ELF header"));
  if (b[4] != 2 || b[5] != 1) return refuse("its cubin is not a 64-bit little-endian ELF file");
  const auto machine = le<std::uint16_t>(b.data() + 18);
  if (machine != k_em_cuda) return refuse(str_cat("its cubin is an ELF file for machine ", machine, ", not CUDA (190)"));
  const auto flags = le<std::uint32_t>(b.data() + 48);
  const int abi_version = b[8];
  const int sm = abi_version >= 8 ? static_cast<int>((flags >> 8) & 0xff) : static_cast<int>(flags & 0xff);
  if (sm != arch.number)
  {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08x", flags);
    return refuse(str_cat("its cubin is for sm_", sm, " (ELF e_flags 0x", hex, "), not ", arch.sm()));
  }
  // The kernels its plan launches must be in it: a cubin of another
  // definition (same arch, valid ELF) carries other symbols.
  auto symbols = elf_symbols(b);
  if (!symbols) return refuse("its cubin's section or symbol tables are malformed");
  for (const auto& k : kernels)
    if (!symbols->contains(k))
      return refuse(str_cat("its cubin does not define '", k, "', a kernel its launch plan calls: it is another kernel's binary"));
  return {};
}

Result<void> check_ptx(std::string_view text, const Arch& arch, const std::set<std::string>& kernels) {
  const std::size_t at = text.find(".target ");
  if (at == std::string_view::npos || text.find(".version") == std::string_view::npos)
    return refuse("its binary is neither a cubin (ELF) nor PTX text");
  std::string_view target = text.substr(at + 8);
  target = target.substr(0, target.find_first_of(", \t\r\n"));
  if (target != arch.sm()) return refuse(str_cat("its PTX targets ", target, ", not ", arch.sm()));
  for (const auto& k : kernels)
    if (text.find(str_cat(".entry ", k)) == std::string_view::npos)
      return refuse(str_cat("its PTX does not define '", k, "', a kernel its launch plan calls: it is another kernel's code"));
  return {};
}

Result<void> check_binary(const cache::Entry& e, const Arch& arch, const std::set<std::string>& kernels) {
  static constexpr std::uint8_t k_elf_magic[4] = {0x7f, 'E', 'L', 'F'};
  if (e.cubin.size() >= 4 && std::memcmp(e.cubin.data(), k_elf_magic, 4) == 0) return check_cubin(e.cubin, arch, kernels);
  return check_ptx(std::string_view(reinterpret_cast<const char*>(e.cubin.data()), e.cubin.size()), arch, kernels);
}

// The plan, lowered names and resources parse, and every launch has a lowered
// name; returns the lowered (binary) names of the launched kernels.
Result<std::set<std::string>> check_metadata(const cache::Entry& e) {
  std::set<std::string> lowered, kernels;
  try {
    auto plan = LaunchPlan::from_json(nlohmann::json::parse(e.launch_plan_json));
    if (!plan) return refuse(str_cat("its launch plan is not a valid plan: ", plan.error().message));
    const auto names = nlohmann::json::parse(e.lowered_names_json);
    if (!names.is_object()) return refuse("its lowered names are not a JSON object");
    for (auto it = names.begin(); it != names.end(); ++it) {
      if (!it->is_string() || it->get<std::string>().empty())
        return refuse(str_cat("its lowered name for '", it.key(), "' is not a non-empty string"));
      lowered.insert(it.key());
    }
    for (const auto& launch : plan->launches) {
      if (!lowered.contains(launch.entry))
        return refuse(str_cat("its launch plan calls '", launch.entry, "', which has no lowered name"));
      kernels.insert(names.at(launch.entry).get<std::string>());
    }
    if (!nlohmann::json::accept(e.resources_json)) return refuse("its resources are not JSON");
  } catch (const nlohmann::json::exception& ex) {
    return refuse(str_cat("its launch plan, lowered names or resources are not JSON: ", ex.what()));
  }
  return kernels;
}

}  // namespace

Result<void> verify_entry(const cache::Entry& e) {
  // The names are not part of the key but end up in file names, listings and
  // terminals: the same rule as a definition's own (jit/definition/names.h).
  if (auto ok = check_definition_name(e.definition); !ok) return refuse(ok.error().message);
  if (!e.op_type.empty() && !is_valid_identifier(e.op_type)) return refuse("its op_type is not an identifier");
  if (e.key_inputs_json.empty()) return refuse("it carries no key inputs, so its key cannot be recomputed");
  auto inputs = key_inputs_from_json(e.key_inputs_json, e.source, e.launch_plan_json);
  if (!inputs) return refuse(str_cat("its ", inputs.error().message));
  if (inputs->schema_version != k_key_schema_version)
    return refuse(str_cat("its key was built with key schema ", inputs->schema_version, ", this kjit builds schema ",
                          k_key_schema_version));
  const std::string recomputed = build_key(*inputs).hex;
  if (recomputed != e.key)
    return refuse(str_cat("its content does not belong to its key: its source, plan and key inputs hash to ",
                          recomputed));
  if (inputs->arch != e.arch) return refuse(str_cat("its key inputs name arch ", inputs->arch, ", the entry ", e.arch));
  if (inputs->nvrtc_version != e.nvrtc_version)
    return refuse(str_cat("its key inputs name ", inputs->nvrtc_version, ", the entry ", e.nvrtc_version));
  auto arch = parse_arch(e.arch);
  if (!arch) return refuse(str_cat("its arch '", e.arch, "' is not an arch: ", arch.error().message));
  const auto kernels = KJIT_TRY(check_metadata(e));
  return check_binary(e, *arch, kernels);
}

}  // namespace kjit::jit
