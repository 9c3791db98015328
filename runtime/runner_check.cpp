// Runner::check: run the kernel and the C++ reference on each selected
// workload, compare with flashinfer-bench's rule, and build Trace records.
//
// Thread safety: see runner.h.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "runtime/compare.h"
#include "runtime/dsa_check.h"
#include "runtime/inputs.h"
#include "runtime/reference/reference.h"
#include "runtime/runner.h"
#include "runtime/runner_io.h"
#include "jit/util/str_cat.h"

namespace kjit::runtime {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// NaN-propagating max: a NaN error anywhere makes the maximum NaN.
double nan_max(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return std::max(a, b);
}

EvalStatus from_compare(CompareStatus status) {
  switch (status) {
    case CompareStatus::passed: return EvalStatus::passed;
    case CompareStatus::incorrect_shape: return EvalStatus::incorrect_shape;
    case CompareStatus::incorrect_dtype: return EvalStatus::incorrect_dtype;
    case CompareStatus::incorrect_numerical: return EvalStatus::incorrect_numerical;
  }
  return EvalStatus::incorrect_numerical;
}

EvalStatus worse(EvalStatus a, EvalStatus b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

nlohmann::ordered_json input_spec_json(const jit::TensorSpec& spec, const Workload* workload, const InputSet* set) {
  if (workload != nullptr) {
    if (auto it = workload->inputs.find(spec.name); it != workload->inputs.end()) {
      const WorkloadInput& in = it->second;
      switch (in.kind) {
        case WorkloadInput::Kind::random: return {{"type", "random"}};
        case WorkloadInput::Kind::scalar: return {{"type", "scalar"}, {"value", in.value}};
        case WorkloadInput::Kind::safetensors:
          return {{"type", "safetensors"}, {"path", in.path}, {"tensor_key", in.tensor_key}};
      }
    }
  }
  if (spec.is_scalar() && set != nullptr) {
    if (const HostTensor* t = set->find(spec.name)) return {{"type", "scalar"}, {"value", json_number(t->get(0))}};
  }
  return {{"type", "random"}};
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += "\n";
    out += l;
  }
  return out;
}

}  // namespace

WorkloadResult Runner::new_workload_result(const jit::Definition& def, std::string solution, const CheckOptions& options) const {
  WorkloadResult wr;
  wr.trace.definition = def.name;
  wr.trace.solution = std::move(solution);
  wr.trace.hardware = device_info().name;
  wr.trace.libs = options.libs;
  return wr;
}

