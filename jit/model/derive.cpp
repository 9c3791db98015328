// The derivation rules; see derive.h and docs/model.md.
//
// Thread safety: pure functions; a Deriver lives on the caller's stack.
#include "jit/model/derive.h"

#include <algorithm>
#include <map>

#include "jit/definition/lint.h"
#include "jit/model/enum_names.h"
#include "jit/model/ops.h"
#include "jit/util/str_cat.h"

namespace kjit::jit {

namespace {

enum class Split { none, tp, ep };  // which parallelism a definition's shape depends on

std::string layers_text(int n) { return str_cat(n, n == 1 ? " layer" : " layers"); }

class Deriver {
 public:
  Deriver(const ModelSpec& spec, const DeriveOptions& options) : m_spec(spec), m_opt(options) {}

  Result<Derivation> run() {
    KJIT_TRY_VOID(norms());
    if (m_spec.attention) KJIT_TRY_VOID(attention(*m_spec.attention));
    if (m_spec.gdn) KJIT_TRY_VOID(gdn(*m_spec.gdn));
    if (m_spec.mamba) KJIT_TRY_VOID(mamba(*m_spec.mamba));
    if (m_spec.dense_mlp) KJIT_TRY_VOID(dense_mlp(*m_spec.dense_mlp));
    if (m_spec.moe) KJIT_TRY_VOID(moe(*m_spec.moe));
    KJIT_TRY_VOID(output());
    m_out.notes.insert(m_out.notes.begin(), m_spec.notes.begin(), m_spec.notes.end());
    return std::move(m_out);
  }

 private:
  // --- bookkeeping
  Result<void> add(DefinitionBuilder b, std::string use, Split split, std::vector<std::string> extra_tags = {}) {
    b.tag("model:" + m_opt.model_name);
    if (split == Split::tp) b.tag(str_cat("tp:", m_opt.tp));
    if (split == Split::ep) b.tag(str_cat("ep:", m_opt.ep));
    for (auto& t : extra_tags) b.tag(std::move(t));
    b.tag("source:kjit");
    Definition d = KJIT_TRY(b.build());
    auto it = m_index.find(d.name);
    if (it != m_index.end()) {
      DerivedDefinition& first = m_out.definitions[it->second];
      if (structure_signature(first.definition) != structure_signature(d))
        return fail(ErrorCode::internal, str_cat("derived two different definitions named '", d.name, "'"));
      if (std::find(first.uses.begin(), first.uses.end(), use) == first.uses.end()) first.uses.push_back(use);
      return {};
    }
    m_index.emplace(d.name, m_out.definitions.size());
    m_out.definitions.push_back({std::move(d), {std::move(use)}});
    return {};
  }

  void note(std::string text) {
    if (std::find(m_out.notes.begin(), m_out.notes.end(), text) == m_out.notes.end())
      m_out.notes.push_back(std::move(text));
  }

  // `value` / tp, or an error naming the field and the flag.
  Result<std::int64_t> per_rank(std::int64_t value, std::int64_t parts, const char* flag, std::string_view field) {
    if (value % parts != 0)
      return fail(ErrorCode::invalid_argument,
                  str_cat("--", flag, " ", parts, " does not divide ", field, " (", value, ") of this model; pick a ",
                          flag, " that divides it"));
    return value / parts;
  }

  bool fused() const { return m_opt.projections != ProjectionForms::split; }
  bool split() const { return m_opt.projections != ProjectionForms::fused; }
  bool quant(QuantSelection q) const { return m_opt.quant == QuantSelection::all || m_opt.quant == q; }

  Result<void> gemm(std::int64_t n, std::int64_t k, std::string use, Split split_by = Split::tp) {
    return add(ops::gemm(n, k, m_spec.dtype), std::move(use), split_by);
  }

  // --- layer parts
  Result<void> norms() {
    const bool zc = m_spec.norm.zero_centered;
    const int blocks = m_spec.num_layers;
    KJIT_TRY_VOID(add(ops::rmsnorm(m_spec.hidden_size, m_spec.norm.eps, zc),
                      str_cat("first norm of the first layer, final norm"), Split::none));
    KJIT_TRY_VOID(add(ops::fused_add_rmsnorm(m_spec.hidden_size, m_spec.norm.eps, zc),
                      str_cat("residual add + norm between sublayers, ", layers_text(blocks)), Split::none));
    return {};
  }

