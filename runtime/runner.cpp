// Runner: opening the device, workload selection and lookup, device I/O,
// copy bandwidth and exit codes. check and bench live in runner_check.cpp
// and runner_bench.cpp.
//
// Thread safety: see runner.h.
#include "runtime/runner.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <set>

#include "jit/definition/names.h"
#include "runtime/runner_io.h"
#include "jit/util/str_cat.h"

namespace kjit::runtime {

namespace detail {

Result<void> check_aliases(const jit::Definition& def, const InputSet& set, const Aliases& aliases) {
  std::set<std::string> outputs, inputs;
  for (const auto& [out, in] : aliases) {
    const jit::TensorSpec* out_spec = def.find_output(out);
    const HostTensor* host = set.find(in);
    auto bad = [&](const std::string& why) {
      return fail(ErrorCode::invalid_argument, str_cat(def.name, ": --alias ", out, "=", in, ": ", why));
    };
    if (!out_spec) return bad(str_cat("'", out, "' is not an output"));
    if (!def.find_input(in) || !host) return bad(str_cat("'", in, "' is not an input"));
    if (host->scalar) return bad(str_cat("'", in, "' is a scalar"));
    if (!outputs.insert(out).second) return bad(str_cat("output '", out, "' is aliased twice"));
    if (!inputs.insert(in).second) return bad(str_cat("input '", in, "' is aliased to two outputs"));
    auto shape = KJIT_TRY(resolve_shape(*out_spec, set.binding.values, def.name));
    if (out_spec->dtype != host->dtype || shape != host->shape) {
      return bad(str_cat("the output is ", jit::dtype_name(out_spec->dtype), shape_to_string(shape), ", the input ",
                         host->describe(), "; they must match"));
    }
  }
  return {};
}

Result<DeviceIo> upload_io(const jit::Definition& def, const InputSet& set, const Aliases& aliases) {
  DeviceIo io;
  for (const auto& [name, host] : set.inputs) {
    if (host.scalar) {
      // Integers exactly (int64 beyond 2^53 survives), floats by value.
      ScalarArg arg = jit::dtype_is_float(host.dtype)
                          ? ScalarArg::from_double(host.dtype, host.get(0))
                          : ScalarArg::from_double(host.dtype, static_cast<double>(host.get_int(0)));
      if (host.dtype == Dtype::int64) arg.bits = static_cast<std::uint64_t>(host.get_int(0));
      io.scalars[name] = arg;
      continue;
    }
    io.inputs.push_back(KJIT_TRY(DeviceTensor::upload(name, host)));
    io.pointers[name] = io.inputs.back().buffer.ptr();
  }
  KJIT_TRY_VOID(check_aliases(def, set, aliases));
  for (const auto& [out, in] : aliases) {
    io.aliased[out] = in;
    io.pointers[out] = io.pointers.at(in);
  }
  for (const auto& spec : def.outputs) {
    if (io.aliased.contains(spec.name)) continue;
    auto shape = KJIT_TRY(resolve_shape(spec, set.binding.values, def.name));
    io.outputs.push_back(KJIT_TRY(DeviceTensor::allocate(spec.name, spec.dtype, std::move(shape))));
    io.pointers[spec.name] = io.outputs.back().buffer.ptr();
  }
  return io;
}

Result<HostTensor> download_input(const DeviceIo& io, std::string_view name) {
  for (const auto& t : io.inputs) {
    if (t.name == name) return t.download();
  }
  return fail(ErrorCode::internal, str_cat("no device buffer for input '", name, "'"));
}

Result<std::vector<HostTensor>> download_outputs(const jit::Definition& def, const DeviceIo& io) {
  std::vector<HostTensor> outs;
  std::size_t next = 0;
  for (const auto& spec : def.outputs) {
    if (auto it = io.aliased.find(spec.name); it != io.aliased.end()) {
      outs.push_back(KJIT_TRY(download_input(io, it->second)));
    } else {
      outs.push_back(KJIT_TRY(io.outputs.at(next++).download()));
    }
  }
  return outs;
}

jit::Bindings to_bindings(const AxisValues& values) {
  jit::Bindings out;
  for (const auto& [k, v] : values) out[k] = v;
  return out;
}

std::string var_axes_text(const jit::Definition& def, const AxisValues& values) {
  std::string text;
  for (const auto& axis : def.axes) {
    if (axis.kind != jit::AxisKind::var) continue;
    auto it = values.find(axis.name);
    if (it == values.end()) continue;
    if (!text.empty()) text += ",";
    text += str_cat(axis.name, "=", it->second);
  }
  return text;
}

// A deterministic UUID-shaped id for a workload that has none.
std::string synthesized_uuid(const std::string& definition, const std::string& axes, std::uint64_t seed) {
  std::uint64_t h = 1469598103934665603ull ^ seed;
  for (char c : definition + "|" + axes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  std::uint64_t g = h * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(h >> 32),
                static_cast<unsigned>(h >> 16) & 0xffff, static_cast<unsigned>(h) & 0xfff,
                static_cast<unsigned>(g >> 52) & 0xfff, static_cast<unsigned long long>(g & 0xffffffffffffull));
  return text;
}

}  // namespace detail

Runner::Runner(std::shared_ptr<Device> device, Stream stream)
    : m_device(device), m_launcher(device), m_stream(std::move(stream)) {}

Result<std::unique_ptr<Runner>> Runner::open() {
  auto device = KJIT_TRY(Device::open(0));
  Stream stream = KJIT_TRY(Stream::create());
  return std::unique_ptr<Runner>(new Runner(std::move(device), std::move(stream)));
}

Result<double> Runner::copy_bandwidth_gbps() {
  if (m_copy_gbps) return *m_copy_gbps;
  // 512 MiB each way: far beyond any L2, long enough (~0.3 ms at 3 TB/s)
  // that launch overhead does not matter.
  constexpr std::uint64_t k_bytes = 512ull << 20;
  DeviceBuffer src = KJIT_TRY(DeviceBuffer::allocate(k_bytes, "bandwidth source"));
  DeviceBuffer dst = KJIT_TRY(DeviceBuffer::allocate(k_bytes, "bandwidth destination"));
  KJIT_TRY_VOID(src.fill(1));
  CUstream stream = m_stream.get();
  for (int i = 0; i < 3; ++i) KJIT_TRY_VOID(copy_async(dst.ptr(), src.ptr(), k_bytes, stream));
  constexpr int k_iters = 10;
  std::vector<Event> starts, ends;
  for (int i = 0; i < k_iters; ++i) {
    starts.push_back(KJIT_TRY(Event::create()));
    ends.push_back(KJIT_TRY(Event::create()));
  }
  for (int i = 0; i < k_iters; ++i) {
    KJIT_TRY_VOID(starts[i].record(stream));
    KJIT_TRY_VOID(copy_async(dst.ptr(), src.ptr(), k_bytes, stream));
    KJIT_TRY_VOID(ends[i].record(stream));
  }
  KJIT_TRY_VOID(m_stream.synchronize());
  std::vector<double> ms;
  for (int i = 0; i < k_iters; ++i) ms.push_back(KJIT_TRY(Event::elapsed_ms(starts[i], ends[i])));
  std::sort(ms.begin(), ms.end());
  double median = ms[ms.size() / 2];
  m_copy_gbps = median > 0 ? 2.0 * static_cast<double>(k_bytes) / (median * 1e-3) / 1e9 : 0.0;
  return *m_copy_gbps;
}

Result<Aliases> parse_aliases_text(std::string_view text) {
  Aliases out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view item = text.substr(pos, comma - pos);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size() || item.find('=', eq + 1) != std::string_view::npos) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("--alias: '", item, "' is not OUTPUT=INPUT (e.g. --alias new_state=state)"));
    }
    out.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    pos = comma + 1;
  }
  return out;
}

