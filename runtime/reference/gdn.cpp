// Gated Delta Net (op_type "gdn"), as the flashinfer-trace references compute
// it, in float64. Three stages, told apart by their inputs:
//   decode   q/k/v [B, 1, H, D], state [B, HV, V, K] (optional: zeros)
//            -> output [B, 1, HV, V], new_state [B, HV, V, K]
//   mtp      q/k/v [B, T, H, D], initial_state [P, HV, V, K] (a pool),
//            initial_state_indices [B], optional intermediate_states_buffer
//            [P, T, HV, V, K] -> output [B, T, HV, V], final_state = a copy
//            of initial_state (the definitions' reference leaves the pool as
//            it was: flashinfer's disable_state_update=True); the state after
//            token t of batch b is written to
//            intermediate_states_buffer[initial_state_indices[b], t] and the
//            buffer is returned under its input name (updated in place).
//   prefill  q/k/v [total, H, D], cu_seqlens [N + 1], state [N, HV, V, K]
//            (optional: zeros) -> output [total, HV, V], new_state
//            [N, HV, V, K]; an empty sequence leaves new_state[n] zero and
//            tokens outside every sequence leave output rows zero.
// Per token and value head h (q/k head h / (HV / HQ), repeat_interleave),
// with the state S held k-last as H[v][k] (the tensors' own layout):
//   g    = exp(-exp(A_log[h]) * softplus(a + dt_bias[h]))   softplus: torch's
//          (x > 20 -> x), beta = sigmoid(b)
//   old  = g * H;  old_v[v] = sum_k k[k] old[v][k]
//   new_v = beta * v + (1 - beta) * old_v
//   H    = old - k (x) old_v + k (x) new_v;   out[v] = scale * sum_k q[k] H[v][k]
// scale == 0 means 1 / sqrt(K), as `if scale is None or scale == 0.0`.
//
// Thread safety: reentrant; (sequence, head) pairs are split across
// call.threads workers, each writing only its own state and output rows.
#include <cmath>

#include "runtime/reference/ops.h"
#include "runtime/reference/parallel.h"

namespace kjit::runtime::reference::detail {
namespace {

struct GdnShape {
  std::int64_t hq = 0, hk = 0, hv = 0, dk = 0, dv = 0;
};

// torch.nn.functional.softplus with beta 1 and threshold 20.
double softplus(double x) { return x > 20.0 ? x : std::log1p(std::exp(x)); }

struct Gates {
  const RefTensor* a_log = nullptr;
  const RefTensor* a = nullptr;
  const RefTensor* dt_bias = nullptr;
  const RefTensor* b = nullptr;
  // g and beta of flat token row `row` ([.., HV] flattened) and head `h`.
  double g(std::int64_t row, std::int64_t h, std::int64_t hv) const {
    const double x = a->data[static_cast<std::size_t>(row * hv + h)] + dt_bias->data[static_cast<std::size_t>(h)];
    return std::exp(-std::exp(a_log->data[static_cast<std::size_t>(h)]) * softplus(x));
  }
  double beta(std::int64_t row, std::int64_t h, std::int64_t hv) const {
    return 1.0 / (1.0 + std::exp(-b->data[static_cast<std::size_t>(row * hv + h)]));
  }
};

// One token of the delta rule on head state `s` ([dv][dk], k-last), in place;
// writes scale * q . S_new to `out` ([dv]).
void delta_step(double* s, const double* q, const double* k, const double* v, double g, double beta, double scale,
                std::int64_t dk, std::int64_t dv, double* out) {
  for (std::int64_t r = 0; r < dv; ++r) {
    double* row = s + r * dk;
    double old_v = 0;
    for (std::int64_t c = 0; c < dk; ++c) {
      row[c] *= g;
      old_v += k[c] * row[c];
    }
    const double new_v = beta * v[r] + (1.0 - beta) * old_v;
    double o = 0;
    for (std::int64_t c = 0; c < dk; ++c) {
      row[c] = row[c] - k[c] * old_v + k[c] * new_v;
      o += q[c] * row[c];
    }
    out[r] = scale * o;
  }
}

Result<GdnShape> gdn_shape(const Call& call, const RefTensor& q, const RefTensor& k, const RefTensor& v) {
  const std::size_t rank = q.shape.size();
  GdnShape s;
  if (rank < 3 || k.shape.size() != rank || v.shape.size() != rank) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name,
                        "': gdn expects q, k, v of one rank (3 or 4) ending in [heads, dim]; got ",
                        shape_string(q.shape), ", ", shape_string(k.shape), ", ", shape_string(v.shape)));
  }
  s.hq = q.shape[rank - 2];
  s.dk = q.shape[rank - 1];
  s.hk = k.shape[rank - 2];
  s.hv = v.shape[rank - 2];
  s.dv = v.shape[rank - 1];
  if (k.shape[rank - 1] != s.dk || s.hq <= 0 || s.hk != s.hq || s.hv % s.hq != 0) {
    return fail(
        ErrorCode::invalid_argument,
        str_cat(
            "reference for '", call.def.name,
            "': gdn needs num_k_heads == num_q_heads, num_v_heads a multiple of them and k's dim equal to q's; got q ",
            shape_string(q.shape), ", k ", shape_string(k.shape), ", v ", shape_string(v.shape)));
  }
  return s;
}