  Result<void> attention(const AttentionSpec& a) {
    const std::string layers = layers_text(a.layers);
    const bool zc = m_spec.norm.zero_centered;
    if (a.kind == AttentionSpec::Kind::gqa) {
      const std::int64_t hq = KJIT_TRY(per_rank(a.num_heads, m_opt.tp, "tp", "num_attention_heads"));
      std::int64_t hkv = 0;
      if (a.num_kv_heads >= m_opt.tp) {
        hkv = KJIT_TRY(per_rank(a.num_kv_heads, m_opt.tp, "tp", "num_key_value_heads"));
      } else if (m_opt.tp % a.num_kv_heads == 0) {
        hkv = 1;
        note(str_cat("num_key_value_heads (", a.num_kv_heads, ") < tp (", m_opt.tp, "): each KV head is replicated on ",
                     m_opt.tp / a.num_kv_heads, " ranks, one per rank"));
      } else {
        return fail(ErrorCode::invalid_argument,
                    str_cat("--tp ", m_opt.tp, " is neither a divisor nor a multiple of num_key_value_heads (",
                            a.num_kv_heads, ")"));
      }
      const std::int64_t d = a.head_dim;
      if (a.qk_norm == QkNorm::per_head)
        KJIT_TRY_VOID(add(ops::rmsnorm(d, m_spec.norm.eps, zc), str_cat("q_norm and k_norm per head, ", layers),
                          Split::none));
      if (a.qk_norm == QkNorm::per_layer) {
        if (m_opt.tp == 1) {
          KJIT_TRY_VOID(add(ops::rmsnorm(hq * d, m_spec.norm.eps, zc), str_cat("q_norm over all heads, ", layers),
                            Split::tp));
          KJIT_TRY_VOID(add(ops::rmsnorm(hkv * d, m_spec.norm.eps, zc), str_cat("k_norm over all heads, ", layers),
                            Split::tp));
        } else {
          note("q/k norms span all heads, which tp splits across ranks (a cross-rank reduction): not derived for "
               "tp > 1");
        }
      }
      const std::int64_t q_out = hq * d * (a.q_gate ? 2 : 1);
      const std::string q_what = a.q_gate ? "q_proj (queries and output gate)" : "q_proj";
      if (fused()) KJIT_TRY_VOID(gemm(q_out + 2 * hkv * d, m_spec.hidden_size, str_cat("qkv_proj (fused), ", layers)));
      if (split()) {
        KJIT_TRY_VOID(gemm(q_out, m_spec.hidden_size, str_cat(q_what, ", ", layers)));
        KJIT_TRY_VOID(gemm(hkv * d, m_spec.hidden_size, str_cat("k_proj and v_proj, ", layers)));
      }
      KJIT_TRY_VOID(gemm(m_spec.hidden_size, hq * d, str_cat("o_proj, ", layers)));
      if (a.rope != RopeStyle::none)
        KJIT_TRY_VOID(add(ops::rope(d, a.rotary_dim, a.rope == RopeStyle::neox), str_cat("rotary embedding, ", layers),
                          Split::none));
      for (std::int64_t ps : m_opt.page_sizes) {
        KJIT_TRY_VOID(add(ops::gqa_paged_decode(hq, hkv, d, ps), str_cat("decode attention, ", layers), Split::tp));
        KJIT_TRY_VOID(add(ops::gqa_paged_prefill(hq, hkv, d, ps), str_cat("prefill attention over cached tokens, ", layers),
                          Split::tp));
      }
      KJIT_TRY_VOID(add(ops::gqa_ragged_prefill(hq, hkv, d), str_cat("prefill attention without cache, ", layers),
                        Split::tp));
      return {};
    }

    // MLA / DSA
    const std::int64_t hq = KJIT_TRY(per_rank(a.num_heads, m_opt.tp, "tp", "num_attention_heads"));
    const std::int64_t qk = a.qk_nope_head_dim + a.qk_rope_head_dim;
    if (a.q_lora_rank > 0)
      KJIT_TRY_VOID(add(ops::rmsnorm(a.q_lora_rank, m_spec.norm.eps, zc), str_cat("q_a_layernorm, ", layers),
                        Split::none));
    KJIT_TRY_VOID(add(ops::rmsnorm(a.kv_lora_rank, m_spec.norm.eps, zc), str_cat("kv_a_layernorm, ", layers),
                      Split::none));
    const std::int64_t kv_a = a.kv_lora_rank + a.qk_rope_head_dim;
    if (a.q_lora_rank > 0) {
      if (fused())
        KJIT_TRY_VOID(gemm(a.q_lora_rank + kv_a, m_spec.hidden_size,
                           str_cat("fused_qkv_a_proj_with_mqa (q_a_proj + kv_a_proj_with_mqa), ", layers), Split::none));
      if (split()) {
        KJIT_TRY_VOID(gemm(a.q_lora_rank, m_spec.hidden_size, str_cat("q_a_proj, ", layers), Split::none));
        KJIT_TRY_VOID(gemm(kv_a, m_spec.hidden_size, str_cat("kv_a_proj_with_mqa, ", layers), Split::none));
      }
      KJIT_TRY_VOID(gemm(hq * qk, a.q_lora_rank, str_cat("q_b_proj, ", layers)));
    } else {
      KJIT_TRY_VOID(gemm(hq * qk, m_spec.hidden_size, str_cat("q_proj, ", layers)));
      KJIT_TRY_VOID(gemm(kv_a, m_spec.hidden_size, str_cat("kv_a_proj_with_mqa, ", layers), Split::none));
    }
    KJIT_TRY_VOID(gemm(hq * (a.qk_nope_head_dim + a.v_head_dim), a.kv_lora_rank,
                       str_cat("kv_b_proj (prefill, expanded keys and values), ", layers)));
    KJIT_TRY_VOID(gemm(m_spec.hidden_size, hq * a.v_head_dim, str_cat("o_proj, ", layers)));
    KJIT_TRY_VOID(add(ops::rope(a.qk_rope_head_dim, a.qk_rope_head_dim, a.rope == RopeStyle::neox),
                      str_cat("rotary embedding of q_pe and k_pe, ", layers), Split::none));
    if (a.kind == AttentionSpec::Kind::mla) {
      for (std::int64_t ps : m_opt.page_sizes) {
        KJIT_TRY_VOID(add(ops::mla_paged_decode(hq, a.kv_lora_rank, a.qk_rope_head_dim, ps),
                          str_cat("decode attention (absorbed MLA), ", layers), Split::tp));
        KJIT_TRY_VOID(add(ops::mla_paged_prefill(hq, a.kv_lora_rank, a.qk_rope_head_dim, ps),
                          str_cat("prefill attention over cached tokens (absorbed MLA), ", layers), Split::tp));
      }
      KJIT_TRY_VOID(add(ops::mla_ragged_prefill(hq, qk, a.v_head_dim),
                        str_cat("prefill attention without cache (expanded MLA), ", layers), Split::tp));
      return {};
    }
    // DSA: sparse MLA over indexer-selected slots; the indexer's projections are replicated.
    if (a.q_lora_rank > 0)
      KJIT_TRY_VOID(gemm(a.index_heads * a.index_head_dim, a.q_lora_rank, str_cat("indexer wq_b, ", layers),
                         Split::none));
    KJIT_TRY_VOID(gemm(a.index_head_dim, m_spec.hidden_size, str_cat("indexer wk, ", layers), Split::none));
    KJIT_TRY_VOID(gemm(a.index_heads, m_spec.hidden_size, str_cat("indexer weights_proj, ", layers), Split::none));
    bool indexer = false;
    for (std::int64_t ps : m_opt.page_sizes) {
      KJIT_TRY_VOID(add(ops::dsa_sparse_attention(hq, a.kv_lora_rank, a.qk_rope_head_dim, a.index_topk, ps),
                        str_cat("sparse attention (prefill and decode), ", layers), Split::tp));
      if (ps == 64) {
        KJIT_TRY_VOID(add(ops::dsa_topk_indexer(a.index_heads, a.index_head_dim, a.index_topk, ps),
                          str_cat("lightning indexer (top-", a.index_topk, " slots), ", layers), Split::none));
        indexer = true;
      }
    }
    if (!indexer)
      note("the DSA indexer's FP8 key cache uses 64-token pages (deep_gemm's layout): add 64 to --page-sizes to "
           "derive dsa_topk_indexer");
    return {};
  }

