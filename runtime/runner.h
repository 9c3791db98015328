// Runner: `kjit check` (kernel vs. the C++ reference, flashinfer-bench's
// comparison rule and Trace records) and `kjit bench` (median latency with
// cold L2, achieved bandwidth and throughput against the device's measured
// copy bandwidth).
//
// The runner does not compile: an ArtifactFn supplied by the caller (the
// CLI, through the Jit facade) returns the artifact for a definition, so
// this component stays below the facade in the dependency order.
//
// check, per definition (op_type "sampling": the statistical rule instead,
// runner_sampling.cpp):
//   workloads: `--axes` given -> one workload with those axes; else the
//   definition's workloads file (`<dir>/<op_type>/<name>.jsonl` or
//   `<dir>/<name>.jsonl` under --workloads DIR, else
//   `<dataset>/workloads/<op_type>/<name>.jsonl` next to a definition read
//   from `<dataset>/definitions/<op_type>/<name>.json`); else one workload
//   of default axes. At most `max_workloads` (always the smallest and the
//   largest by their var-axis product, the rest evenly spaced between).
//   Per workload and trial: make inputs (seed = options.seed + trial),
//   upload, poison outputs with 0xFF bytes (NaN for floats; not aliased
//   outputs, which hold their input), launch, sync, download, run the
//   reference, round it to each output's dtype, compare; inputs the
//   reference updates in place (gdn mtp's intermediate_states_buffer) are read
//   back and compared too, as "NAME (in place)".
//   PASSED workloads also get a latency (median of a few warm launches).
//
// Thread safety: a Runner is used by one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/util/error.h"
#include "jit/codegen/artifact.h"
#include "runtime/driver.h"
#include "runtime/index_structures.h"
#include "runtime/launcher.h"
#include "runtime/sampling_check.h"
#include "runtime/trace.h"
#include "runtime/workload.h"

namespace kjit::runtime {

using ArtifactFn = std::function<Result<std::shared_ptr<const jit::Artifact>>(const jit::Definition&)>;

// In-place updates (`--alias OUT=IN`): output OUT is given input IN's device
// buffer instead of its own, as serving stacks pass the same recurrent state
// tensor as input and output. Check then compares OUT (read back from that
// buffer) against the reference computed from IN's original values, and bench
// times the kernel updating IN in place. OUT and IN need the same dtype and
// shape. Pairs (output, input).
using Aliases = std::vector<std::pair<std::string, std::string>>;

// Parses "OUT=IN[,OUT=IN...]" (the --alias flag); invalid_argument on a
// malformed pair.
Result<Aliases> parse_aliases_text(std::string_view text);

// op_type "sampling": the statistical rule (sampling_check.h, runner_sampling.cpp).
struct SamplingCheckOptions {
  SamplingRule rule;
  int rows = 8;                                 // rows per workload tested for their distribution; Default: 8 (0 = all)
  int validation_launches = 100;                // launches whose every sample is mask-checked; Default: 100
  std::uint64_t replica_bytes = 2ull << 30;     // replicated probabilities per launch; Default: 2 GiB
};

struct CheckOptions {
  std::optional<std::filesystem::path> workloads_dir;  // --workloads DIR
  AxisValues axes;                                     // --axes
  int max_workloads = 8;                               // Default: 8 (0 = all)
  int trials = 1;                                      // Default: 1
  std::uint64_t seed = 0;                              // Default: 0
  SequenceOptions sequences;                           // synthesized index structures
  int perf_iters = 10;                                 // timed launches for PASSED; Default: 10
  std::map<std::string, std::string> libs;             // trace environment.libs (cuda, nvrtc)
  Aliases aliases;                                     // --alias: outputs updated in their input's buffer
  std::string inputs_profile;                          // --inputs-profile (input_profiles.h); Default: none
  SamplingCheckOptions sampling;                       // op_type "sampling"
};

struct WorkloadResult {
  TraceRecord trace;
  std::string worst_tensor;                  // output with the largest error
  std::vector<std::int64_t> worst_index;
  double matched_ratio = 1.0;                // lowest over outputs and trials
  double required_matched_ratio = 1.0;       // flashinfer-bench's rule for the definition
  double reference_ms = 0;
  std::vector<std::string> notes;            // synthesized inputs, defaults
  std::string axes_text;                     // "batch_size=7"
  // Figures of a family rule that replaces compare_tensors (dsa_check.h:
  // flashinfer-bench's DSA evaluators); null for the default rule.
  nlohmann::ordered_json rule;
};

struct DefinitionResult {
  std::string name;
  std::string template_name;
  EvalStatus status = EvalStatus::passed;    // the worst over workloads
  std::string message;                       // skip reason or error summary
  std::vector<WorkloadResult> workloads;
};

// Called as each workload finishes (progress lines).
using WorkloadCallback = std::function<void(const jit::Definition&, const WorkloadResult&)>;

struct BenchOptions {
  AxisValues axes;                   // --axes
  int warmup = 5;                    // Default: 5
  int iters = 100;                   // Default: 100
  std::uint64_t seed = 0;
  SequenceOptions sequences;         // synthesized index structures
  Aliases aliases;                   // --alias: outputs updated in their input's buffer
  std::string inputs_profile;        // --inputs-profile (input_profiles.h); Default: none
};

struct BenchResult {
  std::string name;
  std::string template_name;
  std::string axes_text;
  nlohmann::ordered_json axes;
  int iters = 0;
  double median_ms = 0, min_ms = 0, max_ms = 0;
  double bytes = 0, flops = 0;
  std::string flops_formula;
  double gbps = 0, tflops = 0;
  double peak_copy_gbps = 0;         // measured device-to-device copy
  double bandwidth_fraction = 0;     // gbps / peak_copy_gbps
  std::vector<std::string> notes;