Result<Gates> gates(const Call& call, std::int64_t hv) {
  Gates g;
  g.a_log = KJIT_TRY(input(call, "A_log"));
  g.a = KJIT_TRY(input(call, "a"));
  g.dt_bias = KJIT_TRY(input(call, "dt_bias"));
  g.b = KJIT_TRY(input(call, "b"));
  if (static_cast<std::int64_t>(g.a_log->data.size()) != hv || static_cast<std::int64_t>(g.dt_bias->data.size()) != hv ||
      g.a->shape.empty() || g.a->shape.back() != hv || g.b->shape != g.a->shape) {
    return fail(
        ErrorCode::invalid_argument,
        str_cat("reference for '", call.def.name, "': A_log and dt_bias must be [num_v_heads = ", hv,
                "], a and b [..., ", hv, "]; got A_log ", shape_string(g.a_log->shape), ", dt_bias ",
                shape_string(g.dt_bias->shape), ", a ", shape_string(g.a->shape), ", b ", shape_string(g.b->shape)));
  }
  return g;
}

Result<double> gdn_scale(const Call& call, std::int64_t dk) {
  double scale = KJIT_TRY(scalar(call, "scale"));
  if (scale == 0.0) scale = 1.0 / std::sqrt(static_cast<double>(dk));
  return scale;
}

// An optional state input: the tensor (checked to be [count, hv, dv, dk]) or
// null when the definition or the call leaves it out.
Result<const RefTensor*> optional_state(const Call& call, std::string_view name, std::int64_t count, const GdnShape& s) {
  if (!has_input(call.def, name) || !call.inputs.contains(std::string(name))) return nullptr;
  const RefTensor* t = KJIT_TRY(input(call, name));
  const std::vector<std::int64_t> want = {count, s.hv, s.dv, s.dk};
  if (t->shape != want) {
    return fail(ErrorCode::invalid_argument, str_cat("reference for '", call.def.name, "': ", name, " has shape ",
                                                     shape_string(t->shape), ", expected ", shape_string(want)));
  }
  return t;
}

// The optional intermediate_states_buffer ([pool, T, HV, V, K]) or null.
Result<const RefTensor*> optional_state_buffer(const Call& call, std::int64_t pool_size, std::int64_t steps,
                                               const GdnShape& s) {
  constexpr std::string_view name = "intermediate_states_buffer";
  if (!has_input(call.def, name) || !call.inputs.contains(std::string(name))) return nullptr;
  const RefTensor* t = KJIT_TRY(input(call, name));
  const std::vector<std::int64_t> want = {pool_size, steps, s.hv, s.dv, s.dk};
  if (t->shape != want) {
    return fail(ErrorCode::invalid_argument, str_cat("reference for '", call.def.name, "': ", name, " has shape ",
                                                     shape_string(t->shape), ", expected ", shape_string(want)));
  }
  return t;
}

