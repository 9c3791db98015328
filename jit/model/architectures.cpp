// model_type dispatch; see architectures.h.
//
// Thread safety: pure functions over a constant table.
#include "jit/model/architectures.h"

#include <algorithm>
#include <functional>

#include "jit/util/str_cat.h"

namespace kjit::jit {

namespace {

struct Reader {
  std::string_view model_type;
  std::function<Result<ModelSpec>(const HfConfig&, std::string_view)> read;
};

const std::vector<Reader>& readers() {
  using namespace detail;
  static const std::vector<Reader> table = {
      {"llama", read_llama_family},
      {"qwen2", read_llama_family},
      {"qwen3", read_llama_family},
      {"qwen3_moe", read_llama_family},
      {"mixtral", read_llama_family},
      {"deepseek_v3", read_deepseek_family},
      {"kimi_k2", read_deepseek_family},
      {"deepseek_v32", read_deepseek_family},
      {"gemma3", [](const HfConfig& c, std::string_view) { return read_gemma3(c); }},
      {"gemma3_text", [](const HfConfig& c, std::string_view) { return read_gemma3(c); }},
      {"llama4", [](const HfConfig& c, std::string_view) { return read_llama4(c); }},
      {"llama4_text", [](const HfConfig& c, std::string_view) { return read_llama4(c); }},
      {"qwen3_next", [](const HfConfig& c, std::string_view) { return read_qwen3_next(c); }},
      {"nemotron_h", [](const HfConfig& c, std::string_view) { return read_nemotron_h(c); }},
      {"minimax_m2", [](const HfConfig& c, std::string_view) { return read_minimax_m2(c); }},
  };
  return table;
}

// The checkpoint's dtype: `torch_dtype` (or `dtype`, its newer name) at the
// top level, else in text_config.
Result<std::string> read_dtype(const HfConfig& root) {
  const HfConfig text = root.text();
  for (const HfConfig* c : {&root, &text})
    for (const char* field : {"torch_dtype", "dtype"}) {
      if (!c->has(field)) continue;
      std::string dtype = KJIT_TRY(c->string(field));
      if (dtype != "bfloat16" && dtype != "float16" && dtype != "float32")
        return c->error(field, str_cat("is \"", dtype, "\": expected bfloat16, float16 or float32"));
      return dtype;
    }
  return fail(ErrorCode::invalid_argument,
              str_cat(root.source(), ": missing field 'torch_dtype' (the checkpoint's dtype decides the GEMMs' "
                                     "dtype); copy it from the model's config.json"));
}

}  // namespace

std::vector<std::string_view> supported_model_types() {
  std::vector<std::string_view> out;
  for (const auto& r : readers()) out.push_back(r.model_type);
  std::sort(out.begin(), out.end());
  return out;
}

Result<ModelSpec> read_model_spec(const HfConfig& config) {
  std::string model_type = KJIT_TRY(config.model_type());
  for (const auto& r : readers()) {
    if (r.model_type != model_type) continue;
    ModelSpec spec = KJIT_TRY(r.read(config.text(), model_type));
    spec.model_type = model_type;
    spec.dtype = KJIT_TRY(read_dtype(config));
    return spec;
  }
  std::string known;
  for (auto t : supported_model_types()) known += (known.empty() ? "" : ", ") + std::string(t);
  return fail(ErrorCode::invalid_argument,
              str_cat(config.source(), ": model_type '", model_type, "' is not supported (supported: ", known,
                      "); see docs/model.md for adding an architecture"));
}

}  // namespace kjit::jit