std::vector<std::size_t> select_workloads(const std::vector<Workload>& workloads, int max) {
  std::vector<std::size_t> order(workloads.size());
  std::iota(order.begin(), order.end(), 0);
  auto size_of = [&](std::size_t i) {
    double product = 1;
    for (const auto& [k, v] : workloads[i].axes) product *= static_cast<double>(std::max<std::int64_t>(v, 1));
    return product;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return size_of(a) < size_of(b); });
  if (max <= 0 || order.size() <= static_cast<std::size_t>(max)) return order;
  std::vector<std::size_t> picked;
  if (max == 1) return {order.back()};
  // Evenly spaced positions 0 .. n-1 inclusive: the first and last are the
  // smallest and the largest.
  const std::size_t n = order.size();
  for (int j = 0; j < max; ++j) {
    std::size_t pos = static_cast<std::size_t>(
        std::llround(static_cast<double>(j) * static_cast<double>(n - 1) / static_cast<double>(max - 1)));
    if (picked.empty() || picked.back() != order[pos]) picked.push_back(order[pos]);
  }
  return picked;
}

std::vector<std::filesystem::path> workload_file_candidates(const jit::Definition& def,
                                                            const std::optional<std::filesystem::path>& dir) {
  std::vector<std::filesystem::path> out;
  // The name and op_type become path components: only names that cannot
  // climb out of the folder (jit/definition/names.h; the loader enforces it).
  if (!jit::is_valid_definition_name(def.name) || !jit::is_valid_definition_name(def.op_type)) return out;
  const std::string file = def.name + ".jsonl";
  if (dir) {
    out.push_back(*dir / def.op_type / file);
    out.push_back(*dir / file);
    return out;
  }
  // <dataset>/definitions/<op_type>/<name>.json -> <dataset>/workloads/<op_type>/<name>.jsonl
  if (!def.path.empty()) {
    auto op_dir = def.path.parent_path();
    auto defs_dir = op_dir.parent_path();
    if (defs_dir.filename() == "definitions")
      out.push_back(defs_dir.parent_path() / "workloads" / op_dir.filename() / file);
  }
  return out;
}

int check_exit_code(const std::vector<DefinitionResult>& results) {
  bool runtime = false, compile = false, mismatch = false;
  for (const auto& r : results) {
    runtime |= r.status == EvalStatus::runtime_error;
    compile |= r.status == EvalStatus::compile_error;
    mismatch |= is_mismatch(r.status);
  }
  if (runtime) return 1;
  if (compile) return 4;
  if (mismatch) return 5;
  return 0;
}

nlohmann::ordered_json BenchResult::to_json() const {
  return nlohmann::ordered_json{{"name", name},
                                {"template", template_name},
                                {"axes", axes},
                                {"iters", iters},
                                {"median_ms", median_ms},
                                {"min_ms", min_ms},
                                {"max_ms", max_ms},
                                {"bytes", bytes},
                                {"flops", flops},
                                {"flops_formula", flops_formula},
                                {"gbps", gbps},
                                {"tflops", tflops},
                                {"peak_copy_gbps", peak_copy_gbps},
                                {"bandwidth_fraction", bandwidth_fraction},
                                {"notes", notes}};
}

}  // namespace kjit::runtime
