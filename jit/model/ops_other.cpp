// Sampling, rotary embedding and recurrent-layer (Gated DeltaNet, Mamba-2)
// definition forms; see ops.h.
//
// Thread safety: pure functions.
#include "jit/model/ops.h"

#include "jit/util/str_cat.h"

namespace kjit::jit::ops {

namespace {
using Shape = std::vector<std::string>;
}  // namespace

DefinitionBuilder sampling(Sampling kind, std::int64_t vocab) {
  const char* stem = kind == Sampling::top_k ? "top_k_sampling_from_probs"
                     : kind == Sampling::top_p ? "top_p_sampling_from_probs"
                                               : "top_k_top_p_sampling_from_probs";
  const char* what = kind == Sampling::top_k ? "top-k"
                     : kind == Sampling::top_p ? "top-p (nucleus)"
                                               : "top-k then top-p";
  DefinitionBuilder b(str_cat(stem, "_v", vocab), "sampling",
                      str_cat("Draws one token per row from ", vocab, " probabilities after ", what, " filtering."));
  b.tag(str_cat("fi_api:flashinfer.sampling.", stem));
  b.var_axis("batch_size", "Rows (sequences).").const_axis("vocab_size", vocab, "Vocabulary size.");
  b.input("probs", Shape{"batch_size", "vocab_size"}, "float32", "Probabilities (softmax of the logits).");
  if (kind != Sampling::top_p) b.input("top_k", Shape{"batch_size"}, "int32", "Tokens kept per row (<= 0: all).");
  if (kind != Sampling::top_k)
    b.input("top_p", Shape{"batch_size"}, "float32", "Probability mass kept per row (nucleus threshold).");
  b.output("samples", {"batch_size"}, "int64", "Drawn token ids.");
  const char* reference = kind == Sampling::top_k ? "top_k_sampling"
                          : kind == Sampling::top_p ? "top_p_sampling"
                                                    : "top_k_top_p_sampling";
  b.reference(reference, {{"VOCAB_SIZE", str_cat(vocab)}});
  return b;
}

DefinitionBuilder rope(std::int64_t head_size, std::int64_t rotary_dim, bool neox) {
  DefinitionBuilder b(str_cat("rope_with_cos_sin_cache_", neox ? "neox" : "gptj", "_style_d", head_size, "_rd",
                              rotary_dim),
                      "rope",
                      str_cat("Rotary position embedding of q and k from a cos/sin cache, ",
                              neox ? "NeoX style (dimension j pairs with j + rotary_dim/2)"
                                   : "GPT-J style (dimensions 2j and 2j+1 form a pair)",
                              "; the first ", rotary_dim, " of ", head_size, " dimensions rotate."));
  b.tag("fi_api:flashinfer.rope.apply_rope_with_cos_sin_cache_inplace");
  b.var_axis("num_tokens", "Tokens.");
  b.var_axis("num_qo_heads", "Query heads.");
  b.var_axis("num_kv_heads", "Key heads.");
  b.const_axis("head_size", head_size, "Head dimension.");
  b.const_axis("rotary_dim", rotary_dim, "Rotated dimensions per head.");
  b.var_axis("max_seq_len", "Positions in the cos/sin cache.");
  b.input("q", Shape{"num_tokens", "num_qo_heads", "head_size"}, "bfloat16", "Queries.");
  b.input("k", Shape{"num_tokens", "num_kv_heads", "head_size"}, "bfloat16", "Keys.");
  b.input("cos_sin_cache", Shape{"max_seq_len", "rotary_dim"}, "float32",
          "Per position: rotary_dim/2 cosines, then rotary_dim/2 sines.");
  b.input("positions", Shape{"num_tokens"}, "int64", "Position of each token.");
  b.output("q_out", {"num_tokens", "num_qo_heads", "head_size"}, "bfloat16", "Rotated queries.");
  b.output("k_out", {"num_tokens", "num_kv_heads", "head_size"}, "bfloat16", "Rotated keys.");
  b.reference(neox ? "rope_neox" : "rope_gptj", {{"HEAD_SIZE", str_cat(head_size)}, {"ROTARY_DIM", str_cat(rotary_dim)}});
  return b;
}

namespace {

std::string gdn_name(const char* stage, const GdnShape& s) {
  return str_cat("gdn_", stage, "_qk", s.q_heads, "_v", s.v_heads, "_d", s.head_size, "_k_last");
}

void gdn_head_axes(DefinitionBuilder& b, const GdnShape& s) {
  b.const_axis("num_q_heads", s.q_heads, "Query heads.");
  b.const_axis("num_k_heads", s.q_heads, "Key heads (as many as query heads).");
  b.const_axis("num_v_heads", s.v_heads, "Value heads (each q/k head serves num_v_heads / num_q_heads).");
  b.const_axis("head_size", s.head_size, "Key and value head dimension.");
}

void gdn_gates(DefinitionBuilder& b, const Shape& token_rows) {
  Shape per_head = token_rows;
  per_head.push_back("num_v_heads");
  b.input("A_log", Shape{"num_v_heads"}, "float32", "Log decay rate: g = exp(-exp(A_log) * softplus(a + dt_bias)).");
  b.input("a", per_head, "bfloat16", "Decay input per token and value head.");
  b.input("dt_bias", Shape{"num_v_heads"}, "float32", "Bias added to a before softplus.");
  b.input("b", per_head, "bfloat16", "Update gate input: beta = sigmoid(b).");
}

ReferenceValues gdn_values(const GdnShape& s) {
  return {{"NUM_Q_HEADS", str_cat(s.q_heads)},
          {"NUM_K_HEADS", str_cat(s.q_heads)},
          {"NUM_V_HEADS", str_cat(s.v_heads)},
          {"HEAD_SIZE", str_cat(s.head_size)}};
}

Shape with(Shape base, std::initializer_list<const char*> more) {
  for (const char* m : more) base.push_back(m);
  return base;
}

// The value heads share the q/k heads evenly (decode and MTP).
void gdn_head_constraints(DefinitionBuilder& b) {
  b.constraint("num_v_heads >= num_q_heads")
      .constraint("num_v_heads % num_q_heads == 0")
      .constraint("num_k_heads == num_q_heads");
}

// q, k and v of `rows` tokens.
void gdn_qkv_inputs(DefinitionBuilder& b, const Shape& rows) {
  b.input("q", with(rows, {"num_q_heads", "head_size"}), "bfloat16", "Queries.");
  b.input("k", with(rows, {"num_k_heads", "head_size"}), "bfloat16", "Keys.");
  b.input("v", with(rows, {"num_v_heads", "head_size"}), "bfloat16", "Values.");
}

}  // namespace

DefinitionBuilder gdn_decode(const GdnShape& s) {
  DefinitionBuilder b(gdn_name("decode", s), "gdn",
                      str_cat("Gated DeltaNet decode (one token per sequence) with ", s.q_heads, " q/k heads and ",
                              s.v_heads, " value heads of dimension ", s.head_size,
                              "; recurrent state stored k-last [value head, V, K]."));
  b.tag("stage:decode").tag("layout:k-last").tag("fi_api:flashinfer.gdn.gated_delta_rule_decode");
  b.var_axis("batch_size", "Sequences.");
  b.const_axis("seq_len", 1, "Tokens per sequence (one).");
  gdn_head_axes(b, s);
  gdn_head_constraints(b);
  const Shape rows{"batch_size", "seq_len"};
  gdn_qkv_inputs(b, rows);
  b.input("state", Shape{"batch_size", "num_v_heads", "head_size", "head_size"}, "float32",
          "State before the token (zero when absent).", true);
  gdn_gates(b, rows);
  b.input("scale", std::nullopt, "float32", "Output scale (0: 1/sqrt(head_size)).");
  b.output("output", with(rows, {"num_v_heads", "head_size"}), "bfloat16", "Output per value head.");
  b.output("new_state", {"batch_size", "num_v_heads", "head_size", "head_size"}, "float32", "State after the token.");
  b.reference("gdn_decode", gdn_values(s));
  return b;
}

DefinitionBuilder gdn_prefill(const GdnShape& s) {
  DefinitionBuilder b(gdn_name("prefill", s), "gdn",
                      str_cat("Gated DeltaNet prefill of variable-length sequences with ", s.q_heads,
                              " q/k heads and ", s.v_heads, " value heads of dimension ", s.head_size,
                              "; states stored k-last [value head, V, K]."));
  b.tag("stage:prefill").tag("layout:k-last").tag("fi_api:flashinfer.gdn.chunk_gated_delta_rule");
  b.var_axis("total_seq_len", "Tokens of all sequences.");
  b.var_axis("num_seqs", "Sequences.");
  gdn_head_axes(b, s);
  b.var_axis("len_cu_seqlens", "Length of cu_seqlens (num_seqs + 1).");
  b.constraint("len_cu_seqlens == num_seqs + 1").constraint("total_seq_len == cu_seqlens[-1].item()");
  const Shape rows{"total_seq_len"};
  gdn_qkv_inputs(b, rows);
  b.input("state", Shape{"num_seqs", "num_v_heads", "head_size", "head_size"}, "float32",
          "State of each sequence before its tokens (zero when absent).", true);
  gdn_gates(b, rows);
  b.input("cu_seqlens", Shape{"len_cu_seqlens"}, "int64", "Sequence n owns tokens cu_seqlens[n]:cu_seqlens[n+1].");
  b.input("scale", std::nullopt, "float32", "Output scale (0: 1/sqrt(head_size)).");
  b.output("output", with(rows, {"num_v_heads", "head_size"}), "bfloat16", "Output per value head.");
  b.output("new_state", {"num_seqs", "num_v_heads", "head_size", "head_size"}, "float32",
           "State of each sequence after its last token.");
  b.reference("gdn_prefill", gdn_values(s));
  return b;
}

DefinitionBuilder gdn_mtp(const GdnShape& s) {
  DefinitionBuilder b(gdn_name("mtp", s), "gdn",
                      str_cat("Gated DeltaNet multi-token verification (speculative decoding): several draft tokens "
                              "per sequence from a state pool, ",
                              s.q_heads, " q/k heads, ", s.v_heads, " value heads of dimension ", s.head_size,
                              ", k-last states."));
  b.tag("stage:mtp").tag("layout:k-last");
  b.var_axis("batch_size", "Sequences.");
  b.var_axis("seq_len", "Draft tokens per sequence (more than one).");
  gdn_head_axes(b, s);
  b.var_axis("pool_size", "Slots of the state pool.");
  gdn_head_constraints(b);
  b.constraint("seq_len > 1");
  const Shape rows{"batch_size", "seq_len"};
  gdn_qkv_inputs(b, rows);
  b.input("initial_state", Shape{"pool_size", "num_v_heads", "head_size", "head_size"}, "float32", "State pool.");
  b.input("initial_state_indices", Shape{"batch_size"}, "int32", "Pool slot of each sequence.");
  gdn_gates(b, rows);
  b.input("scale", std::nullopt, "float32", "Output scale (0: 1/sqrt(head_size)).");
  b.input("intermediate_states_buffer", Shape{"pool_size", "seq_len", "num_v_heads", "head_size", "head_size"},
          "float32", "Receives the state after each draft token, per slot (for rollback).", true);
  b.output("output", with(rows, {"num_v_heads", "head_size"}), "bfloat16", "Output per token and value head.");
  b.output("final_state", {"pool_size", "num_v_heads", "head_size", "head_size"}, "float32",
           "The state pool, unchanged (acceptance is decided after verification).");
  b.reference("gdn_mtp", gdn_values(s));
  return b;
}

DefinitionBuilder mamba_ssu_decode(std::int64_t heads, std::int64_t head_dim, std::int64_t state_size,
                                   std::int64_t groups) {
  DefinitionBuilder b(str_cat("mamba_ssu_decode_h", heads, "_d", head_dim, "_s", state_size, "_ng", groups),
                      "mamba_ssu",
                      str_cat("Mamba-2 selective state update (decode, one token per sequence): ", heads,
                              " heads of dimension ", head_dim, ", state size ", state_size, ", ", groups,
                              " B/C groups; states in a slot cache."));
  b.tag("stage:decode").tag("fi_api:flashinfer.mamba.selective_state_update");
  b.var_axis("batch_size", "Sequences.");
  b.var_axis("state_cache_size", "Slots of the state cache.");
  b.const_axis("nheads", heads, "SSM heads.");
  b.const_axis("head_dim", head_dim, "Channels per head.");
  b.const_axis("dstate", state_size, "State size per channel.");
  b.const_axis("ngroups", groups, "B/C groups (each serves nheads / ngroups heads).");
  b.constraint("nheads % ngroups == 0").constraint("state_cache_size >= batch_size");
  b.input("state", Shape{"state_cache_size", "nheads", "head_dim", "dstate"}, "bfloat16", "State cache.");
  b.input("x", Shape{"batch_size", "nheads", "head_dim"}, "bfloat16", "Input channels.");
  b.input("dt", Shape{"batch_size", "nheads", "head_dim"}, "bfloat16", "Time step before softplus.");
  b.input("A", Shape{"nheads", "head_dim", "dstate"}, "float32", "State decay (negative).");
  b.input("B", Shape{"batch_size", "ngroups", "dstate"}, "bfloat16", "Input projection per group.");
  b.input("C", Shape{"batch_size", "ngroups", "dstate"}, "bfloat16", "Output projection per group.");
  b.input("D", Shape{"nheads", "head_dim"}, "bfloat16", "Skip connection weight.");
  b.input("dt_bias", Shape{"nheads", "head_dim"}, "bfloat16", "Bias added to dt before softplus.");
  b.input("state_batch_indices", Shape{"batch_size"}, "int32", "Cache slot of each sequence (-1: padding).");
  b.output("output", {"batch_size", "nheads", "head_dim"}, "bfloat16", "Output channels.");
  b.output("new_state", {"state_cache_size", "nheads", "head_dim", "dstate"}, "bfloat16", "State cache after the update.");
  b.reference("mamba_ssu", {{"NHEADS", str_cat(heads)},
                            {"HEAD_DIM", str_cat(head_dim)},
                            {"DSTATE", str_cat(state_size)},
                            {"NGROUPS", str_cat(groups)}});
  return b;
}

}  // namespace kjit::jit::ops
