// rmsnorm and fused_add_rmsnorm, as the references compute them:
//   x = hidden_states (+ residual when the definition has a residual input)
//   output = x * rsqrt(mean(x^2, last dim) + EPS) * weight
// EPS is read from the reference text (`EPS = 1e-6` / `1e-5`), never
// assumed. The references add the residual in float32 and cast only the
// final output, so nothing intermediate is rounded here. The definitions
// declare only `output`; a definition that also declares a `residual`
// output (flashinfer's in-place residual update) gets x there.
//
// Thread safety: reentrant; rows are split across call.threads workers.
#include <cmath>

#include "runtime/reference/constants.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/parallel.h"

namespace kjit::runtime::reference::detail {

Result<TensorMap> run_rmsnorm(const Call& call) {
  const RefTensor* hidden = KJIT_TRY(input(call, "hidden_states"));
  const RefTensor* weight = KJIT_TRY(input(call, "weight"));
  const RefTensor* residual = nullptr;
  if (has_input(call.def, "residual")) residual = KJIT_TRY(input(call, "residual"));
  if (hidden->shape.empty() || weight->shape.size() != 1 || weight->shape[0] != hidden->shape.back() ||
      (residual && residual->shape != hidden->shape)) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': rmsnorm expects hidden_states [..., hidden], weight [hidden] and residual like hidden_states; got hidden_states ", shape_string(hidden->shape), ", weight ", shape_string(weight->shape), residual ? ", residual " + shape_string(residual->shape) : std::string()));
  }
  auto eps = reference_constant(call.def, "EPS");
  if (!eps) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': its reference code assigns no EPS constant (expected a line `EPS = <number>`), so the epsilon is unknown"));
  }
  RefTensor output = KJIT_TRY(make_output(call, "output"));
  if (output.shape != hidden->shape) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': output is declared ", shape_string(output.shape), ", hidden_states is ", shape_string(hidden->shape)));
  }
  const bool want_sum = residual && has_output(call.def, "residual");
  RefTensor sum;
  if (want_sum) sum = KJIT_TRY(make_output(call, "residual"));

  const std::int64_t hidden_size = hidden->shape.back();
  const std::int64_t rows = hidden_size ? element_count(hidden->shape) / hidden_size : 0;
  constexpr std::int64_t k_rows_per_task = 16;
  const std::int64_t tasks = (rows + k_rows_per_task - 1) / k_rows_per_task;
  parallel_for(static_cast<std::size_t>(tasks), call.threads, [&](std::size_t task) {
    std::vector<double> x(static_cast<std::size_t>(hidden_size));
    const std::int64_t end = std::min(rows, (static_cast<std::int64_t>(task) + 1) * k_rows_per_task);
    for (std::int64_t row = static_cast<std::int64_t>(task) * k_rows_per_task; row < end; ++row) {
      const std::size_t base = static_cast<std::size_t>(row * hidden_size);
      double squares = 0;
      for (std::int64_t i = 0; i < hidden_size; ++i) {
        double value = hidden->data[base + i];
        if (residual) value += residual->data[base + i];
        x[static_cast<std::size_t>(i)] = value;
        squares += value * value;
      }
      const double inv_rms = 1.0 / std::sqrt(squares / static_cast<double>(hidden_size) + *eps);
      for (std::int64_t i = 0; i < hidden_size; ++i) {
        output.data[base + i] = x[static_cast<std::size_t>(i)] * inv_rms * weight->data[static_cast<std::size_t>(i)];
        if (want_sum) sum.data[base + i] = x[static_cast<std::size_t>(i)];
      }
    }
  });
  TensorMap outputs;
  outputs.emplace("output", std::move(output));
  if (want_sum) outputs.emplace("residual", std::move(sum));
  return outputs;
}

}  // namespace kjit::runtime::reference::detail
