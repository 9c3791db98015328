// Cache key builder (grammar in key.h).
// Thread safety: pure functions.
#include "jit/compiler/key.h"

#include <algorithm>
#include <cstdint>
#include <memory>

#include <nlohmann/json.hpp>

#include "jit/compiler/arch.h"
#include "jit/util/hash.h"
#include "jit/util/str_cat.h"

namespace kjit::jit {
namespace {

// Streams tagged fields into one XXH3-128 state.
class TaggedHasher {
 public:
  void field(std::string_view tag, std::string_view value) {
    bytes(tag);
    bytes(value);
  }
  std::string hex() const { return m_state.hex(); }

 private:
  void bytes(std::string_view data) {
    unsigned char length[8];
    auto n = static_cast<std::uint64_t>(data.size());
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(n >> (8 * i));  // little-endian
    m_state.update(std::span<const std::uint8_t>(length));
    m_state.update(data);
  }

  Xxh3Hasher m_state;
};

std::vector<std::string> sorted_unique(std::vector<std::string> values) {
  std::ranges::sort(values);
  const auto dup = std::ranges::unique(values);
  values.erase(dup.begin(), dup.end());
  return values;
}

// Calls `f(name, field)` for each KeyInputs field that key_inputs_to_json
// holds (source and plan are stored beside it), in its order: one list for
// both directions.
template <class Inputs, class F>
void for_each_json_field(Inputs& inputs, F&& f) {
  f("schema", inputs.schema_version);
  f("nvrtc", inputs.nvrtc_version);
  f("cuda_headers", inputs.cuda_header_version);
  f("arch", inputs.arch);
  f("options", inputs.options);
  f("name_expressions", inputs.name_expressions);
}

}  // namespace

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
  auto add_text = [&](std::string_view tag, std::string_view text) {
    add(tag, text, str_cat("xxh3-128 ", xxh3_128_hex(text), ", ", text.size(), " bytes"));
  };
  add_text("source", inputs.source);
  add_text("plan", inputs.plan);
  key.hex = hasher.hex();
  return key;
}

std::string key_inputs_to_json(const KeyInputs& inputs) {
  nlohmann::ordered_json j;
  for_each_json_field(inputs, [&](const char* name, const auto& value) { j[name] = value; });
  return j.dump();
}

Result<KeyInputs> key_inputs_from_json(std::string_view json, std::string source, std::string plan) {
  KeyInputs inputs;
  try {
    const auto j = nlohmann::json::parse(json);
    for_each_json_field(inputs, [&](const char* name, auto& value) { j.at(name).get_to(value); });
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::corruption, str_cat("malformed key inputs: ", e.what()));
  }
  inputs.source = std::move(source);
  inputs.plan = std::move(plan);
  return inputs;
}

Result<KeyInputs> key_inputs_for(const Compiler& compiler, const CompileRequest& request, std::string plan_json) {
  KeyInputs inputs;
  inputs.options = KJIT_TRY(compiler.normalized_options(request));
  // The exact canonical arch: "sm_90a" even when given as "compute_90a".
  inputs.arch = KJIT_TRY(validate_arch(request.arch)).sm();
  inputs.nvrtc_version = compiler.version();
  inputs.cuda_header_version = compiler.header_version();
  inputs.name_expressions = request.name_expressions;
  inputs.source = request.source;
  inputs.plan = std::move(plan_json);
  return inputs;
}

}  // namespace kjit::jit
