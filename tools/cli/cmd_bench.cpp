// `kjit bench NAME... [--axes k=v,...] [--json] [--iters N] [--warmup N]
//  [--arch A] [--seed N] [--inputs-profile NAME] [--kv-len N] [--q-len N] [--empty-first] [--alias OUT=IN]`: median
// kernel latency over N launches with a cold L2 (CUDA events), achieved GB/s and TFLOP/s from the perf model, and the
// fraction of the device-to-device copy bandwidth measured in the same run.
// `--json` prints one object per definition. Exit: 0, 3 unknown name or no
// template, 4 compile error, 1 runtime error, 6 no CUDA device.
#include <cstdio>

#include "runtime/inputs.h"
#include "runtime/runner.h"
#include "tools/cli/input_flags.h"
#include "tools/cli/jit_session.h"

namespace kjit::tools {
namespace {

struct Args {
  std::vector<std::string> names;
  bool json = false;
  int iters = 100;
  int warmup = 5;
  std::string arch;
  InputFlags inputs;
};

void add_options(CLI::App& sub, Args& a) {
  sub.add_option("NAME", a.names, "definition names")->required();
  a.inputs.add_axes(sub, "var-axis values k=v,... (default: kjit's defaults)");
  sub.add_flag("--json", a.json, "one JSON object per definition");
  sub.add_option("--iters", a.iters, "timed launches (median reported)")->check(CLI::PositiveNumber);
  sub.add_option("--warmup", a.warmup, "untimed launches first");
  sub.add_option("--arch", a.arch, "target arch (default: the device's)");
  a.inputs.add_seed_and_profile(sub, "random input seed");
  a.inputs.add_shape_flags(sub);
}

int run(const Globals& globals, const Args& a) {
  runtime::BenchOptions options;
  if (auto applied = a.inputs.apply(options); !applied) return report(applied.error());
  options.iters = a.iters;
  options.warmup = a.warmup;
  int rc = 0;
  auto jit = open_jit(globals, &rc);
  if (!jit) return rc;
  std::vector<const jit::Definition*> defs;
  for (const auto& name : a.names) {
    const jit::Definition* d = jit->find(name);
    if (d == nullptr)
      return report(Error{ErrorCode::not_found,
                          "bench: unknown definition '" + name + "' (see `kjit list`; add folders with --definitions)", {}});
    defs.push_back(d);
  }
  auto runner = runtime::Runner::open();
  if (!runner) return report(runner.error());
  const runtime::DeviceInfo& device = (*runner)->device_info();
  std::string arch = a.arch.empty() ? globals.config().arch : a.arch;
  if (arch.empty()) arch = device.arch;
  runtime::ArtifactFn artifact_fn = [&](const jit::Definition& d) -> Result<std::shared_ptr<const jit::Artifact>> {
    auto got = jit->get(d.name, arch);
    if (!got) return std::unexpected(got.error());
    return got->artifact;
  };
  if (!a.json)
    std::printf("%-40s %-24s %10s %10s %9s %9s %8s\n", "definition", "axes", "median_us", "min_us", "GB/s",
                "TFLOP/s", "of_copy");
  int worst = 0;
  for (const jit::Definition* d : defs) {
    auto r = (*runner)->bench(*d, artifact_fn, options);
    if (!r) {
      int code = report(r.error());
      if (worst == 0) worst = code;
      continue;
    }
    if (a.json) {
      nlohmann::ordered_json j = r->to_json();
      j["device"] = device.name;
      j["arch"] = arch;
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("%-40s %-24s %10.2f %10.2f %9.1f %9.2f %7.1f%%\n", r->name.c_str(), r->axes_text.c_str(),
                  r->median_ms * 1e3, r->min_ms * 1e3, r->gbps, r->tflops, r->bandwidth_fraction * 100);
    }
    std::fflush(stdout);
  }
  if (!a.json) {
    auto peak = (*runner)->copy_bandwidth_gbps();
    if (peak) std::printf("device %s: measured copy bandwidth %.0f GB/s\n", device.name.c_str(), *peak);
  }
  return worst;
}

const CommandRegistrar registrar{{"bench", "time kernels (cold L2, median) and report GB/s, TFLOP/s",
                                  args_command(add_options, run), 61}};

}  // namespace
}  // namespace kjit::tools