// Runs tokens [begin, end) of one (sequence, head) through the recurrence.
// Token i's q/k/v rows are at flat row `i` of q/k/v ([rows, heads, dim]),
// its gates at flat row i of a/b; `after_token(i)` runs after each token.
template <class AfterToken>
void run_tokens(double* s, const RefTensor& q, const RefTensor& k, const RefTensor& v, const Gates& gate,
                const GdnShape& sh, std::int64_t h, double scale, std::int64_t begin, std::int64_t end,
                std::vector<double>& out, std::int64_t out_heads, AfterToken after_token) {
  const std::int64_t qk_head = h / (sh.hv / sh.hq);
  std::vector<double> o(static_cast<std::size_t>(sh.dv));
  for (std::int64_t i = begin; i < end; ++i) {
    const double* qi = q.data.data() + (i * sh.hq + qk_head) * sh.dk;
    const double* ki = k.data.data() + (i * sh.hk + qk_head) * sh.dk;
    const double* vi = v.data.data() + (i * sh.hv + h) * sh.dv;
    delta_step(s, qi, ki, vi, gate.g(i, h, sh.hv), gate.beta(i, h, sh.hv), scale, sh.dk, sh.dv, o.data());
    std::copy(o.begin(), o.end(), out.begin() + (i * out_heads + h) * sh.dv);
    after_token(i);
  }
}