  Result<void> mlp_projections(std::int64_t intermediate, MlpActivation act, const std::string& what,
                               const std::string& layers) {
    const std::int64_t i = KJIT_TRY(per_rank(intermediate, m_opt.tp, "tp", str_cat(what, " intermediate size")));
    if (act == MlpActivation::relu2) {
      KJIT_TRY_VOID(gemm(i, m_spec.hidden_size, str_cat(what, " up_proj, ", layers)));
    } else {
      if (fused()) KJIT_TRY_VOID(gemm(2 * i, m_spec.hidden_size, str_cat(what, " gate_up_proj (fused), ", layers)));
      if (split()) KJIT_TRY_VOID(gemm(i, m_spec.hidden_size, str_cat(what, " gate_proj and up_proj, ", layers)));
    }
    return gemm(m_spec.hidden_size, i, str_cat(what, " down_proj, ", layers));
  }

  Result<void> dense_mlp(const MlpSpec& mlp) {
    return mlp_projections(mlp.intermediate_size, mlp.activation, "MLP", layers_text(mlp.layers));
  }

  Result<void> moe(const MoeSpec& m) {
    const std::string layers = layers_text(m.layers);
    KJIT_TRY_VOID(gemm(m.num_experts, m_spec.hidden_size, str_cat("router, ", layers), Split::none));
    const std::int64_t local = KJIT_TRY(per_rank(m.num_experts, m_opt.ep, "ep", "the number of routed experts"));
    const ops::MoeShape shape{local, m_spec.hidden_size, m.intermediate_size, m.top_k};
    const std::string use = str_cat("routed experts, ", layers);
    const bool blockable = m_spec.hidden_size % 128 == 0 && m.intermediate_size % 128 == 0;
    if (m_opt.quant == QuantSelection::bf16)
      note("--quant bf16: the dataset has no bf16 form of the routed-experts kernel; pick fp8-block, fp8-tensor or "
           "fp4 to derive it");
    if (quant(QuantSelection::fp8_block)) {
      if (!blockable) {
        note("hidden or expert intermediate size is not a multiple of 128: no FP8 block-scale (128 x 128) form");
      } else if (m.routing == MoeRouting::renormalize) {
        KJIT_TRY_VOID(add(ops::moe_fp8_block_scale_renorm(shape), use, Split::ep));
      } else if (m.routing == MoeRouting::deepseek) {
        KJIT_TRY_VOID(add(ops::moe_fp8_block_scale_ds_routing(shape, m.num_experts, m.n_group, m.topk_group), use,
                          Split::ep));
      } else {
        note("the dataset has no FP8 block-scale MoE form with Llama 4 routing (FP8 per-tensor and FP4 forms are "
             "derived)");
      }
    }
    if (quant(QuantSelection::fp8_tensor)) {
      if (m.routing == MoeRouting::deepseek)
        note("the dataset's FP8 per-tensor MoE form has no DeepSeek (grouped, biased) routing: not derived");
      else
        KJIT_TRY_VOID(add(ops::moe_fp8_per_tensor_scale(shape, m.routing == MoeRouting::llama4), use, Split::ep));
    }
    if (quant(QuantSelection::fp4)) {
      if (m.routing == MoeRouting::deepseek)
        note("FP4 MoE with DeepSeek routing: only the pre-routed form (routing computed outside the kernel) is "
             "derived");
      else
        KJIT_TRY_VOID(add(ops::moe_fp4_block_scale(shape, m.routing == MoeRouting::llama4), use, Split::ep));
      KJIT_TRY_VOID(add(ops::moe_fp4_block_scale_routed(shape), str_cat("routed experts, routing done outside, ", layers),
                        Split::ep));
    }
    if (m.shared_intermediate_size > 0) {
      KJIT_TRY_VOID(mlp_projections(m.shared_intermediate_size, MlpActivation::silu_gated, "shared expert", layers));
      if (m.shared_expert_gate)
        KJIT_TRY_VOID(gemm(1, m_spec.hidden_size, str_cat("shared_expert_gate, ", layers), Split::none));
    }
    return {};
  }

