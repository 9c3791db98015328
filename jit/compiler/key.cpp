// Cache key builder (grammar in key.h).
// Thread safety: pure functions.
#include "jit/compiler/key.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include "jit/compiler/arch.h"
#include "jit/compiler/str_cat.h"

namespace kjit::jit {
namespace {

std::string canonical_hex(XXH128_hash_t hash) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  std::string hex;
  hex.reserve(32);
  constexpr char k_digits[] = "0123456789abcdef";
  for (unsigned char byte : canonical.digest) {
    hex += k_digits[byte >> 4];
    hex += k_digits[byte & 15];
  }
  return hex;
}

// Streams tagged fields into one XXH3-128 state.
class TaggedHasher {
 public:
  TaggedHasher() : m_state(XXH3_createState(), &XXH3_freeState) { XXH3_128bits_reset(m_state.get()); }

  void field(std::string_view tag, std::string_view value) {
    bytes(tag);
    bytes(value);
  }
  std::string hex() const { return canonical_hex(XXH3_128bits_digest(m_state.get())); }

 private:
  void bytes(std::string_view data) {
    unsigned char length[8];
    auto n = static_cast<std::uint64_t>(data.size());
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(n >> (8 * i));  // little-endian
    XXH3_128bits_update(m_state.get(), length, sizeof length);
    XXH3_128bits_update(m_state.get(), data.data(), data.size());
  }

  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> m_state;
};

std::vector<std::string> sorted_unique(std::vector<std::string> values) {
  std::ranges::sort(values);
  const auto dup = std::ranges::unique(values);
  values.erase(dup.begin(), dup.end());
  return values;
}

}  // namespace

std::string xxh3_128_hex(std::string_view bytes) { return canonical_hex(XXH3_128bits(bytes.data(), bytes.size())); }

Key build_key(const KeyInputs& inputs) {
  TaggedHasher hasher;
  Key key;
  auto add = [&](std::string_view tag, std::string_view value, std::string shown) {
    hasher.field(tag, value);
    key.fields.emplace_back(tag, std::move(shown));
  };
  auto add_plain = [&](std::string_view tag, std::string_view value) { add(tag, value, std::string(value)); };
  auto add_list = [&](std::string_view list_tag, std::string_view item_tag, const std::vector<std::string>& items) {
    const auto sorted = sorted_unique(items);
    add_plain(list_tag, std::to_string(sorted.size()));
    for (const auto& item : sorted) add_plain(item_tag, item);
  };

  add_plain("schema", std::to_string(inputs.schema_version));
  add_plain("nvrtc", inputs.nvrtc_version);
  add_plain("cuda_headers", inputs.cuda_header_version);
  add_plain("arch", inputs.arch);
  add_list("options", "option", inputs.options);
  add_list("name_expressions", "name_expression", inputs.name_expressions);
  add("source", inputs.source, detail::str_cat("xxh3-128 ", xxh3_128_hex(inputs.source), ", ", inputs.source.size(), " bytes"));
  key.hex = hasher.hex();
  return key;
}

Result<KeyInputs> key_inputs_for(const Compiler& compiler, const CompileRequest& request) {
  KeyInputs inputs;
  inputs.options = KJIT_TRY(compiler.normalized_options(request));
  // The exact canonical arch: "sm_90a" even when given as "compute_90a".
  inputs.arch = KJIT_TRY(validate_arch(request.arch)).sm();
  inputs.nvrtc_version = compiler.version();
  inputs.cuda_header_version = compiler.header_version();
  inputs.name_expressions = request.name_expressions;
  inputs.source = request.source;
  return inputs;
}

}  // namespace kjit::jit
