// Attention definition forms (GQA and MLA, paged and ragged; DeepSeek sparse
// attention and its indexer); see ops.h. Axis, input and output names,
// shapes and constraints are those of the flashinfer-trace dataset; lse is
// the base-2 log-sum-exp of the scaled logits.
//
// Thread safety: pure functions.
#include "jit/model/ops.h"

#include "jit/util/str_cat.h"

namespace kjit::jit::ops {

namespace {

using Shape = std::vector<std::string>;

// The last-page values of the paged references: page_size 1 has no
// kv_last_page_len input (every page holds one token).
ReferenceValues last_page(ReferenceValues values, std::int64_t page_size) {
  values["PAGE_SIZE"] = str_cat(page_size);
  values["LAST_PAGE_PARAM"] = page_size == 1 ? "" : ", kv_last_page_len";
  values["LAST_PAGE_LEN"] = page_size == 1 ? "PAGE_SIZE" : "int(kv_last_page_len[b])";
  return values;
}

// The var axes the attention forms share, each form listing them in the
// dataset's order.
struct VarAxis {
  const char* name;
  const char* description;
};
constexpr VarAxis k_len_indptr{"len_indptr", "Length of the indptr arrays (batch_size + 1)."};
constexpr VarAxis k_total_q{"total_q", "Query tokens of all sequences."};
constexpr VarAxis k_total_kv{"total_kv", "Key/value tokens of all sequences."};
constexpr VarAxis k_num_kv_indices{"num_kv_indices", "Page indices of all sequences (kv_indptr[-1])."};
constexpr VarAxis k_num_pages{"num_pages", "Pages allocated in the KV cache."};

void var_axes(DefinitionBuilder& b, std::initializer_list<VarAxis> axes) {
  for (const VarAxis& a : axes) b.var_axis(a.name, a.description);
}

// The cache axes of a paged decode form.
void paged_kv_axes(DefinitionBuilder& b, std::int64_t page_size) {
  var_axes(b, {k_num_pages});
  b.const_axis("page_size", page_size, "Tokens per page.");
  var_axes(b, {k_len_indptr, k_num_kv_indices});
}

// The axes of a paged prefill form after its head axes (`order`: its var
// axes), batch_size when kv_last_page_len needs it, and the indptr constraints.
void paged_prefill_axes(DefinitionBuilder& b, std::int64_t page_size, std::initializer_list<VarAxis> order) {
  b.const_axis("page_size", page_size, "Tokens per page.");
  var_axes(b, order);
  if (page_size > 1) b.var_axis("batch_size", "Sequences.");
  b.constraint("total_q == qo_indptr[-1].item()").constraint("num_kv_indices == kv_indptr[-1].item()");
}

// The var axes (`order`) and indptr constraints of a ragged prefill form.
void ragged_axes(DefinitionBuilder& b, std::initializer_list<VarAxis> order) {
  var_axes(b, order);
  b.constraint("total_q == qo_indptr[-1].item()").constraint("total_kv == kv_indptr[-1].item()");
}

void sm_scale_input(DefinitionBuilder& b, const std::string& default_scale) {
  b.input("sm_scale", std::nullopt, "float32", str_cat("Softmax scale applied to the logits (usually ", default_scale,
                                                       ")."));
}

void attention_outputs(DefinitionBuilder& b, const std::string& rows, const std::string& heads,
                       const std::string& dim) {
  b.output("output", {rows, heads, dim}, "bfloat16", "Attention output.");
  b.output("lse", {rows, heads}, "float32", "Base-2 log-sum-exp of the scaled logits (-inf where nothing is seen).");
}

void gqa_head_axes(DefinitionBuilder& b, std::int64_t heads, std::int64_t kv_heads, std::int64_t head_dim) {
  b.const_axis("num_qo_heads", heads, "Query and output heads.");
  b.const_axis("num_kv_heads", kv_heads, "Key/value heads.");
  b.const_axis("head_dim", head_dim, "Dimension of each head.");
}

void mla_head_axes(DefinitionBuilder& b, std::int64_t heads, std::int64_t ckv, std::int64_t kpe) {
  b.const_axis("num_qo_heads", heads, "Query and output heads.");
  b.const_axis("head_dim_ckv", ckv, "Compressed KV width (kv_lora_rank).");
  b.const_axis("head_dim_kpe", kpe, "Rotary key width (qk_rope_head_dim).");
}

void qo_indptr_input(DefinitionBuilder& b) {
  b.input("qo_indptr", Shape{"len_indptr"}, "int32", "Sequence b owns queries qo_indptr[b]:qo_indptr[b+1].");
}

// qo_indptr and kv_indptr of a ragged form (keys and values contiguous per sequence).
void ragged_indptr_inputs(DefinitionBuilder& b) {
  qo_indptr_input(b);
  b.input("kv_indptr", Shape{"len_indptr"}, "int32", "Sequence b owns keys kv_indptr[b]:kv_indptr[b+1].");
}

// kv_indptr, kv_indices and (page_size > 1) kv_last_page_len: the page table
// of a paged cache.
void page_table_inputs(DefinitionBuilder& b, std::int64_t page_size) {
  b.input("kv_indptr", Shape{"len_indptr"}, "int32", "Sequence b owns kv_indices[kv_indptr[b]:kv_indptr[b+1]].");
  b.input("kv_indices", Shape{"num_kv_indices"}, "int32", "Page numbers of each sequence, in token order.");
  if (page_size > 1)
    b.input("kv_last_page_len", Shape{"batch_size"}, "int32", "Tokens used in each sequence's last page.");
}

// The inputs of GQA over a paged cache: q (`rows` query tokens), the paged
// keys and values, qo_indptr (prefill), the page table and sm_scale.
void gqa_paged_inputs(DefinitionBuilder& b, const std::string& rows, std::int64_t page_size, bool prefill) {
  b.input("q", Shape{rows, "num_qo_heads", "head_dim"}, "bfloat16", prefill ? "Queries of all sequences." : "Queries.");
  b.input("k_cache", Shape{"num_pages", "page_size", "num_kv_heads", "head_dim"}, "bfloat16", "Paged keys.");
  b.input("v_cache", Shape{"num_pages", "page_size", "num_kv_heads", "head_dim"}, "bfloat16", "Paged values.");
  if (prefill) qo_indptr_input(b);
  page_table_inputs(b, page_size);
  sm_scale_input(b, "1/sqrt(head_dim)");
}

ReferenceValues gqa_paged_values(std::int64_t heads, std::int64_t kv_heads, std::int64_t head_dim,
                                 std::int64_t page_size) {
  return last_page({{"NUM_QO_HEADS", str_cat(heads)},
                    {"NUM_KV_HEADS", str_cat(kv_heads)},
                    {"HEAD_DIM", str_cat(head_dim)}},
                   page_size);
}

// The ragged prefill reference (GQA, and MLA in the non-absorbed form).
ReferenceValues ragged_values(std::int64_t heads, std::int64_t kv_heads, std::int64_t qk_dim, std::int64_t vo_dim) {
  return {{"NUM_QO_HEADS", str_cat(heads)},
          {"NUM_KV_HEADS", str_cat(kv_heads)},
          {"QK_DIM", str_cat(qk_dim)},
          {"VO_DIM", str_cat(vo_dim)}};
}

}  // namespace

DefinitionBuilder gqa_paged_decode(std::int64_t heads, std::int64_t kv_heads, std::int64_t head_dim,
                                   std::int64_t page_size) {
  DefinitionBuilder b(str_cat("gqa_paged_decode_h", heads, "_kv", kv_heads, "_d", head_dim, "_ps", page_size),
                      "gqa_paged",
                      str_cat("Grouped-query attention decode (one query token per sequence) over a paged KV cache: ",
                              heads, " query heads sharing ", kv_heads, " KV heads of dimension ", head_dim, ", ",
                              page_size, " token(s) per page."));
  b.tag("stage:decode").tag("fi_api:flashinfer.decode.BatchDecodeWithPagedKVCacheWrapper");
  b.var_axis("batch_size", "Sequences (one query token each).");
  gqa_head_axes(b, heads, kv_heads, head_dim);
  paged_kv_axes(b, page_size);
  b.constraint("len_indptr == batch_size + 1").constraint("num_kv_indices == kv_indptr[-1].item()");
  gqa_paged_inputs(b, "batch_size", page_size, false);
  attention_outputs(b, "batch_size", "num_qo_heads", "head_dim");
  b.reference("gqa_paged_decode", gqa_paged_values(heads, kv_heads, head_dim, page_size));
  return b;
}

DefinitionBuilder gqa_paged_prefill(std::int64_t heads, std::int64_t kv_heads, std::int64_t head_dim,
                                    std::int64_t page_size) {
  DefinitionBuilder b(
      str_cat("gqa_paged_prefill_causal_h", heads, "_kv", kv_heads, "_d", head_dim, "_ps", page_size), "gqa_paged",
      str_cat("Grouped-query attention prefill with a causal mask over a paged KV cache (new tokens appended to "
              "cached ones): ",
              heads, " query heads sharing ", kv_heads, " KV heads of dimension ", head_dim, ", ", page_size,
              " token(s) per page."));
  b.tag("stage:prefill").tag("fi_api:flashinfer.prefill.BatchPrefillWithPagedKVCacheWrapper");
  gqa_head_axes(b, heads, kv_heads, head_dim);
  paged_prefill_axes(b, page_size, {k_len_indptr, k_total_q, k_num_kv_indices, k_num_pages});
  gqa_paged_inputs(b, "total_q", page_size, true);
  attention_outputs(b, "total_q", "num_qo_heads", "head_dim");
  b.reference("gqa_paged_prefill", gqa_paged_values(heads, kv_heads, head_dim, page_size));
  return b;
}

DefinitionBuilder gqa_ragged_prefill(std::int64_t heads, std::int64_t kv_heads, std::int64_t head_dim) {
  DefinitionBuilder b(str_cat("gqa_ragged_prefill_causal_h", heads, "_kv", kv_heads, "_d", head_dim), "gqa_ragged",
                      str_cat("Grouped-query attention prefill with a causal mask over contiguous (ragged) keys and "
                              "values per sequence: ",
                              heads, " query heads sharing ", kv_heads, " KV heads of dimension ", head_dim, "."));
  b.tag("stage:prefill").tag("fi_api:flashinfer.prefill.BatchPrefillWithRaggedKVCacheWrapper");
  gqa_head_axes(b, heads, kv_heads, head_dim);
  ragged_axes(b, {k_len_indptr, k_total_q, k_total_kv});
  b.input("q", Shape{"total_q", "num_qo_heads", "head_dim"}, "bfloat16", "Queries of all sequences.");
  b.input("k", Shape{"total_kv", "num_kv_heads", "head_dim"}, "bfloat16", "Keys of all sequences.");
  b.input("v", Shape{"total_kv", "num_kv_heads", "head_dim"}, "bfloat16", "Values of all sequences.");
  ragged_indptr_inputs(b);
  sm_scale_input(b, "1/sqrt(head_dim)");
  attention_outputs(b, "total_q", "num_qo_heads", "head_dim");
  b.reference("ragged_prefill", ragged_values(heads, kv_heads, head_dim, head_dim));
  return b;
}

namespace {

void mla_paged_inputs(DefinitionBuilder& b, const std::string& rows, std::int64_t page_size, bool prefill) {
  b.input("q_nope", Shape{rows, "num_qo_heads", "head_dim_ckv"}, "bfloat16",
          "Queries projected into the compressed KV space (absorbed form).");
  b.input("q_pe", Shape{rows, "num_qo_heads", "head_dim_kpe"}, "bfloat16", "Rotary part of the queries.");
  b.input("ckv_cache", Shape{"num_pages", "page_size", "head_dim_ckv"}, "bfloat16",
          "Paged compressed KV (keys and values at once).");
  b.input("kpe_cache", Shape{"num_pages", "page_size", "head_dim_kpe"}, "bfloat16", "Paged rotary keys.");
  if (prefill) qo_indptr_input(b);
  page_table_inputs(b, page_size);
  b.input("sm_scale", std::nullopt, "float32",
          "Softmax scale (usually 1/sqrt(qk_nope_head_dim + qk_rope_head_dim), the head size before absorption).");
}

ReferenceValues mla_paged_values(std::int64_t heads, std::int64_t ckv, std::int64_t kpe, std::int64_t page_size) {
  return last_page({{"NUM_QO_HEADS", str_cat(heads)}, {"HEAD_DIM_CKV", str_cat(ckv)}, {"HEAD_DIM_KPE", str_cat(kpe)}},
                   page_size);
}

}  // namespace

DefinitionBuilder mla_paged_decode(std::int64_t heads, std::int64_t ckv, std::int64_t kpe, std::int64_t page_size) {
  DefinitionBuilder b(str_cat("mla_paged_decode_h", heads, "_ckv", ckv, "_kpe", kpe, "_ps", page_size), "mla_paged",
                      str_cat("Multi-head latent attention decode (absorbed form) over a paged cache of ", ckv,
                              "-wide compressed KV and ", kpe, "-wide rotary keys: ", heads, " heads, ", page_size,
                              " token(s) per page."));
  b.tag("stage:decode").tag("fi_api:flashinfer.mla.BatchMLAPagedAttentionWrapper");
  b.var_axis("batch_size", "Sequences (one query token each).");
  mla_head_axes(b, heads, ckv, kpe);
  paged_kv_axes(b, page_size);
  b.constraint("len_indptr == batch_size + 1").constraint("num_kv_indices == kv_indptr[-1].item()");
  mla_paged_inputs(b, "batch_size", page_size, false);
  attention_outputs(b, "batch_size", "num_qo_heads", "head_dim_ckv");
  b.reference("mla_paged_decode", mla_paged_values(heads, ckv, kpe, page_size));
  return b;
}

DefinitionBuilder mla_paged_prefill(std::int64_t heads, std::int64_t ckv, std::int64_t kpe, std::int64_t page_size) {
  DefinitionBuilder b(str_cat("mla_paged_prefill_causal_h", heads, "_ckv", ckv, "_kpe", kpe, "_ps", page_size),
                      "mla_paged",
                      str_cat("Multi-head latent attention prefill (absorbed form) with a causal mask over a paged "
                              "cache of ",
                              ckv, "-wide compressed KV and ", kpe, "-wide rotary keys: ", heads, " heads, ",
                              page_size, " token(s) per page."));
  b.tag("stage:prefill").tag("fi_api:flashinfer.mla.BatchMLAPagedAttentionWrapper");
  mla_head_axes(b, heads, ckv, kpe);
  paged_prefill_axes(b, page_size, {k_total_q, k_num_pages, k_len_indptr, k_num_kv_indices});
  mla_paged_inputs(b, "total_q", page_size, true);
  attention_outputs(b, "total_q", "num_qo_heads", "head_dim_ckv");
  b.reference("mla_paged_prefill", mla_paged_values(heads, ckv, kpe, page_size));
  return b;
}

DefinitionBuilder mla_ragged_prefill(std::int64_t heads, std::int64_t qk_dim, std::int64_t vo_dim) {
  DefinitionBuilder b(str_cat("mla_ragged_prefill_causal_h", heads, "_qk", qk_dim, "_vo", vo_dim), "mla_ragged",
                      str_cat("Multi-head latent attention prefill in the expanded form (per-head keys of ", qk_dim,
                              " = nope + rope dims, values of ", vo_dim,
                              ") with a causal mask over contiguous keys and values: ", heads, " heads."));
  b.tag("stage:prefill").tag("fi_api:flashinfer.prefill.BatchPrefillWithRaggedKVCacheWrapper");
  b.const_axis("num_qo_heads", heads, "Query and output heads.");
  b.const_axis("num_kv_heads", heads, "Key/value heads (one per query head).");
  b.const_axis("qk_dim", qk_dim, "Query/key head dimension (qk_nope_head_dim + qk_rope_head_dim).");
  b.const_axis("vo_dim", vo_dim, "Value/output head dimension (v_head_dim).");
  ragged_axes(b, {k_total_q, k_total_kv, k_len_indptr});
  b.input("q", Shape{"total_q", "num_qo_heads", "qk_dim"}, "bfloat16", "Queries (nope and rope parts).");
  b.input("k", Shape{"total_kv", "num_kv_heads", "qk_dim"}, "bfloat16", "Keys (nope and rope parts).");
  b.input("v", Shape{"total_kv", "num_kv_heads", "vo_dim"}, "bfloat16", "Values.");
  ragged_indptr_inputs(b);
  b.input("sm_scale", std::nullopt, "float32", "Softmax scale (usually 1/sqrt(qk_dim)).");
  attention_outputs(b, "total_q", "num_qo_heads", "vo_dim");
  b.reference("ragged_prefill", ragged_values(heads, heads, qk_dim, vo_dim));
  return b;
}

DefinitionBuilder dsa_sparse_attention(std::int64_t heads, std::int64_t ckv, std::int64_t kpe, std::int64_t topk,
                                       std::int64_t page_size) {
  DefinitionBuilder b(
      str_cat("dsa_sparse_attention_h", heads, "_ckv", ckv, "_kpe", kpe, "_topk", topk, "_ps", page_size), "dsa_paged",
      str_cat("DeepSeek sparse attention: absorbed multi-head latent attention (", heads,
              " heads) of each token over the ", topk, " cache slots its indexer selected; ", page_size,
              " token(s) per page. Used for prefill and decode."));
  b.tag("sparse:topk").tag("fi_api:flashinfer.decode.trtllm_batch_decode_with_kv_cache_mla");
  b.var_axis("num_tokens", "Query tokens (sequences for decode, all tokens for prefill).");
  mla_head_axes(b, heads, ckv, kpe);
  b.const_axis("page_size", page_size, "Tokens per page.");
  b.const_axis("topk", topk, "Cache slots selected per token.");
  var_axes(b, {k_num_pages});
  b.constraint("sparse_indices.shape[0] == num_tokens")
      .constraint("sparse_indices.shape[-1] == topk")
      .constraint("ckv_cache.shape[1] == page_size");
  b.input("q_nope", Shape{"num_tokens", "num_qo_heads", "head_dim_ckv"}, "bfloat16",
          "Queries projected into the compressed KV space.");
  b.input("q_pe", Shape{"num_tokens", "num_qo_heads", "head_dim_kpe"}, "bfloat16", "Rotary part of the queries.");
  b.input("ckv_cache", Shape{"num_pages", "page_size", "head_dim_ckv"}, "bfloat16", "Paged compressed KV.");
  b.input("kpe_cache", Shape{"num_pages", "page_size", "head_dim_kpe"}, "bfloat16", "Paged rotary keys.");
  b.input("sparse_indices", Shape{"num_tokens", "topk"}, "int32",
          "Selected slots per token as page * page_size + offset; -1 = unused.");
  b.input("sm_scale", std::nullopt, "float32",
          "Softmax scale (usually 1/sqrt(qk_nope_head_dim + qk_rope_head_dim)).");
  attention_outputs(b, "num_tokens", "num_qo_heads", "head_dim_ckv");
  b.reference("dsa_sparse_attention", {{"NUM_QO_HEADS", str_cat(heads)},
                                       {"HEAD_DIM_CKV", str_cat(ckv)},
                                       {"HEAD_DIM_KPE", str_cat(kpe)},
                                       {"PAGE_SIZE", str_cat(page_size)},
                                       {"TOPK", str_cat(topk)}});
  return b;
}

DefinitionBuilder dsa_topk_indexer(std::int64_t index_heads, std::int64_t index_head_dim, std::int64_t topk,
                                   std::int64_t page_size) {
  DefinitionBuilder b(
      str_cat("dsa_topk_indexer_fp8_h", index_heads, "_d", index_head_dim, "_topk", topk, "_ps", page_size),
      "dsa_paged",
      str_cat("DeepSeek sparse attention indexer: scores every cached token as sum over ", index_heads,
              " heads of weight * relu(q . k) with FP8 keys (deep_gemm paged layout, one float32 scale per token) "
              "and returns the ",
              topk, " best slots per sequence."));
  b.tag("stage:indexer").tag("sparse:topk").tag("quant:fp8");
  b.var_axis("batch_size", "Sequences.");
  b.const_axis("num_index_heads", index_heads, "Indexer heads.");
  b.const_axis("index_head_dim", index_head_dim, "Indexer head dimension.");
  b.const_axis("page_size", page_size, "Tokens per page.");
  b.const_axis("topk", topk, "Slots returned per sequence.");
  b.var_axis("max_num_pages", "Columns of the block table.");
  b.var_axis("num_pages", "Pages allocated in the key cache.");
  b.const_axis("kv_cache_num_heads", 1, "Key heads in the cache (one, shared).");
  b.const_axis("head_dim_with_scale", index_head_dim + 4, "Bytes per token: FP8 key plus its float32 scale.");
  b.constraint("topk <= max_num_pages * page_size");
  b.input("q_index_fp8", Shape{"batch_size", "num_index_heads", "index_head_dim"}, "float8_e4m3fn",
          "FP8 indexer queries.");
  b.input("k_index_cache_fp8", Shape{"num_pages", "page_size", "kv_cache_num_heads", "head_dim_with_scale"}, "int8",
          "Paged FP8 keys, per page all key bytes then all scales (bytes; read as uint8).");
  b.input("weights", Shape{"batch_size", "num_index_heads"}, "float32", "Per-head weights of the score.");
  b.input("seq_lens", Shape{"batch_size"}, "int32", "Tokens per sequence.");
  b.input("block_table", Shape{"batch_size", "max_num_pages"}, "int32", "Page numbers of each sequence.");
  b.output("topk_indices", {"batch_size", "topk"}, "int32", "Best slots (page * page_size + offset), -1 padded.");
  b.reference("dsa_topk_indexer", {{"NUM_INDEX_HEADS", str_cat(index_heads)},
                                   {"INDEX_HEAD_DIM", str_cat(index_head_dim)},
                                   {"PAGE_SIZE", str_cat(page_size)},
                                   {"TOPK", str_cat(topk)}});
  return b;
}

}  // namespace kjit::jit::ops