Result<TensorMap> run_decode_or_mtp(const Call& call, const RefTensor& q, const RefTensor& k, const RefTensor& v,
                                    const GdnShape& sh, const Gates& gate, double scale) {
  if (q.shape.size() != 4 || k.shape[0] != q.shape[0] || v.shape[0] != q.shape[0] || k.shape[1] != q.shape[1] ||
      v.shape[1] != q.shape[1] || gate.a->shape != std::vector<std::int64_t>{q.shape[0], q.shape[1], sh.hv}) {
    return fail(
        ErrorCode::invalid_argument,
        str_cat(
            "reference for '", call.def.name,
            "': gdn decode expects q/k/v [batch, seq_len, heads, dim] and a/b [batch, seq_len, num_v_heads]; got q ",
            shape_string(q.shape), ", k ", shape_string(k.shape), ", v ", shape_string(v.shape), ", a ",
            shape_string(gate.a->shape)));
  }
  const std::int64_t batch = q.shape[0], steps = q.shape[1];
  const std::int64_t head_elems = sh.dv * sh.dk;
  const bool pooled = has_input(call.def, "initial_state_indices");
  RefTensor output = KJIT_TRY(make_output(call, "output"));
  if (output.shape != std::vector<std::int64_t>{batch, steps, sh.hv, sh.dv}) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': output is declared ", shape_string(output.shape),
                        ", expected [", batch, ", ", steps, ", ", sh.hv, ", ", sh.dv, "]"));
  }
  TensorMap result;
  if (!pooled) {
    const RefTensor* state = KJIT_TRY(optional_state(call, "state", batch, sh));
    RefTensor new_state = KJIT_TRY(make_output(call, "new_state"));
    if (new_state.shape != std::vector<std::int64_t>{batch, sh.hv, sh.dv, sh.dk}) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': new_state is declared ", shape_string(new_state.shape),
                          ", expected [", batch, ", ", sh.hv, ", ", sh.dv, ", ", sh.dk, "]"));
    }
    if (state) new_state.data = state->data;
    parallel_for(static_cast<std::size_t>(batch * sh.hv), call.threads, [&](std::size_t task) {
      const std::int64_t b = static_cast<std::int64_t>(task) / sh.hv, h = static_cast<std::int64_t>(task) % sh.hv;
      double* s = new_state.data.data() + (b * sh.hv + h) * head_elems;
      run_tokens(s, q, k, v, gate, sh, h, scale, b * steps, (b + 1) * steps, output.data, sh.hv, [](std::int64_t) {});
    });
    result.emplace("new_state", std::move(new_state));
  } else {
    const RefTensor* pool = KJIT_TRY(input(call, "initial_state"));
    if (pool->shape.size() != 4 || pool->shape[1] != sh.hv || pool->shape[2] != sh.dv || pool->shape[3] != sh.dk) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': initial_state has shape ", shape_string(pool->shape),
                          ", expected [pool_size, ", sh.hv, ", ", sh.dv, ", ", sh.dk, "]"));
    }
    const std::int64_t pool_size = pool->shape[0];
    auto indices = KJIT_TRY(integers(call, "initial_state_indices"));
    if (static_cast<std::int64_t>(indices.size()) != batch) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': initial_state_indices has ", indices.size(),
                          " entries, batch_size is ", batch));
    }
    for (std::size_t b = 0; b < indices.size(); ++b) {
      if (indices[b] < 0 || indices[b] >= pool_size) {
        return fail(ErrorCode::invalid_argument,
                    str_cat("reference for '", call.def.name, "': initial_state_indices[", b, "] = ", indices[b],
                            " is outside [0, ", pool_size, ") (pool_size)"));
      }
    }
    RefTensor* inter = nullptr;
    RefTensor inter_out;
    if (const RefTensor* given = KJIT_TRY(optional_state_buffer(call, pool_size, steps, sh)); given) {
      inter_out = *given;
      inter = &inter_out;
    }
    RefTensor final_state = KJIT_TRY(make_output(call, "final_state"));
    if (final_state.shape != pool->shape) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': final_state is declared ",
                          shape_string(final_state.shape), ", initial_state is ", shape_string(pool->shape)));
    }
    final_state.data = pool->data;
    // Duplicate indices write the same buffer rows; the reference's order
    // (later batch entries last) is kept by running each head's batch
    // entries in order within one task.
    parallel_for(static_cast<std::size_t>(sh.hv), call.threads, [&](std::size_t task) {
      const std::int64_t h = static_cast<std::int64_t>(task);
      std::vector<double> s(static_cast<std::size_t>(head_elems));
      for (std::int64_t b = 0; b < batch; ++b) {
        const std::int64_t slot = indices[static_cast<std::size_t>(b)];
        const double* src = pool->data.data() + (slot * sh.hv + h) * head_elems;
        std::copy(src, src + head_elems, s.begin());
        run_tokens(s.data(), q, k, v, gate, sh, h, scale, b * steps, (b + 1) * steps, output.data, sh.hv,
                   [&](std::int64_t i) {
                     if (!inter) return;
                     const std::int64_t t = i - b * steps;
                     std::copy(s.begin(), s.end(), inter->data.begin() + ((slot * steps + t) * sh.hv + h) * head_elems);
                   });
      }
    });
    result.emplace("final_state", std::move(final_state));
    if (inter) result.emplace("intermediate_states_buffer", std::move(inter_out));
  }
  result.emplace("output", std::move(output));
  return result;
}


