// libFuzzer target: the definition loader. Any bytes as a definition file
// must parse, validate and (when valid) go through what the loader and lint
// do with a definition (dedup comparison, structure and identity signatures,
// location check, name lookups) without crashing, hanging or tripping
// ASan/UBSan. Built and run by tools/dev/fuzz.sh (clang-14).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jit/definition/definition_set.h"
#include "jit/definition/lint.h"
#include "jit/definition/names.h"
#include "jit/definition/parse.h"
#include "jit/definition/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kjit::jit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  FileParse parsed = parse_definition_text(text, "defs/rmsnorm/fuzz.json");
  for (const auto& issue : parsed.issues) {
    (void)issue.to_string();
    (void)issue.to_json().dump();
  }
  if (parsed.definition) {
    const Definition& d = *parsed.definition;
    (void)same_content(d, d);
    (void)structure_signature(d);
    (void)identity_signature(d);
    (void)validate_location(d, "defs/rmsnorm/fuzz.json", "defs");
    (void)d.tag_values("model");
    for (const auto& a : d.axes) (void)d.const_value(a.name);
    // Names of a loaded definition are valid by construction.
    if (!is_valid_definition_name(d.name) || !is_valid_definition_name(d.op_type)) __builtin_trap();
    for (const auto& t : d.inputs)
      if (!is_valid_identifier(t.name)) __builtin_trap();
  }
  // The name rules on the raw bytes (they see client text too).
  (void)printable_name(text);
  (void)definition_name_problem(text.substr(0, 300));
  (void)check_definition_name(text.substr(0, 300));
  return 0;
}
