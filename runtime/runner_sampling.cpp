// Runner::check for op_type "sampling": the statistical rule of
// sampling_check.h, run on the GPU. Per workload:
//   1. inputs (make_inputs, with --inputs-profile), then every row's
//      reference distribution and valid mask (float64, rows in parallel);
//   2. validation: `validation_launches` launches with seed = options.seed
//      and offsets 0, 1, ...; every sample must lie in [0, vocab) and in its
//      row's mask;
//   3. determinism: a second plan with the same seed and offset 0 must
//      reproduce launch 0 exactly;
//   4. distribution: up to `rows` rows (first, last, evenly spaced between)
//      are replicated into one batch (each row n_rep times, at most
//      replica_bytes of probabilities) and launched with advancing offsets
//      until every tested row has >= min_samples samples; every sample is
//      mask-checked, the counts go to row_stats.
// Status: INCORRECT_NUMERICAL for a sample out of range or outside its mask,
// launches that disagree, or a pooled TVD above the threshold; RUNTIME_ERROR
// when a launch or the reference fails. The trace's max errors are the worst
// token |frequency - expected| of the tested rows (and over expected); its
// correctness extra "sampling" holds the figures.
//
// Thread safety: see runner.h.
#include <algorithm>
#include <chrono>
#include <cmath>

#include "jit/util/str_cat.h"
#include "runtime/inputs.h"
#include "runtime/reference/parallel.h"
#include "runtime/reference/sampling.h"
#include "runtime/runner.h"
#include "runtime/runner_io.h"
#include "runtime/sampling_check.h"

namespace kjit::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// Mask bits per (row, token).
constexpr std::uint8_t k_valid = 1;      // kjit's rule
constexpr std::uint8_t k_evaluator = 2;  // flashinfer-bench's mask alone

std::vector<std::int64_t> tested_rows(std::int64_t batch, int max_rows) {
  std::vector<std::int64_t> rows;
  if (batch <= 0) return rows;
  if (max_rows <= 0 || batch <= max_rows) {
    for (std::int64_t r = 0; r < batch; ++r) rows.push_back(r);
    return rows;
  }
  for (int i = 0; i < max_rows; ++i) {
    const std::int64_t r = max_rows == 1 ? 0 : (static_cast<std::int64_t>(i) * (batch - 1) + (max_rows - 1) / 2) / (max_rows - 1);
    if (rows.empty() || rows.back() != r) rows.push_back(r);
  }
  return rows;
}

}  // namespace

std::vector<std::int64_t> sampling_tested_rows(std::int64_t batch, int max_rows) { return tested_rows(batch, max_rows); }

