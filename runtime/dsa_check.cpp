// flashinfer-bench's DSA evaluators in C++; see dsa_check.h for the rules.
//
// Thread safety: pure functions (rescoring spreads rows over worker threads,
// each writing only its own rows).
#include "runtime/dsa_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "jit/util/str_cat.h"
#include "runtime/reference/dsa.h"
#include "runtime/reference/parallel.h"
#include "runtime/trace.h"

namespace kjit::runtime {
namespace {

constexpr float k_rel_eps = 1e-8f;
constexpr std::size_t k_max_samples = 8;

std::string row_list(const std::vector<std::int64_t>& rows) {
  std::string s = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) s += (i ? ", " : "") + std::to_string(rows[i]);
  return s + "]";
}

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Row `row` of int [rows, cols] tensor `t`.
std::vector<std::int64_t> int_row(const HostTensor& t, std::int64_t row, std::int64_t cols) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(cols));
  for (std::int64_t c = 0; c < cols; ++c) out[static_cast<std::size_t>(c)] = t.get_int(row * cols + c);
  return out;
}

// Step 1: is every index >= 0 of `indices` a reachable token of row `b`?
bool reachable(const reference::IndexerProblem& p, std::int64_t b, const std::vector<std::int64_t>& indices) {
  const std::int64_t* table = p.block_table.data() + b * p.max_pages;
  for (std::int64_t idx : indices) {
    if (idx < 0) continue;
    const std::int64_t page = idx / p.page_size, offset = idx % p.page_size;
    const std::int64_t* hit = std::find(table, table + p.max_pages, page);
    if (hit == table + p.max_pages || (hit - table) * p.page_size + offset >= p.seq_lens[static_cast<std::size_t>(b)])
      return false;
  }
  return true;
}

// Step 2: does an index >= 0 appear twice?
bool has_duplicate(std::vector<std::int64_t> indices) {
  std::sort(indices.begin(), indices.end());
  for (std::size_t i = 1; i < indices.size(); ++i)
    if (indices[i] >= 0 && indices[i] == indices[i - 1]) return true;
  return false;
}

// Step 3: the scores at `indices` (padding -inf), sorted descending with NaN
// first (torch.sort(descending=True)), as float32.
std::vector<float> sorted_scores(const reference::IndexerProblem& p, std::int64_t b,
                                 const std::vector<std::int64_t>& indices) {
  const std::int64_t slots = p.num_pages * p.page_size;
  std::vector<float> s;
  s.reserve(indices.size());
  for (std::int64_t idx : indices) {
    s.push_back(idx >= 0 && idx < slots ? static_cast<float>(p.score(b, idx))
                                        : -std::numeric_limits<float>::infinity());
  }
  std::sort(s.begin(), s.end(), [](float x, float y) {
    if (std::isnan(x) != std::isnan(y)) return std::isnan(x);
    return x > y;
  });
  return s;
}

}  // namespace

DsaRule dsa_rule_for(const jit::Definition& def) {
  if (def.op_type != "dsa_paged") return DsaRule::none;
  if (def.find_output("topk_indices") && def.find_input("block_table")) return DsaRule::topk_indexer;
  if (def.find_input("sparse_indices")) return DsaRule::sparse_attention;
  return DsaRule::none;
}

std::string_view dsa_evaluator_name(DsaRule rule) {
  switch (rule) {
    case DsaRule::topk_indexer: return "DsaTopkIndexerEvaluator";
    case DsaRule::sparse_attention: return "DsaSparseAttentionEvaluator";
    case DsaRule::none: break;
  }
  return "";
}

nlohmann::ordered_json DsaIndexerReport::figures() const {
  return {{"evaluator", "DsaTopkIndexerEvaluator"},
          {"status", to_string(compare.status)},
          {"max_abs", json_number(compare.max_abs_error)},
          {"max_rel", json_number(compare.max_rel_error)},
          {"matched_ratio", compare.matched_ratio},
          {"mismatched", compare.mismatched},
          {"total", compare.total},
          {"out_of_range_rows", out_of_range_rows},
          {"duplicate_rows", duplicate_rows},
          {"padded_reference", padded_reference},
          {"padded_output", padded_output}};
}

