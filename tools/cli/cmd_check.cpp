// `kjit check NAME...|--all [--workloads DIR] [--axes k=v,...] [--trials N]
//  [--trace FILE] [--arch A] [--json] [--max-workloads N] [--all-workloads]
//  [--seed N] [--kv-len N] [--q-len N] [--empty-first] [--alias OUT=IN] [--inputs-profile NAME]
//  [--sampling-rows N] [--sampling-samples N] [--tvd-threshold X]`: runs each definition's kernel on its workloads against the
// C++ reference (flashinfer-bench's comparison rule; sampling: its statistical
// rule, runtime/sampling_check.h), printing one line per
// workload as it finishes and a summary table; `--trace` writes
// flashinfer-bench Trace JSONL, `--json` one object per definition.
// `--all` checks every definition a template serves; others are listed as
// skipped. Exit: 0 all passed, 5 a mismatch, 4 a compile error, 1 a runtime
// error (worst first: 1, 4, 5), 3 an unknown name or a named definition no
// template serves, 6 no CUDA device.
#include <cstdio>
#include <fstream>

#include "runtime/input_profiles.h"
#include "runtime/runner.h"
#include "tools/cli/input_flags.h"
#include "tools/cli/jit_session.h"

namespace kjit::tools {
namespace {

struct Args {
  std::vector<std::string> names;
  bool all = false;
  std::string workloads;
  int trials = 1;
  std::string trace;
  std::string arch;
  bool json = false;
  int max_workloads = 8;
  bool all_workloads = false;
  InputFlags inputs;
  int sampling_rows = 8;
  std::int64_t sampling_samples = 500000;
  double tvd_threshold = 0.2;
};

std::string fmt_error(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

nlohmann::ordered_json definition_json(const runtime::DefinitionResult& r) {
  nlohmann::ordered_json workloads = nlohmann::ordered_json::array();
  for (const auto& w : r.workloads) {
    nlohmann::ordered_json j{{"uuid", w.trace.uuid},
                             {"axes", w.trace.axes},
                             {"status", runtime::to_string(w.trace.status)},
                             {"max_absolute_error", runtime::json_number(w.trace.max_absolute_error)},
                             {"max_relative_error", runtime::json_number(w.trace.max_relative_error)},
                             {"worst_tensor", w.worst_tensor},
                             {"worst_index", w.worst_index},
                             {"matched_ratio", w.matched_ratio},
                             {"required_matched_ratio", w.required_matched_ratio},
                             {"latency_ms", w.trace.latency_ms ? nlohmann::ordered_json(*w.trace.latency_ms) : nullptr},
                             {"reference_ms", w.reference_ms}};
    if (!w.rule.is_null()) j["rule"] = w.rule;  // a family rule's figures (DSA evaluators)
    // Op-specific figures (sampling: masks, TVDs, determinism), as in the trace's correctness.
    if (!w.trace.correctness_extra.is_null() && w.trace.correctness_extra.contains("sampling"))
      j["sampling"] = w.trace.correctness_extra["sampling"];
    if (w.trace.status != runtime::EvalStatus::passed) j["log"] = w.trace.log;
    workloads.push_back(j);
  }
  return {{"name", r.name},
          {"template", r.template_name},
          {"status", runtime::to_string(r.status)},
          {"message", r.message},
          {"workloads", workloads}};
}

void add_options(CLI::App& sub, Args& a) {
  sub.add_option("NAME", a.names, "definition names");
  sub.add_flag("--all", a.all, "every definition a template serves (others are reported as skipped)");
  sub.add_option("--workloads", a.workloads,
                 "workloads folder (<dir>/<op_type>/<name>.jsonl); default: the dataset's workloads/ beside its definitions/");
  a.inputs.add_axes(sub, "var-axis values k=v,... (instead of workloads)");
  sub.add_option("--trials", a.trials, "input draws per workload (seeds seed..seed+N-1)")->check(CLI::PositiveNumber);
  sub.add_option("--trace", a.trace, "write flashinfer-bench Trace JSONL to FILE");
  sub.add_option("--arch", a.arch, "target arch (default: the device's)");
  sub.add_flag("--json", a.json, "one JSON object per definition");
  sub.add_option("--max-workloads", a.max_workloads,
                 "workloads per definition (smallest, largest and evenly spaced between)");
  sub.add_flag("--all-workloads", a.all_workloads, "every workload of each definition");
  a.inputs.add_seed_and_profile(sub, "random input seed (sampling: also the kernels' Philox seed)");
  sub.add_option("--sampling-rows", a.sampling_rows,
                 "sampling: rows per workload whose distribution is tested (0 = all; every row is mask-checked)")
      ->check(CLI::NonNegativeNumber);
  sub.add_option("--sampling-samples", a.sampling_samples, "sampling: samples per tested row")->check(CLI::PositiveNumber);
  sub.add_option("--tvd-threshold", a.tvd_threshold, "sampling: largest pooled total variation distance that passes")
      ->check(CLI::Range(0.0, 1.0));
  a.inputs.add_shape_flags(sub);
}

int run(const Globals& globals, const Args& a) {
  if (a.names.empty() && !a.all) return report(Error{ErrorCode::invalid_argument, "check: give NAME... or --all", {}});
  runtime::CheckOptions options;
  if (auto applied = a.inputs.apply(options); !applied) return report(applied.error());
  if (!a.workloads.empty()) options.workloads_dir = a.workloads;
  options.trials = a.trials;
  options.max_workloads = a.all_workloads ? 0 : a.max_workloads;
  options.sampling.rows = a.sampling_rows;
  options.sampling.rule.min_samples = a.sampling_samples;
  options.sampling.rule.tvd_threshold = a.tvd_threshold;

  int rc = 0;
  auto jit = open_jit(globals, &rc);
  if (!jit) return rc;
  std::vector<const jit::Definition*> defs;
  std::vector<runtime::DefinitionResult> results;
  if (a.all) {
    for (const jit::Definition* d : jit->definitions()) {
      if (!jit->served_by(*d).empty()) {
        defs.push_back(d);
      } else {
        runtime::DefinitionResult r;
        r.name = d->name;
        r.status = runtime::EvalStatus::skipped;
        r.message = "no template serves it";
        results.push_back(r);
      }
    }
  }
  int name_error = 0;
  for (const auto& name : a.names) {
    const jit::Definition* d = jit->find(name);
    if (d == nullptr) {
      name_error = report(Error{ErrorCode::not_found,
                                "check: unknown definition '" + name + "' (see `kjit list`; add folders with --definitions)", {}});
      continue;
    }
    defs.push_back(d);
  }
  if (name_error != 0) return name_error;
  if (!a.inputs.profile.empty()) {  // before opening a device: a typo is a usage error
    for (const jit::Definition* d : defs) {
      const std::vector<std::string> names = runtime::input_profiles(*d);
      if (std::find(names.begin(), names.end(), a.inputs.profile) != names.end()) continue;
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      return report(Error{ErrorCode::invalid_argument,
                          "check: no input profile '" + a.inputs.profile + "' for " + d->name +
                              " (op_type " + d->op_type +
                              (known.empty() ? std::string(" has none") : "; profiles: " + known) + ")",
                          {}});
    }
  }

  auto runner = runtime::Runner::open();
  if (!runner) return report(runner.error());
  const runtime::DeviceInfo& device = (*runner)->device_info();
  std::string arch = a.arch.empty() ? globals.config().arch : a.arch;
  if (arch.empty()) arch = device.arch;
  options.libs = {{"cuda", device.driver_version_text()}, {"nvrtc", jit->compiler_version()}};

  std::ofstream trace;
  if (!a.trace.empty()) {
    trace.open(a.trace, std::ios::trunc);
    if (!trace)
      return report(Error{ErrorCode::io_error, "check: cannot write the trace file " + a.trace, {}});
  }
  if (!a.json)
    std::printf("check on %s (%s), arch %s, %zu definition(s)\n", device.name.c_str(), device.arch.c_str(),
                arch.c_str(), defs.size());
  std::fflush(stdout);

  runtime::ArtifactFn artifact_fn = [&](const jit::Definition& d) -> Result<std::shared_ptr<const jit::Artifact>> {
    auto got = jit->get(d.name, arch);
    if (!got) return std::unexpected(got.error());
    return got->artifact;
  };
  auto on_workload = [&](const jit::Definition& d, const runtime::WorkloadResult& w) {
    if (trace.is_open()) {
      trace << runtime::to_trace_json(w.trace).dump() << "\n";
      trace.flush();
    }
    if (a.json) return;
    std::string lat = w.trace.latency_ms ? fmt_error(*w.trace.latency_ms) + " ms" : "";
    // A definition judged by a matched ratio (moe: 0.95) shows the ratio reached.
    if (w.required_matched_ratio < 1.0) lat = "matched " + fmt_error(w.matched_ratio) + (lat.empty() ? "" : " ") + lat;
    if (w.trace.correctness_extra.is_object() && w.trace.correctness_extra.contains("sampling")) {
      const auto& sm = w.trace.correctness_extra["sampling"];
      lat += " tvd " + fmt_error(sm.value("tvd_pooled_max", 0.0)) + " (noise " + fmt_error(sm.value("noise_pooled_max", 0.0)) +
             ", per-token " + fmt_error(sm.value("tvd_token_max", 0.0)) + ")";
    }
    std::printf("  %-44s %-24s %-19s abs %-9s rel %-9s %s\n", d.name.c_str(), w.axes_text.c_str(),
                std::string(runtime::to_string(w.trace.status)).c_str(), fmt_error(w.trace.max_absolute_error).c_str(),
                fmt_error(w.trace.max_relative_error).c_str(), lat.c_str());
    if (w.trace.status != runtime::EvalStatus::passed) {
      std::string where;
      for (std::size_t i = 0; i < w.worst_index.size(); ++i) where += (i ? ", " : "") + std::to_string(w.worst_index[i]);
      if (!w.worst_tensor.empty()) std::printf("    worst: %s[%s]\n", w.worst_tensor.c_str(), where.c_str());
      std::printf("    %s\n", w.trace.log.c_str());
    }
    std::fflush(stdout);
  };

  for (const jit::Definition* d : defs) {
    runtime::DefinitionResult r = (*runner)->check(*d, artifact_fn, options, on_workload);
    if (!a.json && r.workloads.empty())
      std::printf("  %-44s %s: %s\n", r.name.c_str(), std::string(runtime::to_string(r.status)).c_str(),
                  r.message.c_str());
    // --json: one line per definition as soon as it is done, so a run
    // stopped by a time limit keeps what finished.
    if (a.json) std::printf("%s\n", definition_json(r).dump().c_str());
    results.push_back(std::move(r));
    std::fflush(stdout);
  }

  int explicit_skip = 0;
  for (const auto& r : results) {
    bool named = std::find(a.names.begin(), a.names.end(), r.name) != a.names.end();
    if (named && r.status == runtime::EvalStatus::skipped) {
      explicit_skip = 3;
      std::fprintf(stderr, "kjit: %s: %s\n", r.name.c_str(), r.message.c_str());
    }
  }
  if (!a.json) {
    std::printf("\n%-44s %-20s %9s %12s %12s\n", "definition", "status", "workloads", "max_abs", "max_rel");
    int counts[7] = {};
    for (const auto& r : results) {
      double abs = 0, rel = 0;
      for (const auto& w : r.workloads) {
        abs = std::max(abs, w.trace.max_absolute_error);
        rel = std::max(rel, w.trace.max_relative_error);
      }
      counts[static_cast<int>(r.status)]++;
      std::printf("%-44s %-20s %9zu %12s %12s\n", r.name.c_str(), std::string(runtime::to_string(r.status)).c_str(),
                  r.workloads.size(), fmt_error(abs).c_str(), fmt_error(rel).c_str());
    }
    std::printf("\n");
    for (int s = 0; s < 7; ++s)
      if (counts[s] > 0)
        std::printf("%s %d  ", std::string(runtime::to_string(static_cast<runtime::EvalStatus>(s))).c_str(), counts[s]);
    std::printf("\n");
  }
  int code = runtime::check_exit_code(results);
  return code != 0 ? code : explicit_skip;
}

const CommandRegistrar registrar{{"check", "run kernels against the C++ reference (flashinfer-bench rule, traces)",
                                  args_command(add_options, run), 60}};

}  // namespace
}  // namespace kjit::tools
