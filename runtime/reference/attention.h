// The attention core shared by gqa_paged, gqa_ragged, mla_paged and
// mla_ragged: per sequence, softmax(sm_scale * q.k) @ v over a list of KV
// token rows, with an optional bottom-right aligned causal mask, a base-2
// log-sum-exp, and zeros / -inf for rows that see no key.
//
// Semantics (all definitions' `reference` code agrees on these):
//   logits[h, i, t] = (q[i, h] . k[t, h / G]  (+ q_pe[i, h] . k_pe[t, h / G])) * sm_scale,
//                     G = num_qo_heads / num_kv_heads (repeat_interleave)
//   causal: query i of a sequence with Q queries and L keys sees keys
//           t <= i + (L - Q) (bottom-right aligned); decode sees all L keys.
//   lse[i, h] = logsumexp_t(logits) / ln 2;  out[i, h] = softmax_t(logits) @ v[t, h / G].
//   A sequence without queries or keys, or a query that sees no key, keeps
//   out = 0 and lse = -inf. (The vectorised torch references would give NaN
//   for a fully masked query row, which only happens when Q > L; the
//   per-query-loop references and the flashinfer kernels give 0 / -inf, and
//   so does this.)
// Everything is float64; the references compute in float32 with no
// intermediate bf16 cast (only the final output cast), so no rounding of
// intermediates is mimicked.
//
// Thread safety: run_attention writes only `out` and `lse`; tasks own
// disjoint (query tile, kv head) blocks, so results do not depend on the
// thread count.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "runtime/reference/call.h"

namespace kjit::runtime::reference::detail {

// One sequence: its queries are rows [q_begin, q_begin + q_len) of q, and
// its keys are the KV rows listed in `kv_rows` (in token order).
struct AttentionSequence {
  std::int64_t q_begin = 0;
  std::int64_t q_len = 0;
  std::vector<std::int64_t> kv_rows;
};

struct AttentionProblem {
  std::int64_t num_qo_heads = 0;
  std::int64_t num_kv_heads = 0;  // divides num_qo_heads
  std::int64_t dim_qk = 0;        // q/k head dim (ckv dim for MLA paged)
  std::int64_t dim_pe = 0;        // second q/k segment (kpe), 0 when absent
  std::int64_t dim_v = 0;         // v/output head dim
  double sm_scale = 1.0;
  bool causal = false;
  // q: [total_q, num_qo_heads, dim_qk]; q_pe: [total_q, num_qo_heads, dim_pe].
  const double* q = nullptr;
  const double* q_pe = nullptr;
  // KV row r, head g starts at k + (r * num_kv_heads + g) * dim_qk (likewise
  // k_pe with dim_pe and v with dim_v).
  const double* k = nullptr;
  const double* k_pe = nullptr;
  const double* v = nullptr;
};

// The problem of a GQA-style op (gqa_paged, gqa_ragged, mla_ragged): heads
// and head dims from q [rows, num_qo_heads, dim_qk], `num_kv_heads` and
// `dim_v` (read by the caller from its KV layout), the `sm_scale` input,
// causality from the definition, and the q/k/v data. Errors: invalid_argument
// when num_kv_heads does not divide num_qo_heads.
Result<AttentionProblem> gqa_problem(const Call& call, const RefTensor& q, std::int64_t num_kv_heads,
                                     std::int64_t dim_v, const RefTensor& k, const RefTensor& v);

// The problem of an absorbed-MLA op (mla_paged, dsa_paged sparse
// attention): one shared KV head over q_nope [rows, heads, ckv], q_pe [rows,
// heads, kpe], ckv_cache [pages, page_size, ckv] and kpe_cache [pages,
// page_size, kpe], whose ckv rows are also the values; and the `sm_scale`
// input. Causality is the caller's. Errors: invalid_argument when the shapes
// disagree (the message names `op` and calls the first dimension `rows`).
Result<AttentionProblem> mla_problem(const Call& call, std::string_view op, std::string_view rows, const RefTensor& q_nope,
                                     const RefTensor& q_pe, const RefTensor& ckv, const RefTensor& kpe);

// Fills out [total_q, num_qo_heads, dim_v] (REQUIRES: zero-filled) and
// lse [total_q, num_qo_heads] (REQUIRES: -inf-filled) for every sequence.
void run_attention(const AttentionProblem& problem, const std::vector<AttentionSequence>& sequences,
                   double* out, double* lse, unsigned threads);

// Allocates the declared `output` (checked to be [total_q, num_qo_heads,
// dim_v]) and lse, runs run_attention, and returns output plus lse when the
// definition declares it.
Result<TensorMap> attention_outputs(const Call& call, const AttentionProblem& problem,
                                    const std::vector<AttentionSequence>& sequences, std::int64_t total_q);

// Fixed-order dot product (four interleaved partial sums, then
// (s0 + s1) + (s2 + s3)): deterministic and vectorisable.
double dot(const double* a, const double* b, std::int64_t n);

}  // namespace kjit::runtime::reference::detail