Result<TensorMap> run_prefill(const Call& call, const RefTensor& q, const RefTensor& k, const RefTensor& v,
                              const GdnShape& sh, const Gates& gate, double scale) {
  const std::int64_t total = q.shape[0];
  if (q.shape.size() != 3 || k.shape[0] != total || v.shape[0] != total ||
      gate.a->shape != std::vector<std::int64_t>{total, sh.hv}) {
    return fail(
        ErrorCode::invalid_argument,
        str_cat("reference for '", call.def.name,
                "': gdn prefill expects q/k/v [total_seq_len, heads, dim] and a/b [total_seq_len, num_v_heads]; got q ",
                shape_string(q.shape), ", k ", shape_string(k.shape), ", v ", shape_string(v.shape), ", a ",
                shape_string(gate.a->shape)));
  }
  auto cu = KJIT_TRY(integers(call, "cu_seqlens"));
  if (cu.empty()) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': cu_seqlens is empty; it needs num_seqs + 1 entries"));
  }
  KJIT_TRY_VOID(check_indptr(call, cu, "cu_seqlens", total, "total_seq_len"));
  const std::int64_t seqs = static_cast<std::int64_t>(cu.size()) - 1;
  const std::int64_t head_elems = sh.dv * sh.dk;
  const RefTensor* state = KJIT_TRY(optional_state(call, "state", seqs, sh));
  RefTensor output = KJIT_TRY(make_output(call, "output"));
  RefTensor new_state = KJIT_TRY(make_output(call, "new_state"));
  if (output.shape != std::vector<std::int64_t>{total, sh.hv, sh.dv} ||
      new_state.shape != std::vector<std::int64_t>{seqs, sh.hv, sh.dv, sh.dk}) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': output is declared ", shape_string(output.shape),
                        " and new_state ", shape_string(new_state.shape), "; expected [", total, ", ", sh.hv, ", ",
                        sh.dv, "] and [", seqs, ", ", sh.hv, ", ", sh.dv, ", ", sh.dk, "]"));
  }
  parallel_for(static_cast<std::size_t>(seqs * sh.hv), call.threads, [&](std::size_t task) {
    const std::int64_t n = static_cast<std::int64_t>(task) / sh.hv, h = static_cast<std::int64_t>(task) % sh.hv;
    const std::int64_t begin = cu[static_cast<std::size_t>(n)], end = cu[static_cast<std::size_t>(n) + 1];
    if (end <= begin) return;  // the reference `continue`s: new_state[n] stays zero
    double* s = new_state.data.data() + (n * sh.hv + h) * head_elems;
    if (state) std::copy_n(state->data.data() + (n * sh.hv + h) * head_elems, head_elems, s);
    run_tokens(s, q, k, v, gate, sh, h, scale, begin, end, output.data, sh.hv, [](std::int64_t) {});
  });
  TensorMap result;
  result.emplace("output", std::move(output));
  result.emplace("new_state", std::move(new_state));
  return result;
}

}  // namespace

Result<TensorMap> run_gdn(const Call& call) {
  const RefTensor* q = KJIT_TRY(input(call, "q"));
  const RefTensor* k = KJIT_TRY(input(call, "k"));
  const RefTensor* v = KJIT_TRY(input(call, "v"));
  const GdnShape sh = KJIT_TRY(gdn_shape(call, *q, *k, *v));
  const Gates gate = KJIT_TRY(gates(call, sh.hv));
  const double scale = KJIT_TRY(gdn_scale(call, sh.dk));
  const bool prefill = has_input(call.def, "cu_seqlens"), pooled = has_input(call.def, "initial_state_indices");
  const char* want = pooled ? "final_state" : "new_state";
  const bool inputs_ok = pooled ? has_input(call.def, "initial_state") && !prefill && !has_input(call.def, "state")
                                : !has_input(call.def, "initial_state") && !has_input(call.def, "intermediate_states_buffer");
  if (!inputs_ok || !has_output(call.def, want)) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name,
                        "': a gdn definition is decode/prefill (optional `state`, output `new_state`, prefill adds "
                        "`cu_seqlens`) or mtp (`initial_state`, `initial_state_indices`, optional "
                        "`intermediate_states_buffer`, output `final_state`); this one mixes them or lacks `",
                        want, "`"));
  }
  if (has_input(call.def, "cu_seqlens")) return run_prefill(call, *q, *k, *v, sh, gate, scale);
  return run_decode_or_mtp(call, *q, *k, *v, sh, gate, scale);
}

}  // namespace kjit::runtime::reference::detail
