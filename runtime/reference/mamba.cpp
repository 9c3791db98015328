// Mamba2 selective state update (op_type "mamba_ssu"), as the
// flashinfer-trace reference computes it, in float64:
//   state [cache, nheads, head_dim, dstate], x / dt [B, nheads, head_dim],
//   A [nheads, head_dim, dstate], B / C [B, ngroups, dstate],
//   D / dt_bias [nheads, head_dim], state_batch_indices [B]
//   dt'  = softplus(dt + dt_bias)                        (torch's, threshold 20)
//   for each batch entry b with slot = state_batch_indices[b] >= 0:
//     s  = state[slot] * exp(A * dt'[b]) + (dt'[b] * x[b]) * B[b, group(h)]
//     new_state[slot] = s;  output[b] = sum_dstate(s * C[b, group(h)]) + x[b] * D
//   head h uses group h / (nheads / ngroups) (repeat_interleave).
// A negative slot (PAD_SLOT_ID) leaves output[b] zero and touches no state;
// slots never named keep their input state (new_state = state.clone()).
// Batch entries that name the same slot run in batch order, each on the state
// the previous one left (the reference's loop).
//
// Thread safety: reentrant; heads are split across call.threads workers.
#include <cmath>

#include "runtime/reference/ops.h"
#include "runtime/reference/parallel.h"

namespace kjit::runtime::reference::detail {

Result<TensorMap> run_mamba_ssu(const Call& call) {
  const auto [state, x, dt, a, bm, cm, d, dt_bias] =
      KJIT_TRY(inputs(call, "state", "x", "dt", "A", "B", "C", "D", "dt_bias"));
  if (state->shape.size() != 4 || x->shape.size() != 3 || bm->shape.size() != 3) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name,
                        "': mamba_ssu expects state [cache, nheads, head_dim, dstate], x [batch, nheads, head_dim], B "
                        "[batch, ngroups, dstate]; got ",
                        shape_string(state->shape), ", ", shape_string(x->shape), ", ", shape_string(bm->shape)));
  }
  const std::int64_t cache = state->shape[0], heads = state->shape[1], dim = state->shape[2], dstate = state->shape[3];
  const std::int64_t batch = x->shape[0], groups = bm->shape[1];
  const bool shapes_ok = x->shape == std::vector<std::int64_t>{batch, heads, dim} && dt->shape == x->shape &&
                         a->shape == std::vector<std::int64_t>{heads, dim, dstate} &&
                         bm->shape == std::vector<std::int64_t>{batch, groups, dstate} && cm->shape == bm->shape &&
                         d->shape == std::vector<std::int64_t>{heads, dim} && dt_bias->shape == d->shape;
  if (!shapes_ok || groups <= 0 || heads % groups != 0) {
    return fail(
        ErrorCode::invalid_argument,
        str_cat("reference for '", call.def.name,
                "': mamba_ssu shapes disagree (nheads a multiple of ngroups; x/dt [batch, nheads, head_dim], A "
                "[nheads, head_dim, dstate], B/C [batch, ngroups, dstate], D/dt_bias [nheads, head_dim]); got state ",
                shape_string(state->shape), ", x ", shape_string(x->shape), ", dt ", shape_string(dt->shape), ", A ",
                shape_string(a->shape), ", B ", shape_string(bm->shape), ", C ", shape_string(cm->shape), ", D ",
                shape_string(d->shape), ", dt_bias ", shape_string(dt_bias->shape)));
  }
  auto slots = KJIT_TRY(integers(call, "state_batch_indices"));
  if (static_cast<std::int64_t>(slots.size()) != batch) {
    return fail(ErrorCode::invalid_argument, str_cat("reference for '", call.def.name, "': state_batch_indices has ",
                                                     slots.size(), " entries, batch_size is ", batch));
  }
  for (std::size_t b = 0; b < slots.size(); ++b) {
    if (slots[b] >= cache) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': state_batch_indices[", b, "] = ", slots[b],
                          " is not below state_cache_size ", cache, " (negative entries are padding)"));
    }
  }
  RefTensor output = KJIT_TRY(make_output(call, "output"));
  RefTensor new_state = KJIT_TRY(make_output(call, "new_state"));
  if (output.shape != x->shape || new_state.shape != state->shape) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': output is declared ", shape_string(output.shape),
                        " and new_state ", shape_string(new_state.shape), "; expected ", shape_string(x->shape),
                        " and ", shape_string(state->shape)));
  }
  new_state.data = state->data;
  const std::int64_t ratio = heads / groups;
  parallel_for(static_cast<std::size_t>(heads), call.threads, [&](std::size_t task) {
    const std::int64_t h = static_cast<std::int64_t>(task), g = h / ratio;
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::int64_t slot = slots[static_cast<std::size_t>(b)];
      if (slot < 0) continue;
      const double* bv = bm->data.data() + (b * groups + g) * dstate;
      const double* cv = cm->data.data() + (b * groups + g) * dstate;
      for (std::int64_t p = 0; p < dim; ++p) {
        const std::size_t hp = static_cast<std::size_t>(h * dim + p);
        const std::size_t bhp = static_cast<std::size_t>((b * heads + h) * dim + p);
        const double raw = dt->data[bhp] + dt_bias->data[hp];
        const double dt_f = raw > 20.0 ? raw : std::log1p(std::exp(raw));
        const double xv = x->data[bhp];
        const double dt_x = dt_f * xv;
        double* s = new_state.data.data() + ((slot * heads + h) * dim + p) * dstate;
        const double* av = a->data.data() + hp * static_cast<std::size_t>(dstate);
        double y = 0;
        for (std::int64_t n = 0; n < dstate; ++n) {
          s[n] = s[n] * std::exp(av[n] * dt_f) + dt_x * bv[n];
          y += s[n] * cv[n];
        }
        output.data[bhp] = y + xv * d->data[hp];
      }
    }
  });
  TensorMap result;
  result.emplace("output", std::move(output));
  result.emplace("new_state", std::move(new_state));
  return result;
}

}  // namespace kjit::runtime::reference::detail
