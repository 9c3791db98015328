// Key: the cache key of one compile, XXH3-128 over tagged fields.
//
// Grammar of the hashed byte stream (all integers u64 little-endian):
//
//   stream  := field*
//   field   := tag_len tag value_len value
//   fields, in this order:
//     "schema"           decimal k_key_schema_version
//     "nvrtc"            Compiler::version()      e.g. "nvrtc 13.0 (V13.0.88, CL-36424714)"
//     "cuda_headers"     Compiler::header_version() e.g. "cuda 13000, cccl 3000001"
//     "arch"             exact arch                e.g. "sm_90a" (not "sm_90")
//     "options"          decimal count, then one "option" field per option (sorted, unique)
//     "name_expressions" decimal count, then one "name_expression" field each (sorted, unique)
//     "source"           the full rendered source
//     "plan"             the launch plan as stored and served (canonical JSON
//                        text), so a plan-only template edit changes the key
//
// A length before every tag and value means no two different inputs give
// the same stream: ("ab","c") and ("a","bc") differ. Options and name
// expressions are sorted here too, so their order never matters. Nothing
// depends on paths or mtimes: the toolkit location is not an input, its
// header version is. Changing this grammar bumps k_key_schema_version.
//
// Stored key inputs (`key_inputs_to_json`): every field above except the
// source and the plan, which a cache entry holds anyway, as the JSON object
//   {"schema": 2, "nvrtc": "...", "cuda_headers": "...", "arch": "sm_90a",
//    "options": [...], "name_expressions": [...]}
// so that anyone holding an entry can recompute its key (bundle import,
// `kjit cache verify`, remote tiers: jit/api/entry_verify.h).
//
// Thread safety: pure functions; `key_inputs_for` reads only thread-safe
// process-wide facts through the Compiler.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "jit/util/error.h"
#include "jit/compiler/compiler.h"

namespace kjit::jit {

// Bump whenever the key grammar or the meaning of a field changes.
// 2: the launch plan became a field (1 keyed the source only, so a plan-only
// edit was served stale from the cache).
inline constexpr int k_key_schema_version = 2;

struct KeyInputs {
  int schema_version = k_key_schema_version;
  std::string nvrtc_version;
  std::string cuda_header_version;
  std::string arch;
  std::vector<std::string> options;
  std::vector<std::string> name_expressions;
  std::string source;
  std::string plan;  // canonical JSON text of the launch plan
};

struct Key {
  std::string hex;  // 32 lowercase hex digits (XXH128 canonical, high half first)
  // tag -> printable value, in hash order, for `kjit show --key-inputs`;
  // "source" and "plan" are shown as "xxh3-128 <hex>, <n> bytes".
  std::vector<std::pair<std::string, std::string>> fields;
};

Key build_key(const KeyInputs& inputs);

// The stored form of `inputs` (without source and plan, see above).
std::string key_inputs_to_json(const KeyInputs& inputs);
// The inputs back from their stored form plus the entry's `source` and `plan`.
// Errors: corruption when `json` is not the stored form (missing or mistyped
// field, not JSON).
Result<KeyInputs> key_inputs_from_json(std::string_view json, std::string source, std::string plan);

// The inputs for compiling `request` with `compiler` and serving it with the
// launch plan `plan_json`: the same validation and normalization as
// `compile()`, so key and compile always agree.
// Errors: invalid_argument for a bad arch or option.
Result<KeyInputs> key_inputs_for(const Compiler& compiler, const CompileRequest& request, std::string plan_json);

}  // namespace kjit::jit