Result<DsaIndexerReport> compare_dsa_topk_indices(const jit::Definition& def, const reference::TensorMap& inputs,
                                                  const HostTensor& output, const HostTensor& reference,
                                                  const Tolerance& tolerance) {
  DsaIndexerReport r;
  CompareReport& c = r.compare;
  if (output.shape != reference.shape || output.shape.size() != 2) {
    c.status = CompareStatus::incorrect_shape;
    c.message = "shape " + shape_to_string(output.shape) + " differs from the reference's " + shape_to_string(reference.shape);
    return r;
  }
  if (output.dtype != reference.dtype) {
    c.status = CompareStatus::incorrect_dtype;
    c.message = "dtype " + std::string(jit::dtype_name(output.dtype)) + " differs from the reference's " +
                std::string(jit::dtype_name(reference.dtype));
    return r;
  }
  const std::int64_t rows = output.shape[0], k = output.shape[1];
  const reference::IndexerProblem p = KJIT_TRY(reference::indexer_problem(def, inputs, k));
  if (p.batch != rows) {
    return fail(ErrorCode::invalid_argument,
                str_cat(def.name, ": topk_indices has ", rows, " rows, the inputs ", p.batch, " batch rows"));
  }
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<std::int64_t>> sol(static_cast<std::size_t>(rows)), ref(static_cast<std::size_t>(rows));
  for (std::int64_t b = 0; b < rows; ++b) {
    sol[static_cast<std::size_t>(b)] = int_row(output, b, k);
    ref[static_cast<std::size_t>(b)] = int_row(reference, b, k);
    for (std::int64_t i = 0; i < k; ++i) {
      r.padded_output += sol[static_cast<std::size_t>(b)][static_cast<std::size_t>(i)] < 0;
      r.padded_reference += ref[static_cast<std::size_t>(b)][static_cast<std::size_t>(i)] < 0;
    }
  }
  for (std::int64_t b = 0; b < rows; ++b) {
    if (!reachable(p, b, sol[static_cast<std::size_t>(b)])) r.out_of_range_rows.push_back(b);
    if (has_duplicate(sol[static_cast<std::size_t>(b)])) r.duplicate_rows.push_back(b);
  }
  c.total = rows * k;
  if (!r.out_of_range_rows.empty() || !r.duplicate_rows.empty()) {
    c.status = CompareStatus::incorrect_numerical;
    c.max_abs_error = c.max_rel_error = inf;
    c.matched_ratio = 0.0;
    c.message = !r.out_of_range_rows.empty() ? "INCORRECT_NUMERICAL: out-of-range indices in batch " + row_list(r.out_of_range_rows)
                                             : "INCORRECT_NUMERICAL: duplicate indices in batch " + row_list(r.duplicate_rows);
    return r;
  }

  std::vector<std::vector<float>> xs(static_cast<std::size_t>(rows)), ys(static_cast<std::size_t>(rows));
  reference::parallel_for(static_cast<std::size_t>(rows), 0, [&](std::size_t b) {
    xs[b] = sorted_scores(p, static_cast<std::int64_t>(b), sol[b]);
    ys[b] = sorted_scores(p, static_cast<std::int64_t>(b), ref[b]);
  });
  const auto atol = static_cast<float>(tolerance.atol), rtol = static_cast<float>(tolerance.rtol);
  bool any_finite = false, any_invalid = false;
  double worst_key = -1.0;
  for (std::int64_t b = 0; b < rows; ++b) {
    for (std::int64_t i = 0; i < k; ++i) {
      const float x = xs[static_cast<std::size_t>(b)][static_cast<std::size_t>(i)];
      const float y = ys[static_cast<std::size_t>(b)][static_cast<std::size_t>(i)];
      const bool shared = (std::isnan(x) && std::isnan(y)) || (std::isinf(x) && std::isinf(y) && std::signbit(x) == std::signbit(y));
      const bool finite = std::isfinite(x) && std::isfinite(y);
      bool failed = false;
      double key = 0.0;
      if (finite) {
        any_finite = true;
        const float d = std::fabs(x - y);
        const float rel = d / (std::fabs(y) + k_rel_eps);
        c.max_abs_error = std::max<double>(c.max_abs_error, d);
        c.max_rel_error = std::max<double>(c.max_rel_error, rel);
        failed = d > atol && rel > rtol;
        key = d;
      } else if (!shared) {
        failed = true;
        any_invalid = true;
        ++c.non_finite_mismatched;
        key = inf;
      }
      if (failed) {
        ++c.mismatched;
        if (c.first_mismatches.size() < k_max_samples) c.first_mismatches.push_back({{b, i}, x, y});
      }
      if (key > worst_key) {
        worst_key = key;
        c.worst_index = {b, i};
      }
    }
  }
  if (!any_finite) c.max_abs_error = c.max_rel_error = 0.0;
  if (any_invalid) c.max_abs_error = c.max_rel_error = inf;
  c.matched_ratio = c.total == 0 ? 1.0 : std::clamp(1.0 - static_cast<double>(c.mismatched) / static_cast<double>(c.total), 0.0, 1.0);
  if (c.matched_ratio < tolerance.required_matched_ratio) c.status = CompareStatus::incorrect_numerical;
  c.message = str_cat(to_string(c.status), ": sorted scores at the selected indices: ", c.mismatched, "/", c.total,
                      " outside atol=", format_double(tolerance.atol), " rtol=", format_double(tolerance.rtol),
                      " (matched ", format_double(c.matched_ratio), ", required ", format_double(tolerance.required_matched_ratio),
                      "), max_abs=", format_double(c.max_abs_error), " max_rel=", format_double(c.max_rel_error));
  return r;
}

std::optional<Result<CompareReport>> compare_dsa_output(const jit::Definition& def, const std::string& output_name,
                                                        const reference::TensorMap& inputs, const HostTensor& output,
                                                        const HostTensor& reference, const Tolerance& tolerance,
                                                        nlohmann::ordered_json& figures) {
  switch (dsa_rule_for(def)) {
    case DsaRule::none:
      return std::nullopt;
    case DsaRule::topk_indexer: {
      if (output_name != "topk_indices") return std::nullopt;
      auto report = compare_dsa_topk_indices(def, inputs, output, reference, tolerance);
      if (!report) return Result<CompareReport>(std::unexpected(report.error()));
      figures = report->figures();
      return Result<CompareReport>(std::move(report->compare));
    }
    case DsaRule::sparse_attention: {
      Tolerance t = tolerance;
      t.non_finite = NonFinite::flashinfer_bench;
      CompareReport report = compare_tensors(output, reference, t);
      if (!figures.is_object()) figures = {{"evaluator", "DsaSparseAttentionEvaluator"}};
      figures[output_name] = {{"status", to_string(report.status)},
                              {"max_abs", json_number(report.max_abs_error)},
                              {"max_rel", json_number(report.max_rel_error)},
                              {"matched_ratio", report.matched_ratio},
                              {"mismatched", report.mismatched},
                              {"total", report.total}};
      return Result<CompareReport>(std::move(report));
    }
  }
  return std::nullopt;
}

}  // namespace kjit::runtime