  Result<void> gdn(const GdnSpec& g) {
    const std::string layers = layers_text(g.layers);
    const std::int64_t nk = KJIT_TRY(per_rank(g.num_k_heads, m_opt.tp, "tp", "linear_num_key_heads"));
    const std::int64_t nv = KJIT_TRY(per_rank(g.num_v_heads, m_opt.tp, "tp", "linear_num_value_heads"));
    KJIT_TRY_VOID(gemm(2 * nk * g.head_k_dim + 2 * nv * g.head_v_dim, m_spec.hidden_size,
                       str_cat("linear attention in_proj_qkvz, ", layers)));
    KJIT_TRY_VOID(gemm(2 * nv, m_spec.hidden_size, str_cat("linear attention in_proj_ba, ", layers)));
    KJIT_TRY_VOID(gemm(m_spec.hidden_size, nv * g.head_v_dim, str_cat("linear attention out_proj, ", layers)));
    if (g.head_k_dim != g.head_v_dim) {
      note(str_cat("linear_key_head_dim (", g.head_k_dim, ") differs from linear_value_head_dim (", g.head_v_dim,
                   "): the gdn definitions have one head size; not derived"));
      return {};
    }
    const ops::GdnShape shape{nk, nv, g.head_k_dim};
    KJIT_TRY_VOID(add(ops::gdn_decode(shape), str_cat("linear attention decode, ", layers), Split::tp));
    KJIT_TRY_VOID(add(ops::gdn_prefill(shape), str_cat("linear attention prefill, ", layers), Split::tp));
    KJIT_TRY_VOID(add(ops::gdn_mtp(shape), str_cat("linear attention speculative verification, ", layers), Split::tp));
    return {};
  }

