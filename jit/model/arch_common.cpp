// Field readers shared by the architecture families; see architectures.h.
//
// Thread safety: pure functions.
#include "jit/model/architectures.h"
#include "jit/util/str_cat.h"

namespace kjit::jit::detail {

Result<ModelSpec> read_basics(const HfConfig& c, std::string family, std::string_view eps_field) {
  ModelSpec spec;
  spec.family = std::move(family);
  spec.hidden_size = KJIT_TRY(c.positive("hidden_size"));
  spec.vocab_size = KJIT_TRY(c.positive("vocab_size"));
  spec.num_layers = static_cast<int>(KJIT_TRY(c.positive("num_hidden_layers")));
  spec.norm.eps = KJIT_TRY(c.number(eps_field));
  if (spec.norm.eps <= 0) return c.error(eps_field, "must be a positive number");
  return spec;
}

Result<MoeSpec> read_moe(const HfConfig& c, MoeRouting routing, std::string_view experts_field,
                         std::string_view intermediate_field) {
  MoeSpec moe;
  moe.routing = routing;
  moe.num_experts = KJIT_TRY(c.positive(experts_field));
  moe.top_k = KJIT_TRY(c.positive("num_experts_per_tok"));
  moe.intermediate_size = KJIT_TRY(c.positive(intermediate_field));
  return moe;
}

Result<std::int64_t> positive_or(const HfConfig& c, ModelSpec& spec, std::string_view field, std::int64_t fallback,
                                 std::string rule) {
  if (c.has(field)) return c.positive(field);
  spec.derived.push_back({std::string(field), fallback, std::move(rule)});
  return fallback;
}

Result<AttentionSpec> read_gqa(const HfConfig& c, ModelSpec& spec, std::string_view head_dim_field) {
  AttentionSpec a;
  a.kind = AttentionSpec::Kind::gqa;
  a.num_heads = KJIT_TRY(c.positive("num_attention_heads"));
  a.num_kv_heads = KJIT_TRY(positive_or(c, spec, "num_key_value_heads", a.num_heads,
                                        "num_attention_heads (config has no num_key_value_heads: multi-head "
                                        "attention)"));
  if (a.num_heads % a.num_kv_heads != 0)
    return c.error("num_key_value_heads", str_cat(a.num_kv_heads, " does not divide num_attention_heads (",
                                                  a.num_heads, ")"));
  if (!c.has(head_dim_field) && spec.hidden_size % a.num_heads != 0)
    return c.error(head_dim_field, str_cat("missing, and hidden_size (", spec.hidden_size,
                                           ") is not a multiple of num_attention_heads (", a.num_heads,
                                           "), so it cannot be hidden_size / num_attention_heads; add it"));
  a.head_dim = KJIT_TRY(positive_or(c, spec, head_dim_field, spec.hidden_size / a.num_heads,
                                    "hidden_size / num_attention_heads (config has no head_dim)"));
  a.rope = RopeStyle::neox;
  a.rotary_dim = a.head_dim;
  return a;
}

}  // namespace kjit::jit::detail
