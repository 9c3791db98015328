// Attention core: tasks of (sequence, tile of queries, kv head); each task
// computes the logits of its G * tile query vectors against the sequence's
// keys (one pass over K), a per-row softmax, then P @ V (one pass over V).
// Tiling only decides which rows share a pass over K and V; every output
// element is still summed over keys in token order, so results are
// independent of tile size and thread count.
//
// Thread safety: see attention.h.
#include "runtime/reference/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "runtime/reference/paged.h"
#include "runtime/reference/parallel.h"

namespace kjit::runtime::reference::detail {
namespace {

// Query vectors (rows) per task: enough to reuse each K/V row from cache,
// few enough that the logits buffer (rows * kv_len doubles) stays small.
constexpr std::int64_t k_rows_per_task = 64;

struct Task {
  std::size_t sequence = 0;
  std::int64_t q_first = 0;  // index within the sequence
  std::int64_t q_count = 0;
  std::int64_t kv_head = 0;
};

void run_task(const AttentionProblem& p, const AttentionSequence& seq, const Task& task, double* out, double* lse) {
  const std::int64_t group = p.num_qo_heads / p.num_kv_heads;
  const std::int64_t kv_len = static_cast<std::int64_t>(seq.kv_rows.size());
  const std::int64_t delta = kv_len - seq.q_len;  // bottom-right alignment
  const std::int64_t rows = task.q_count * group;

  // Row r = (query task.q_first + r / group, head kv_head * group + r % group).
  std::vector<std::int64_t> visible(static_cast<std::size_t>(rows));
  std::vector<std::int64_t> out_row(static_cast<std::size_t>(rows));  // index into [total_q * H]
  std::int64_t max_visible = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::int64_t i = task.q_first + r / group;
    std::int64_t h = task.kv_head * group + r % group;
    std::int64_t lim = p.causal ? std::clamp<std::int64_t>(i + delta + 1, 0, kv_len) : kv_len;
    visible[static_cast<std::size_t>(r)] = lim;
    out_row[static_cast<std::size_t>(r)] = (seq.q_begin + i) * p.num_qo_heads + h;
    max_visible = std::max(max_visible, lim);
  }
  if (max_visible == 0) return;

  // logits[r * max_visible + t]
  std::vector<double> logits(static_cast<std::size_t>(rows * max_visible));
  for (std::int64_t t = 0; t < max_visible; ++t) {
    const std::int64_t kv_row = seq.kv_rows[static_cast<std::size_t>(t)];
    const double* k = p.k + (kv_row * p.num_kv_heads + task.kv_head) * p.dim_qk;
    const double* k_pe = p.dim_pe ? p.k_pe + (kv_row * p.num_kv_heads + task.kv_head) * p.dim_pe : nullptr;
    for (std::int64_t r = 0; r < rows; ++r) {
      if (t >= visible[static_cast<std::size_t>(r)]) continue;
      const std::int64_t qr = out_row[static_cast<std::size_t>(r)];
      double s = dot(p.q + qr * p.dim_qk, k, p.dim_qk);
      // MLA: (q_nope . ckv) + (q_pe . kpe), summed in that order as the reference does.
      if (k_pe) s += dot(p.q_pe + qr * p.dim_pe, k_pe, p.dim_pe);
      logits[static_cast<std::size_t>(r * max_visible + t)] = s * p.sm_scale;
    }
  }

  // Softmax per row; logits become probabilities in place.
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t lim = visible[static_cast<std::size_t>(r)];
    if (lim == 0) continue;
    double* row = logits.data() + r * max_visible;
    double m = -std::numeric_limits<double>::infinity();
    for (std::int64_t t = 0; t < lim; ++t) m = std::max(m, row[t]);
    const double shift = std::isfinite(m) ? m : 0.0;  // torch.logsumexp's guard for infinite maxima
    double sum = 0;
    for (std::int64_t t = 0; t < lim; ++t) {
      row[t] = std::exp(row[t] - shift);
      sum += row[t];
    }
    for (std::int64_t t = 0; t < lim; ++t) row[t] /= sum;
    lse[out_row[static_cast<std::size_t>(r)]] = (shift + std::log(sum)) / std::numbers::ln2;
  }

  // out[r] = sum_t p[r, t] * v[t], in token order.
  for (std::int64_t t = 0; t < max_visible; ++t) {
    const std::int64_t kv_row = seq.kv_rows[static_cast<std::size_t>(t)];
    const double* v = p.v + (kv_row * p.num_kv_heads + task.kv_head) * p.dim_v;
    for (std::int64_t r = 0; r < rows; ++r) {
      if (t >= visible[static_cast<std::size_t>(r)]) continue;
      const double w = logits[static_cast<std::size_t>(r * max_visible + t)];
      double* o = out + out_row[static_cast<std::size_t>(r)] * p.dim_v;
      for (std::int64_t d = 0; d < p.dim_v; ++d) o[d] += w * v[d];
    }
  }
}

}  // namespace