  Result<void> mamba(const MambaSpec& m) {
    const std::string layers = layers_text(m.layers);
    const std::int64_t nh = KJIT_TRY(per_rank(m.num_heads, m_opt.tp, "tp", "mamba_num_heads"));
    const std::int64_t ng = KJIT_TRY(per_rank(m.n_groups, m_opt.tp, "tp", "n_groups"));
    KJIT_TRY_VOID(gemm(2 * nh * m.head_dim + 2 * ng * m.state_size + nh, m_spec.hidden_size,
                       str_cat("Mamba in_proj (z, x, B, C, dt), ", layers)));
    KJIT_TRY_VOID(gemm(m_spec.hidden_size, nh * m.head_dim, str_cat("Mamba out_proj, ", layers)));
    return add(ops::mamba_ssu_decode(nh, m.head_dim, m.state_size, ng), str_cat("Mamba decode state update, ", layers),
               Split::tp);
  }

  Result<void> output() {
    if (m_spec.vocab_size % m_opt.tp == 0)
      KJIT_TRY_VOID(gemm(m_spec.vocab_size / m_opt.tp, m_spec.hidden_size, "lm_head (vocabulary-parallel)"));
    else
      note(str_cat("vocab_size (", m_spec.vocab_size, ") is not a multiple of tp (", m_opt.tp,
                   "): engines pad the vocabulary-parallel lm_head; its GEMM is not derived"));
    for (auto kind : {ops::Sampling::top_k, ops::Sampling::top_p, ops::Sampling::top_k_top_p})
      KJIT_TRY_VOID(add(ops::sampling(kind, m_spec.vocab_size), "sampling the next token", Split::none));
    return {};
  }

  const ModelSpec& m_spec;
  const DeriveOptions& m_opt;
  Derivation m_out;
  std::map<std::string, std::size_t> m_index;
};

}  // namespace

Result<Derivation> derive_definitions(const ModelSpec& spec, const DeriveOptions& options) {
  if (options.model_name.empty())
    return fail(ErrorCode::invalid_argument, "a derivation needs a model name (the model: tag)");
  if (options.tp < 1) return fail(ErrorCode::invalid_argument, str_cat("--tp must be at least 1, got ", options.tp));
  if (options.ep < 1) return fail(ErrorCode::invalid_argument, str_cat("--ep must be at least 1, got ", options.ep));
  if (options.page_sizes.empty())
    return fail(ErrorCode::invalid_argument, "--page-sizes needs at least one page size");
  for (auto ps : options.page_sizes)
    if (ps < 1 || ps > 4096)
      return fail(ErrorCode::invalid_argument, str_cat("--page-sizes: ", ps, " is not a page size in 1..4096"));
  return Deriver(spec, options).run();
}

namespace {

constexpr EnumName<QuantSelection> k_quant_names[] = {{QuantSelection::all, "all"},
                                                      {QuantSelection::bf16, "bf16"},
                                                      {QuantSelection::fp8_block, "fp8-block"},
                                                      {QuantSelection::fp8_tensor, "fp8-tensor"},
                                                      {QuantSelection::fp4, "fp4"}};
constexpr EnumName<ProjectionForms> k_projection_names[] = {
    {ProjectionForms::all, "all"}, {ProjectionForms::fused, "fused"}, {ProjectionForms::split, "split"}};

}  // namespace

Result<QuantSelection> parse_quant(std::string_view text) {
  if (auto quant = enum_value(k_quant_names, text)) return *quant;
  return fail(ErrorCode::invalid_argument,
              str_cat("--quant: unknown value '", text, "' (use ", enum_choices(k_quant_names), ")"));
}

std::string_view to_string(QuantSelection quant) { return enum_name(k_quant_names, quant); }

Result<ProjectionForms> parse_projections(std::string_view text) {
  if (auto forms = enum_value(k_projection_names, text)) return *forms;
  return fail(ErrorCode::invalid_argument,
              str_cat("--projections: unknown value '", text, "' (use ", enum_choices(k_projection_names), ")"));
}

std::string_view to_string(ProjectionForms forms) { return enum_name(k_projection_names, forms); }

}  // namespace kjit::jit