DefinitionResult Runner::check(const jit::Definition& def, const ArtifactFn& artifact_fn, const CheckOptions& options,
                               const WorkloadCallback& on_workload) {
  DefinitionResult result;
  result.name = def.name;
  if (!reference::has_reference(def)) {
    result.status = EvalStatus::skipped;
    result.message = str_cat("no C++ reference for op_type '", def.op_type, "' with these inputs");
    return result;
  }

  // The workloads to run: --axes, else the workloads file, else defaults.
  std::vector<Workload> file_workloads;
  std::vector<const Workload*> jobs;
  std::filesystem::path blob_root;
  std::string workload_note;
  if (options.axes.empty()) {
    for (const auto& candidate : workload_file_candidates(def, options.workloads_dir)) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(candidate, ec)) continue;
      auto loaded = load_workloads(candidate);
      if (!loaded) {
        result.status = EvalStatus::runtime_error;
        result.message = loaded.error().message;
        return result;
      }
      for (auto& w : *loaded)
        if (w.definition == def.name) file_workloads.push_back(std::move(w));
      // <root>/workloads/<op_type>/<name>.jsonl: blob paths are relative to <root>.
      blob_root = candidate.parent_path().parent_path().parent_path();
      workload_note = str_cat("workloads from ", candidate.string(), " (", file_workloads.size(), " records)");
      break;
    }
    for (std::size_t i : select_workloads(file_workloads, options.max_workloads)) jobs.push_back(&file_workloads[i]);
  }
  if (jobs.empty()) jobs.push_back(nullptr);

  auto artifact = artifact_fn(def);
  if (!artifact) {
    const Error& e = artifact.error();
    if (e.code == ErrorCode::no_template) {
      result.status = EvalStatus::skipped;
      result.message = e.message;
      return result;
    }
    const bool compile = e.code == ErrorCode::compile_error || e.code == ErrorCode::render_error ||
                         e.code == ErrorCode::parse_error;
    result.status = compile ? EvalStatus::compile_error : EvalStatus::runtime_error;
    result.message = e.message;
    for (const Workload* w : jobs) {
      WorkloadResult wr = new_workload_result(def, "kjit", options);
      wr.trace.status = result.status;
      wr.trace.uuid = w ? w->uuid : detail::synthesized_uuid(def.name, "", options.seed);
      if (w)
        for (const auto& [k, v] : w->axes) wr.trace.axes[k] = v;
      for (const auto& spec : def.inputs) wr.trace.inputs[spec.name] = input_spec_json(spec, w, nullptr);
      wr.trace.timestamp = iso_timestamp_now();
      wr.trace.log = e.full();
      if (w) wr.axes_text = detail::var_axes_text(def, w->axes);
      if (on_workload) on_workload(def, wr);
      result.workloads.push_back(std::move(wr));
    }
    return result;
  }
  const jit::Artifact& art = **artifact;
  result.template_name = art.template_name;
  const reference::Options ref_options;
  const Tolerance tolerance = tolerance_for(def);

  for (const Workload* workload : jobs) {
    if (def.op_type == "sampling") {  // judged by a distribution, not elementwise (runner_sampling.cpp)
      WorkloadResult wr = check_sampling(def, art, workload, options, blob_root);
      if (!workload_note.empty()) {
        wr.notes.insert(wr.notes.begin(), workload_note);
        wr.trace.log = workload_note + "\n" + wr.trace.log;
      }
      result.status = worse(result.status, wr.trace.status);
      if (on_workload) on_workload(def, wr);
      result.workloads.push_back(std::move(wr));
      continue;
    }
    WorkloadResult wr = new_workload_result(def, "kjit:" + art.template_name, options);
    TraceRecord& trace = wr.trace;
    if (!workload_note.empty()) wr.notes.push_back(workload_note);
    if (workload != nullptr) wr.notes.push_back("workload " + workload->origin());
    EvalStatus status = EvalStatus::passed;
    double max_abs = 0, max_rel = 0;
    const InputSet* last_set = nullptr;
    InputSet set;
    std::optional<detail::DeviceIo> kept_io;
    std::optional<PreparedPlan> kept_plan;

    for (int trial = 0; trial < std::max(1, options.trials) && status == EvalStatus::passed; ++trial) {
      InputOptions io_options;
      io_options.seed = options.seed + static_cast<std::uint64_t>(trial);
      io_options.blob_root = blob_root;
      io_options.sequences = options.sequences;
      io_options.profile = options.inputs_profile;
      auto made = make_inputs(def, workload, options.axes, io_options);
      if (!made) {
        status = EvalStatus::runtime_error;
        wr.notes.push_back("inputs: " + made.error().full());
        break;
      }
      set = std::move(*made);
      last_set = &set;
      if (trial == 0)
        for (const auto& n : set.notes) wr.notes.push_back(n);
      wr.axes_text = detail::var_axes_text(def, set.binding.values);

      // Kernel: upload, poison outputs (0xFF bytes: NaN in every float
      // dtype, -1 in integers) so an unwritten element cannot pass, launch.
      auto run_kernel = [&]() -> Result<std::vector<HostTensor>> {
        detail::DeviceIo io = KJIT_TRY(detail::upload_io(def, set, options.aliases));
        for (auto& out : io.outputs) KJIT_TRY_VOID(out.buffer.fill(0xFF));
        PreparedPlan plan =
            KJIT_TRY(m_launcher.prepare(art, detail::to_bindings(set.binding.values), io.pointers, io.scalars));
        KJIT_TRY_VOID(m_launcher.run(plan, m_stream.get()));
        KJIT_TRY_VOID(m_stream.synchronize());
        std::vector<HostTensor> outs = KJIT_TRY(detail::download_outputs(def, io));
        kept_io = std::move(io);
        kept_plan = std::move(plan);
        return outs;
      };
      auto outputs = run_kernel();
      if (!outputs) {
        status = EvalStatus::runtime_error;
        wr.notes.push_back("kernel: " + outputs.error().full());
        break;
      }

      // Reference in float64, rounded to each output's dtype.
      // References that read raw views (moe) get the tensors' bytes, not a
      // float64 copy (MoE weights: up to 17 G elements).
      reference::TensorMap ref_inputs;
      const bool raw = reference::reads_raw_inputs(def);
      for (const auto& [name, host] : set.inputs) {
        if (raw && !host.scalar) {
          ref_inputs[name] = reference::RefTensor{host.shape, {}, {host.bytes.data(), host.dtype, host.byte_size()}};
        } else {
          ref_inputs[name] = reference::RefTensor{host.shape, host.to_doubles(), {}};
        }
      }
      auto ref_start = Clock::now();
      auto ref = reference::run_reference(def, set.binding.values, ref_inputs, ref_options);
      wr.reference_ms = ms_since(ref_start);
      if (!ref) {
        status = EvalStatus::runtime_error;
        wr.notes.push_back("reference: " + ref.error().full());
        break;
      }
      // Every output, then every input the reference updated in place (read
      // back from the kernel's buffer of that input).
      std::vector<const jit::TensorSpec*> compared;
      for (const auto& spec : def.outputs) compared.push_back(&spec);
      for (const auto& spec : def.inputs) {
        if (!ref->contains(spec.name)) continue;
        auto now = detail::download_input(*kept_io, spec.name);
        if (!now) {
          status = EvalStatus::runtime_error;
          wr.notes.push_back("kernel: " + now.error().full());
          break;
        }
        outputs->push_back(std::move(*now));
        compared.push_back(&spec);
      }
      for (std::size_t i = 0; i < compared.size() && status != EvalStatus::runtime_error; ++i) {
        const auto& spec = *compared[i];
        const std::string label = i < def.outputs.size() ? spec.name : spec.name + " (in place)";
        auto it = ref->find(spec.name);
        if (it == ref->end()) {
          status = EvalStatus::runtime_error;
          wr.notes.push_back("reference: no output '" + spec.name + "'");
          break;
        }
        auto expected = HostTensor::from_doubles(spec.dtype, it->second.shape, it->second.data);
        if (!expected) {
          status = EvalStatus::runtime_error;
          wr.notes.push_back("reference: " + expected.error().full());
          break;
        }
        // A family rule (the DSA evaluators) where one judges this output, else compare_tensors.
        auto family = compare_dsa_output(def, spec.name, ref_inputs, (*outputs)[i], *expected, tolerance, wr.rule);
        if (family && !*family) {
          status = EvalStatus::runtime_error;
          wr.notes.push_back("comparison: " + family->error().full());
          break;
        }
        CompareReport report = family ? std::move(**family) : compare_tensors((*outputs)[i], *expected, tolerance);
        EvalStatus s = from_compare(report.status);
        const bool new_worst = wr.worst_tensor.empty() || report.max_abs_error > max_abs ||
                               (std::isnan(report.max_abs_error) && !std::isnan(max_abs));
        if (new_worst) {
          wr.worst_tensor = label;
          wr.worst_index = report.worst_index;
        }
        max_abs = nan_max(max_abs, report.max_abs_error);
        max_rel = nan_max(max_rel, report.max_rel_error);
        wr.matched_ratio = std::min(wr.matched_ratio, report.matched_ratio);
        if (s != EvalStatus::passed || options.trials > 1)
          wr.notes.push_back(str_cat(label, ": ", report.message, trial > 0 ? str_cat(" (trial ", trial, ")") : ""));
        status = worse(status, s);
      }
    }

    // Latency of a passing kernel: median of warm launches (inputs as checked).
    if (status == EvalStatus::passed && kept_plan) {
      auto time_it = [&]() -> Result<double> {
        for (int i = 0; i < 2; ++i) KJIT_TRY_VOID(m_launcher.run(*kept_plan, m_stream.get()));
        std::vector<double> ms;
        Event start = KJIT_TRY(Event::create());
        Event end = KJIT_TRY(Event::create());
        for (int i = 0; i < std::max(1, options.perf_iters); ++i) {
          KJIT_TRY_VOID(start.record(m_stream.get()));
          KJIT_TRY_VOID(m_launcher.run(*kept_plan, m_stream.get()));
          KJIT_TRY_VOID(end.record(m_stream.get()));
          KJIT_TRY_VOID(end.synchronize());
          ms.push_back(KJIT_TRY(Event::elapsed_ms(start, end)));
        }
        std::sort(ms.begin(), ms.end());
        return ms[ms.size() / 2];
      };
      auto latency = time_it();
      if (latency) {
        trace.latency_ms = *latency;
      } else {
        status = EvalStatus::runtime_error;
        wr.notes.push_back("timing: " + latency.error().full());
      }
    }

    trace.status = status;
    trace.max_absolute_error = max_abs;
    trace.max_relative_error = max_rel;
    trace.reference_latency_ms = wr.reference_ms;
    wr.required_matched_ratio = tolerance.required_matched_ratio;
    if (!wr.worst_tensor.empty())
      trace.correctness_extra = {{"worst_tensor", wr.worst_tensor},
                                 {"worst_index", wr.worst_index},
                                 {"matched_ratio", wr.matched_ratio},
                                 {"required_matched_ratio", wr.required_matched_ratio}};
    if (!wr.rule.is_null()) trace.correctness_extra["rule"] = wr.rule;
    trace.uuid = workload && !workload->uuid.empty() ? workload->uuid
                                                      : detail::synthesized_uuid(def.name, wr.axes_text, options.seed);
    if (last_set != nullptr) {
      for (const auto& axis : def.axes) {
        if (axis.kind != jit::AxisKind::var) continue;
        if (auto it = last_set->binding.values.find(axis.name); it != last_set->binding.values.end())
          trace.axes[axis.name] = it->second;
      }
    } else if (workload != nullptr) {
      for (const auto& [k, v] : workload->axes) trace.axes[k] = v;
    }
    for (const auto& spec : def.inputs) trace.inputs[spec.name] = input_spec_json(spec, workload, last_set);
    trace.timestamp = iso_timestamp_now();
    trace.log = join_lines(wr.notes);
    result.status = worse(result.status, status);
    if (on_workload) on_workload(def, wr);
    result.workloads.push_back(std::move(wr));
  }
  return result;
}

}  // namespace kjit::runtime