  nlohmann::ordered_json to_json() const;
};

class Runner {
 public:
  // Opens device 0 (no_device without one).
  static Result<std::unique_ptr<Runner>> open();

  const DeviceInfo& device_info() const { return m_device->info(); }

  // Checks one definition. Errors only for failures of the runner itself;
  // kernel and compile failures are statuses in the result.
  DefinitionResult check(const jit::Definition& def, const ArtifactFn& artifact_fn, const CheckOptions& options,
                         const WorkloadCallback& on_workload = {});

  Result<BenchResult> bench(const jit::Definition& def, const ArtifactFn& artifact_fn, const BenchOptions& options);

  // Device-to-device copy bandwidth in GB/s (read + write bytes), measured
  // once per Runner and cached.
  Result<double> copy_bandwidth_gbps();

 private:
  explicit Runner(std::shared_ptr<Device> device, Stream stream);
  // A workload's result whose trace names what was run and where: the
  // definition, `solution` ("kjit:<template>"), this device and options.libs.
  WorkloadResult new_workload_result(const jit::Definition& def, std::string solution, const CheckOptions& options) const;
  // check's path for op_type "sampling" (runner_sampling.cpp): one workload.
  WorkloadResult check_sampling(const jit::Definition& def, const jit::Artifact& art, const Workload* workload,
                                const CheckOptions& options, const std::filesystem::path& blob_root);

  std::shared_ptr<Device> m_device;
  Launcher m_launcher;
  Stream m_stream;
  std::optional<double> m_copy_gbps;
};

// Workload selection (exposed for tests): indices of at most `max` entries
// (0 = all) of `workloads`, always the smallest and largest by var-axis
// product, the rest evenly spaced in that order.
std::vector<std::size_t> select_workloads(const std::vector<Workload>& workloads, int max);

// The rows of a batch of `batch` whose distribution check tests: all when
// batch <= max_rows (or max_rows is 0), else max_rows of them, first and last
// included, evenly spaced (exposed for tests).
std::vector<std::int64_t> sampling_tested_rows(std::int64_t batch, int max_rows);

// Where check looks for a definition's workloads file (may not exist).
std::vector<std::filesystem::path> workload_file_candidates(const jit::Definition& def,
                                                            const std::optional<std::filesystem::path>& dir);

// The exit code for a set of results: 0 all passed (or skipped), 1 any
// runtime error, else 4 any compile error, else 5 any mismatch.
int check_exit_code(const std::vector<DefinitionResult>& results);

}  // namespace kjit::runtime
