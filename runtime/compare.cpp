// compare_tensors: flashinfer-bench's shape -> dtype -> non-finite ->
// tolerance checks; see compare.h for the rule and its sources.
#include "runtime/compare.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace kjit::runtime {
namespace {

constexpr std::size_t k_max_samples = 8;
constexpr float k_rel_eps = 1e-8f;

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Fills the numeric fields of `report` under the flashinfer-bench policy:
// any inf (then NaN) in the output fails at once; the rest is IEEE float32.
bool flashinfer_bench_non_finite(const HostTensor& output, CompareReport& report) {
  bool any_inf = false, any_nan = false;
  const std::int64_t n = output.numel();
  for (std::int64_t i = 0; i < n; ++i) {
    const double x = output.get(i);
    any_inf |= std::isinf(x);
    any_nan |= std::isnan(x);
  }
  if (!any_inf && !any_nan) return false;
  const double v = any_inf ? std::numeric_limits<double>::infinity()
                           : std::numeric_limits<double>::quiet_NaN();
  report.status = CompareStatus::incorrect_numerical;
  report.max_abs_error = v;
  report.max_rel_error = v;
  report.message = std::string("output contains ") + (any_inf ? "inf" : "NaN") +
                   " (flashinfer-bench rejects any non-finite output)";
  return true;
}

}  // namespace

std::string_view to_string(CompareStatus status) {
  switch (status) {
    case CompareStatus::passed: return "PASSED";
    case CompareStatus::incorrect_shape: return "INCORRECT_SHAPE";
    case CompareStatus::incorrect_dtype: return "INCORRECT_DTYPE";
    case CompareStatus::incorrect_numerical: return "INCORRECT_NUMERICAL";
  }
  return "UNKNOWN";
}

Tolerance tolerance_for(std::string_view op_type, std::string_view definition_name) {
  Tolerance t;
  if (op_type == "moe" || definition_name.find("moe_fp8_block_scale") != std::string_view::npos) {
    t.required_matched_ratio = 0.95;
  }
  return t;
}

Tolerance tolerance_for(const jit::Definition& definition) {
  return tolerance_for(definition.op_type, definition.name);
}

CompareReport compare_tensors(const HostTensor& output, const HostTensor& reference,
                              const Tolerance& tolerance) {
  CompareReport report;
  if (output.shape != reference.shape) {
    report.status = CompareStatus::incorrect_shape;
    report.message = "shape " + shape_to_string(output.shape) + " differs from the reference's " +
                     shape_to_string(reference.shape);
    return report;
  }
  if (output.dtype != reference.dtype) {
    report.status = CompareStatus::incorrect_dtype;
    report.message = "dtype " + std::string(jit::dtype_name(output.dtype)) +
                     " differs from the reference's " +
                     std::string(jit::dtype_name(reference.dtype));
    return report;
  }
  const bool fib = tolerance.non_finite == NonFinite::flashinfer_bench;
  if (fib && flashinfer_bench_non_finite(output, report)) return report;

  const std::int64_t n = output.numel();
  report.total = n;
  const auto atol = static_cast<float>(tolerance.atol);
  const auto rtol = static_cast<float>(tolerance.rtol);
  const double inf = std::numeric_limits<double>::infinity();
  std::int64_t worst = -1;
  bool worst_failed = false;
  double worst_abs = -1.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto x = static_cast<float>(output.get(i));
    const auto y = static_cast<float>(reference.get(i));
    double abs_err = 0.0, rel_err = 0.0;
    bool failed = false;
    if (!fib && (!std::isfinite(x) || !std::isfinite(y))) {
      const bool same = (std::isnan(x) && std::isnan(y)) || (std::isinf(x) && x == y);
      if (!same) {
        failed = true;
        abs_err = rel_err = inf;
        ++report.non_finite_mismatched;
      }
    } else {
      const float d = std::fabs(x - y);
      const float r = d / (std::fabs(y) + k_rel_eps);
      abs_err = d;
      rel_err = r;
      failed = d > atol && r > rtol;
      if (fib) {  // torch.max propagates NaN
        if (std::isnan(d)) report.max_abs_error = std::numeric_limits<double>::quiet_NaN();
        if (std::isnan(r)) report.max_rel_error = std::numeric_limits<double>::quiet_NaN();
      }
    }
    if (!std::isnan(report.max_abs_error) && abs_err > report.max_abs_error) report.max_abs_error = abs_err;
    if (!std::isnan(report.max_rel_error) && rel_err > report.max_rel_error) report.max_rel_error = rel_err;
    if (failed) {
      ++report.mismatched;
      if (report.first_mismatches.size() < k_max_samples) {
        report.first_mismatches.push_back({output.unravel(i), x, y});
      }
    }
    const double key = std::isnan(abs_err) ? -0.5 : abs_err;
    if (worst < 0 || (failed && !worst_failed) || (failed == worst_failed && key > worst_abs)) {
      worst = i;
      worst_failed = failed;
      worst_abs = key;
    }
  }
  if (worst >= 0) report.worst_index = output.unravel(worst);
  report.matched_ratio = n == 0 ? 1.0 : 1.0 - static_cast<double>(report.mismatched) / static_cast<double>(n);
  if (report.matched_ratio < 0.0) report.matched_ratio = 0.0;
  if (report.matched_ratio < tolerance.required_matched_ratio) {
    report.status = CompareStatus::incorrect_numerical;
  }
  report.message = std::string(to_string(report.status)) + ": " + std::to_string(report.mismatched) +
                   "/" + std::to_string(n) + " elements outside atol=" + format_double(tolerance.atol) +
                   " rtol=" + format_double(tolerance.rtol) +
                   " (matched " + format_double(report.matched_ratio) + ", required " +
                   format_double(tolerance.required_matched_ratio) + "), max_abs=" +
                   format_double(report.max_abs_error) + " max_rel=" +
                   format_double(report.max_rel_error);
  if (!report.worst_index.empty() || n == 1) {
    report.message += " worst at " + shape_to_string(report.worst_index);
  }
  return report;
}

}  // namespace kjit::runtime