WorkloadResult Runner::check_sampling(const jit::Definition& def, const jit::Artifact& art, const Workload* workload,
                                      const CheckOptions& options, const std::filesystem::path& blob_root) {
  WorkloadResult wr = new_workload_result(def, "kjit:" + art.template_name, options);
  TraceRecord& trace = wr.trace;
  trace.status = EvalStatus::passed;
  if (workload != nullptr) wr.notes.push_back("workload " + workload->origin());
  const SamplingCheckOptions& so = options.sampling;
  nlohmann::ordered_json extra;
  extra["rule"] = {{"tvd_threshold", so.rule.tvd_threshold},
                   {"mask_eps", so.rule.mask_eps},
                   {"min_samples", so.rule.min_samples},
                   {"min_group_count", so.rule.min_group_count}};
  auto fail_with = [&](EvalStatus status, const std::string& note) {
    trace.status = status;
    wr.notes.push_back(note);
  };

  auto run = [&]() -> Result<void> {
    InputOptions io_options;
    io_options.seed = options.seed;
    io_options.blob_root = blob_root;
    io_options.profile = options.inputs_profile;
    InputSet set = KJIT_TRY(make_inputs(def, workload, options.axes, io_options));
    for (const auto& n : set.notes) wr.notes.push_back(n);
    wr.axes_text = detail::var_axes_text(def, set.binding.values);
    for (const auto& axis : def.axes)
      if (axis.kind == jit::AxisKind::var)
        if (auto it = set.binding.values.find(axis.name); it != set.binding.values.end()) trace.axes[axis.name] = it->second;
    for (const auto& spec : def.inputs) trace.inputs[spec.name] = {{"type", "random"}};
    const HostTensor* probs = set.find("probs");
    const HostTensor* top_k = set.find("top_k");
    const HostTensor* top_p = set.find("top_p");
    if (!probs || probs->shape.size() != 2)
      return fail(ErrorCode::invalid_argument, def.name + ": sampling needs probs [batch_size, vocab_size]");
    const std::int64_t batch = probs->shape[0], vocab = probs->shape[1];
    const std::vector<std::int64_t> rows = tested_rows(batch, so.rows);

    // 1. Reference distributions (tested rows) and masks (every row).
    const auto ref_start = Clock::now();
    std::vector<std::uint8_t> masks(static_cast<std::size_t>(batch * vocab), 0);
    std::vector<std::vector<double>> expected(rows.size());
    std::vector<reference::SamplingParams> params(static_cast<std::size_t>(batch));
    reference::parallel_for(static_cast<std::size_t>(batch), reference::resolve_threads(0), [&](std::size_t r) {
      std::vector<double> row(static_cast<std::size_t>(vocab));
      for (std::int64_t i = 0; i < vocab; ++i) row[static_cast<std::size_t>(i)] = probs->get(static_cast<std::int64_t>(r) * vocab + i);
      reference::SamplingParams& p = params[r];
      p.has_top_k = top_k != nullptr;
      p.has_top_p = top_p != nullptr;
      if (top_k) p.top_k = top_k->get_int(static_cast<std::int64_t>(r));
      if (top_p) p.top_p = top_p->get(static_cast<std::int64_t>(r));
      const std::vector<std::int64_t> order = reference::sampling_order(row);
      const std::vector<double> q = reference::sampling_distribution(row, order, p);
      const std::vector<std::uint8_t> ev = evaluator_mask(row, order, p, so.rule.mask_eps);
      std::uint8_t* m = masks.data() + r * static_cast<std::size_t>(vocab);
      for (std::size_t i = 0; i < row.size(); ++i)
        m[i] = static_cast<std::uint8_t>((ev[i] || q[i] > 0 ? k_valid : 0) | (ev[i] ? k_evaluator : 0));
      for (std::size_t t = 0; t < rows.size(); ++t)
        if (rows[t] == static_cast<std::int64_t>(r)) expected[t] = q;
    });
    wr.reference_ms = std::chrono::duration<double, std::milli>(Clock::now() - ref_start).count();

    // Mask bookkeeping shared by every phase.
    std::int64_t checked = 0, violations = 0, outside_evaluator = 0;
    nlohmann::ordered_json first_violation;
    auto check_sample = [&](std::int64_t row, std::int64_t token, std::int64_t launch) {
      ++checked;
      const bool in_range = token >= 0 && token < vocab;
      const std::uint8_t bits = in_range ? masks[static_cast<std::size_t>(row * vocab + token)] : 0;
      if (!(bits & k_valid)) {
        if (violations++ == 0) {
          first_violation = {{"row", row}, {"token", token}, {"launch", launch}};
          if (in_range) first_violation["prob"] = probs->get(row * vocab + token);
          if (top_k) first_violation["top_k"] = top_k->get_int(row);
          if (top_p) first_violation["top_p"] = top_p->get(row);
        }
      } else if (!(bits & k_evaluator)) {
        ++outside_evaluator;
      }
    };

    // 2. Validation launches.
    detail::DeviceIo io = KJIT_TRY(detail::upload_io(def, set));
    const jit::Bindings bindings = detail::to_bindings(set.binding.values);
    // The kernel's random stream: seed = --seed, offset from 0 (only the parameters its plan declares).
    jit::Bindings stream_start;
    for (const auto& p : art.plan.params) {
      if (p.name == "seed") stream_start["seed"] = static_cast<std::int64_t>(options.seed);
      if (p.name == "offset") stream_start["offset"] = 0;
    }
    PreparedPlan plan = KJIT_TRY(m_launcher.prepare(art, bindings, io.pointers, io.scalars, stream_start));
    DeviceTensor& out = io.outputs.front();
    std::vector<std::int64_t> first;
    const int validation = std::max(1, so.validation_launches);
    for (int launch = 0; launch < validation; ++launch) {
      KJIT_TRY_VOID(out.buffer.fill(0xFF));
      KJIT_TRY_VOID(m_launcher.run(plan, m_stream.get()));
      KJIT_TRY_VOID(m_stream.synchronize());
      const HostTensor s = KJIT_TRY(out.download());
      for (std::int64_t r = 0; r < batch; ++r) {
        check_sample(r, s.get_int(r), launch);
        if (launch == 0) first.push_back(s.get_int(r));
      }
    }
    // 3. Determinism: the same seed and offset again.
    {
      PreparedPlan again = KJIT_TRY(m_launcher.prepare(art, bindings, io.pointers, io.scalars, stream_start));
      KJIT_TRY_VOID(out.buffer.fill(0xFF));
      KJIT_TRY_VOID(m_launcher.run(again, m_stream.get()));
      KJIT_TRY_VOID(m_stream.synchronize());
      const HostTensor s = KJIT_TRY(out.download());
      std::int64_t differ = 0;
      for (std::int64_t r = 0; r < batch; ++r) differ += s.get_int(r) != first[static_cast<std::size_t>(r)];
      extra["deterministic"] = differ == 0;
      if (differ > 0)
        fail_with(EvalStatus::incorrect_numerical,
                  str_cat("not deterministic: ", differ, " of ", batch, " rows drew another token for the same seed and offset"));
    }
    extra["validation_launches"] = validation;

    // 4. Distribution over replicated rows.
    std::vector<std::vector<std::uint64_t>> counts(rows.size(), std::vector<std::uint64_t>(static_cast<std::size_t>(vocab), 0));
    const std::uint64_t row_bytes = static_cast<std::uint64_t>(vocab) * 4;
    const std::int64_t want = std::max<std::int64_t>(1, so.rule.min_samples);
    std::int64_t reps = 0, launches = 0;
    if (!rows.empty() && vocab > 0) {
      const std::uint64_t cap_rows = std::max<std::uint64_t>(1, so.replica_bytes / row_bytes / rows.size());
      reps = static_cast<std::int64_t>(std::min<std::uint64_t>(cap_rows, static_cast<std::uint64_t>(want)));
      const std::int64_t total_rows = reps * static_cast<std::int64_t>(rows.size());
      DeviceBuffer replica = KJIT_TRY(DeviceBuffer::allocate(static_cast<std::uint64_t>(total_rows) * row_bytes, "replicated probs"));
      const CUdeviceptr src = io.pointers.at("probs");
      for (std::size_t t = 0; t < rows.size(); ++t) {  // row t fills rows [t * reps, (t + 1) * reps) by doubling
        const CUdeviceptr block = replica.ptr() + t * static_cast<std::uint64_t>(reps) * row_bytes;
        KJIT_TRY_VOID(copy_async(block, src + static_cast<std::uint64_t>(rows[t]) * row_bytes, row_bytes, m_stream.get()));
        for (std::int64_t have = 1; have < reps; have *= 2) {
          const std::int64_t n = std::min(have, reps - have);
          KJIT_TRY_VOID(copy_async(block + static_cast<std::uint64_t>(have) * row_bytes, block,
                                   static_cast<std::uint64_t>(n) * row_bytes, m_stream.get()));
        }
      }
      AxisValues rep_axes = set.binding.values;
      rep_axes["batch_size"] = total_rows;
      std::map<std::string, std::uint64_t, std::less<>> pointers;
      pointers["probs"] = replica.ptr();
      std::vector<DeviceTensor> params_dev;
      for (const HostTensor* h : {top_k, top_p}) {
        if (!h) continue;
        HostTensor rep = HostTensor::zeros(h->dtype, {total_rows});
        for (std::int64_t i = 0; i < total_rows; ++i) {
          const std::int64_t r = rows[static_cast<std::size_t>(i / reps)];
          if (h->dtype == Dtype::int32) rep.set_int(i, h->get_int(r)); else rep.set(i, h->get(r));
        }
        params_dev.push_back(KJIT_TRY(DeviceTensor::upload(h == top_k ? "top_k" : "top_p", rep)));
        pointers[params_dev.back().name] = params_dev.back().buffer.ptr();
      }
      DeviceTensor rep_out = KJIT_TRY(DeviceTensor::allocate("samples", Dtype::int64, {total_rows}));
      pointers["samples"] = rep_out.buffer.ptr();
      PreparedPlan rep_plan = KJIT_TRY(m_launcher.prepare(art, detail::to_bindings(rep_axes), pointers, io.scalars, stream_start));
      launches = (want + reps - 1) / reps;
      for (std::int64_t launch = 0; launch < launches; ++launch) {
        KJIT_TRY_VOID(m_launcher.run(rep_plan, m_stream.get()));
        KJIT_TRY_VOID(m_stream.synchronize());
        const HostTensor s = KJIT_TRY(rep_out.download());
        for (std::int64_t i = 0; i < total_rows; ++i) {
          const std::size_t t = static_cast<std::size_t>(i / reps);
          const std::int64_t token = s.get_int(i);
          check_sample(rows[t], token, validation + launch);
          if (token >= 0 && token < vocab) ++counts[t][static_cast<std::size_t>(token)];
        }
      }
    }
    extra["rows_tested"] = rows;
    extra["replicas"] = reps;
    extra["launches"] = launches;
    extra["samples_checked"] = checked;
    extra["mask_violations"] = violations;
    extra["outside_evaluator_mask"] = outside_evaluator;
    if (violations > 0) {
      extra["first_violation"] = first_violation;
      fail_with(EvalStatus::incorrect_numerical,
                str_cat(violations, " of ", checked, " samples outside the valid mask (out of range, or outside both "
                        "flashinfer-bench's mask and the reference's support); first: ", first_violation.dump()));
    }
    double tvd_max = 0, token_max = 0, noise_max = 0, abs_max = 0, rel_max = 0;
    nlohmann::ordered_json per_row = nlohmann::ordered_json::array();
    for (std::size_t t = 0; t < rows.size(); ++t) {
      RowStats st = row_stats(counts[t], expected[t], so.rule);
      st.row = rows[t];
      per_row.push_back(st.to_json());
      tvd_max = std::max(tvd_max, st.tvd_pooled);
      token_max = std::max(token_max, st.tvd_token);
      noise_max = std::max(noise_max, st.noise_pooled);
      abs_max = std::max(abs_max, st.max_abs_error);
      rel_max = std::max(rel_max, st.max_rel_error);
      if (!st.passed)
        fail_with(EvalStatus::incorrect_numerical,
                  str_cat("row ", st.row, ": pooled TVD ", st.tvd_pooled, " > ", so.rule.tvd_threshold, " over ", st.samples,
                          " samples (noise floor ", st.noise_pooled, ", per-token TVD ", st.tvd_token, ")"));
    }
    extra["tvd_pooled_max"] = tvd_max;
    extra["tvd_token_max"] = token_max;
    extra["noise_pooled_max"] = noise_max;
    extra["rows"] = per_row;
    trace.max_absolute_error = abs_max;
    trace.max_relative_error = rel_max;
    wr.notes.push_back(str_cat("sampling: ", rows.size(), " row(s) x ", want, "+ samples, max pooled TVD ", tvd_max,
                               " (threshold ", so.rule.tvd_threshold, ", noise ", noise_max, "), max per-token TVD ",
                               token_max, "; ", checked, " samples mask-checked, ", violations, " violations, ",
                               outside_evaluator, " outside flashinfer-bench's mask only"));

    // Latency of a passing kernel: median of warm launches of the checked batch.
    if (trace.status == EvalStatus::passed) {
      for (int i = 0; i < 2; ++i) KJIT_TRY_VOID(m_launcher.run(plan, m_stream.get()));
      Event start = KJIT_TRY(Event::create());
      Event end = KJIT_TRY(Event::create());
      std::vector<double> ms;
      for (int i = 0; i < std::max(1, options.perf_iters); ++i) {
        KJIT_TRY_VOID(start.record(m_stream.get()));
        KJIT_TRY_VOID(m_launcher.run(plan, m_stream.get()));
        KJIT_TRY_VOID(end.record(m_stream.get()));
        KJIT_TRY_VOID(end.synchronize());
        ms.push_back(KJIT_TRY(Event::elapsed_ms(start, end)));
      }
      std::sort(ms.begin(), ms.end());
      trace.latency_ms = ms[ms.size() / 2];
    }
    return {};
  };
  if (auto r = run(); !r) fail_with(EvalStatus::runtime_error, "sampling check: " + r.error().full());
  trace.correctness_extra = {{"sampling", extra}};
  trace.reference_latency_ms = wr.reference_ms;
  trace.uuid = workload && !workload->uuid.empty() ? workload->uuid : detail::synthesized_uuid(def.name, wr.axes_text, options.seed);
  trace.timestamp = iso_timestamp_now();
  std::string log;
  for (const auto& n : wr.notes) log += (log.empty() ? "" : "\n") + n;
  trace.log = log;
  return wr;
}

}  // namespace kjit::runtime