double dot(const double* a, const double* b, std::int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

void run_attention(const AttentionProblem& problem, const std::vector<AttentionSequence>& sequences, double* out,
                   double* lse, unsigned threads) {
  const std::int64_t group = problem.num_qo_heads / problem.num_kv_heads;
  const std::int64_t tile = std::max<std::int64_t>(1, k_rows_per_task / group);
  std::vector<Task> tasks;
  for (std::size_t s = 0; s < sequences.size(); ++s) {
    const auto& seq = sequences[s];
    if (seq.q_len <= 0 || seq.kv_rows.empty()) continue;  // stays 0 / -inf
    for (std::int64_t q = 0; q < seq.q_len; q += tile) {
      for (std::int64_t g = 0; g < problem.num_kv_heads; ++g) {
        tasks.push_back(Task{s, q, std::min(tile, seq.q_len - q), g});
      }
    }
  }
  // Longest sequences first so the tail of the dynamic schedule is short.
  std::stable_sort(tasks.begin(), tasks.end(), [&](const Task& a, const Task& b) {
    return sequences[a.sequence].kv_rows.size() > sequences[b.sequence].kv_rows.size();
  });
  parallel_for(tasks.size(), threads,
               [&](std::size_t i) { run_task(problem, sequences[tasks[i].sequence], tasks[i], out, lse); });
}

Result<AttentionProblem> gqa_problem(const Call& call, const RefTensor& q, std::int64_t num_kv_heads,
                                     std::int64_t dim_v, const RefTensor& k, const RefTensor& v) {
  AttentionProblem p;
  p.num_qo_heads = q.shape[1];
  p.num_kv_heads = num_kv_heads;
  p.dim_qk = q.shape[2];
  p.dim_v = dim_v;
  if (p.num_kv_heads <= 0 || p.num_qo_heads % p.num_kv_heads != 0) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': num_qo_heads = ", p.num_qo_heads,
                        " is not a multiple of num_kv_heads = ", p.num_kv_heads));
  }
  p.sm_scale = KJIT_TRY(scalar(call, "sm_scale"));
  p.causal = is_causal_prefill(call);
  p.q = q.data.data();
  p.k = k.data.data();
  p.v = v.data.data();
  return p;
}

Result<AttentionProblem> mla_problem(const Call& call, std::string_view op, std::string_view rows, const RefTensor& q_nope,
                                     const RefTensor& q_pe, const RefTensor& ckv, const RefTensor& kpe) {
  const bool ranks_ok = q_nope.shape.size() == 3 && q_pe.shape.size() == 3 && ckv.shape.size() == 3 && kpe.shape.size() == 3;
  if (!ranks_ok || q_pe.shape[0] != q_nope.shape[0] || q_pe.shape[1] != q_nope.shape[1] || ckv.shape[2] != q_nope.shape[2] ||
      kpe.shape[2] != q_pe.shape[2] || kpe.shape[0] != ckv.shape[0] || kpe.shape[1] != ckv.shape[1]) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': ", op, " expects q_nope [", rows, ", heads, ckv], q_pe [", rows,
                        ", heads, kpe], ckv_cache [pages, page_size, ckv], kpe_cache [pages, page_size, kpe]; got ",
                        shape_string(q_nope.shape), ", ", shape_string(q_pe.shape), ", ", shape_string(ckv.shape), ", ",
                        shape_string(kpe.shape)));
  }
  AttentionProblem p;
  p.num_qo_heads = q_nope.shape[1];
  p.num_kv_heads = 1;
  p.dim_qk = q_nope.shape[2];
  p.dim_pe = q_pe.shape[2];
  p.dim_v = ckv.shape[2];
  p.sm_scale = KJIT_TRY(scalar(call, "sm_scale"));
  p.q = q_nope.data.data();
  p.q_pe = q_pe.data.data();
  p.k = ckv.data.data();
  p.k_pe = kpe.data.data();
  p.v = ckv.data.data();
  return p;
}

Result<TensorMap> attention_outputs(const Call& call, const AttentionProblem& problem,
                                    const std::vector<AttentionSequence>& sequences, std::int64_t total_q) {
  RefTensor output = KJIT_TRY(make_output(call, "output"));
  const std::vector<std::int64_t> expected{total_q, problem.num_qo_heads, problem.dim_v};
  if (output.shape != expected) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': output is declared ", shape_string(output.shape), ", attention over the inputs gives ", shape_string(expected)));
  }
  RefTensor lse;
  lse.shape = {total_q, problem.num_qo_heads};
  lse.data.assign(static_cast<std::size_t>(total_q * problem.num_qo_heads), -std::numeric_limits<double>::infinity());
  run_attention(problem, sequences, output.data.data(), lse.data.data(), call.threads);
  TensorMap outputs;
  outputs.emplace("output", std::move(output));
  if (has_output(call.def, "lse")) outputs.emplace("lse", std::move(lse));
  return outputs;
}

}  // namespace kjit::runtime::reference::detail
