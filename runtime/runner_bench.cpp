// Runner::bench: median kernel latency with a cold L2, achieved bandwidth
// and throughput from the perf model, and the fraction of the measured
// device-to-device copy bandwidth.
//
// Method: inputs from --axes (else defaults), `warmup` untimed runs, then
// `iters` timed runs; before each, a memset of a buffer twice the L2 size
// evicts the previous run's data (the memset is outside the timed events,
// which bracket the plan's launches only). All runs are queued first and
// read back after one synchronize, so host overhead does not add gaps.
//
// Thread safety: see runner.h.
#include <algorithm>

#include "runtime/inputs.h"
#include "runtime/perf_model.h"
#include "runtime/runner.h"
#include "runtime/runner_io.h"
#include "jit/util/str_cat.h"

namespace kjit::runtime {

Result<BenchResult> Runner::bench(const jit::Definition& def, const ArtifactFn& artifact_fn,
                                  const BenchOptions& options) {
  auto artifact = KJIT_TRY(artifact_fn(def));
  const jit::Artifact& art = *artifact;
  InputOptions io_options;
  io_options.seed = options.seed;
  io_options.sequences = options.sequences;
  io_options.profile = options.inputs_profile;
  InputSet set = KJIT_TRY(make_inputs(def, nullptr, options.axes, io_options));
  detail::DeviceIo io = KJIT_TRY(detail::upload_io(def, set, options.aliases));
  PreparedPlan plan = KJIT_TRY(m_launcher.prepare(art, detail::to_bindings(set.binding.values), io.pointers, io.scalars));

  const std::uint64_t flush_bytes =
      std::max<std::uint64_t>(2ull * static_cast<std::uint64_t>(device_info().l2_bytes), 64ull << 20);
  DeviceBuffer flush = KJIT_TRY(DeviceBuffer::allocate(flush_bytes, "L2 flush buffer"));
  CUstream stream = m_stream.get();

  for (int i = 0; i < std::max(0, options.warmup); ++i) KJIT_TRY_VOID(m_launcher.run(plan, stream));
  const int iters = std::max(1, options.iters);
  std::vector<Event> starts, ends;
  starts.reserve(iters);
  ends.reserve(iters);
  for (int i = 0; i < iters; ++i) {
    starts.push_back(KJIT_TRY(Event::create()));
    ends.push_back(KJIT_TRY(Event::create()));
  }
  for (int i = 0; i < iters; ++i) {
    KJIT_TRY_VOID(flush.fill_async(static_cast<std::uint8_t>(i & 1), stream));
    KJIT_TRY_VOID(starts[i].record(stream));
    KJIT_TRY_VOID(m_launcher.run(plan, stream));
    KJIT_TRY_VOID(ends[i].record(stream));
  }
  KJIT_TRY_VOID(m_stream.synchronize());
  std::vector<double> ms;
  for (int i = 0; i < iters; ++i) ms.push_back(KJIT_TRY(Event::elapsed_ms(starts[i], ends[i])));
  std::sort(ms.begin(), ms.end());

  BenchResult r;
  r.name = def.name;
  r.template_name = art.template_name;
  r.axes_text = detail::var_axes_text(def, set.binding.values);
  r.axes = nlohmann::ordered_json::object();
  for (const auto& axis : def.axes)
    if (auto it = set.binding.values.find(axis.name); it != set.binding.values.end()) r.axes[axis.name] = it->second;
  r.iters = iters;
  r.median_ms = ms[ms.size() / 2];
  r.min_ms = ms.front();
  r.max_ms = ms.back();
  // perf_counts reads index and routing tensors only: copying the large ones
  // too would double the host memory of, e.g., 64 GB of MoE weights.
  std::map<std::string, HostTensor> host_inputs;
  for (const auto& [name, tensor] : set.inputs)
    if (tensor.byte_size() <= (std::int64_t{256} << 20)) host_inputs.emplace(name, tensor);
  PerfCounts counts = perf_counts(def, set.binding.values, host_inputs);
  r.bytes = counts.bytes;
  r.flops = counts.flops;
  r.flops_formula = counts.flops_formula;
  const double seconds = r.median_ms * 1e-3;
  if (seconds > 0) {
    r.gbps = r.bytes / seconds / 1e9;
    r.tflops = r.flops / seconds / 1e12;
  }
  r.peak_copy_gbps = KJIT_TRY(copy_bandwidth_gbps());
  if (r.peak_copy_gbps > 0) r.bandwidth_fraction = r.gbps / r.peak_copy_gbps;
  r.notes = set.notes;
  return r;
}

}  // namespace kjit::runtime
