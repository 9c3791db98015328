// gdn_emu: runs a kjit kernel, rendered for the host with cuda_emu.h, on the CPU and checks it
// against kjit's C++ reference with the check's rule: the GPU check without a GPU, for
// reviewing templates on the build machine (slow: every CUDA thread is a fiber).
//
//   gdn_emu DEFINITION.json PLAN.json [--axes k=v,...] [--q-len N] [--kv-len N] [--inputs-profile P] [--empty-first]
//           [--alias OUT=IN] [--seed N]
//
// Inputs come from kjit's input generation (runtime/inputs.h), the launch plan from
// `kjit get --plan`, the kernels from the rendered source linked into this program (its entry
// table appended by gen_entries.py). Prints one line per compared tensor; exit 0 when all pass.
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/codegen/launch_plan.h"
#include "jit/definition/parse.h"
#include "runtime/compare.h"
#include "runtime/dsa_check.h"
#include "runtime/inputs.h"
#include "runtime/reference/reference.h"
#include "runtime/runner.h"
#include "runtime/runner_io.h"
#include "tests/gpu/gdn/emu/cuda_emu.h"


namespace {

using namespace kjit;

struct Buffer {
  std::vector<uint4> words;  // 16-byte aligned storage
  std::size_t bytes = 0;
  void* data() { return words.data(); }
};

Buffer make_buffer(std::size_t bytes, int fill) {
  Buffer b;
  b.words.resize((bytes + 15) / 16 + 1);
  b.bytes = bytes;
  std::memset(b.words.data(), fill, b.words.size() * 16);
  return b;
}

int fail(const std::string& what) {
  std::fprintf(stderr, "gdn_emu: %s\n", what.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return fail("usage: gdn_emu DEFINITION.json PLAN.json [--axes k=v,...] [--q-len N] [--kv-len N] [--inputs-profile P] [--empty-first] [--alias OUT=IN] [--seed N]");
  auto def = jit::load_definition_file(argv[1]);
  if (!def) return fail(def.error().full());
  std::ifstream plan_file(argv[2]);
  auto plan = jit::LaunchPlan::from_json(nlohmann::json::parse(plan_file));
  if (!plan) return fail(plan.error().full());
  runtime::InputOptions opt;
  runtime::AxisValues axes;
  runtime::Aliases aliases;
  for (int i = 3; i < argc; ++i) {
    const std::string flag = argv[i];
    const std::string value = i + 1 < argc ? argv[i + 1] : "";
    if (flag == "--empty-first") { opt.sequences.include_empty = true; continue; }
    ++i;
    if (flag == "--axes") {
      auto parsed = runtime::parse_axes_text(value);
      if (!parsed) return fail(parsed.error().full());
      axes = *parsed;
    } else if (flag == "--q-len") {
      opt.sequences.q_len = std::stoll(value);
    } else if (flag == "--kv-len") {
      opt.sequences.kv_len = std::stoll(value);
    } else if (flag == "--inputs-profile") {
      opt.profile = value;
    } else if (flag == "--alias") {
      auto parsed = runtime::parse_aliases_text(value);
      if (!parsed) return fail(parsed.error().full());
      aliases = *parsed;
    } else if (flag == "--seed") {
      opt.seed = std::stoull(value);
    } else {
      return fail("unknown flag " + flag);
    }
  }
  auto set = runtime::make_inputs(*def, nullptr, axes, opt);
  if (!set) return fail(set.error().full());

  // "Device" buffers: inputs copied, outputs poisoned with 0xFF (NaN) unless aliased.
  std::map<std::string, Buffer> buffers;
  std::map<std::string, double> scalars;
  for (const auto& [name, host] : set->inputs) {
    if (host.scalar) { scalars[name] = host.get(0); continue; }
    Buffer b = make_buffer(host.bytes.size(), 0);
    std::memcpy(b.data(), host.bytes.data(), host.bytes.size());
    buffers[name] = std::move(b);
  }
  std::map<std::string, std::string> alias_of;
  for (const auto& [out, in] : aliases) alias_of[out] = in;
  std::map<std::string, std::vector<std::int64_t>> out_shapes;
  for (const auto& spec : def->outputs) {
    auto shape = runtime::resolve_shape(spec, set->binding.values, def->name);
    if (!shape) return fail(shape.error().full());
    out_shapes[spec.name] = *shape;
    if (alias_of.contains(spec.name)) continue;
    buffers[spec.name] = make_buffer(static_cast<std::size_t>(runtime::storage_bytes(spec.dtype, runtime::shape_numel(*shape))), 0xFF);
  }
  auto pointer = [&](const std::string& name) -> void* {
    auto it = alias_of.find(name);
    return buffers.at(it == alias_of.end() ? name : it->second).data();
  };

  jit::Bindings bindings;
  for (const auto& [k, v] : set->binding.values) bindings[k] = v;
  // The plan's num_sms: the fake device's 132, or EMU_SMS (few SMs make grid-capped kernels loop).
  std::int64_t sms = 132;
  if (const char* e = std::getenv("EMU_SMS"); e != nullptr && std::atoll(e) > 0) sms = std::atoll(e);
  auto resolved = jit::resolve_plan(*plan, bindings, sms);
  if (!resolved) return fail(resolved.error().full());
  // Workspace buffers: zeroed where the plan asks, else poisoned (0xA5) so a read of an unwritten
  // byte shows.
  for (std::size_t i = 0; i < resolved->workspace_bytes.size(); ++i) {
    const auto& [ws_name, ws_bytes] = resolved->workspace_bytes[i];
    buffers[ws_name] = make_buffer(static_cast<std::size_t>(ws_bytes), resolved->workspace_zero[i] ? 0 : 0xA5);
  }
  for (const auto& launch : resolved->launches) {
    const auto& entries = emu::entry_table();
    auto entry = entries.find(launch.entry);
    if (entry == entries.end()) return fail("no emulated kernel named " + launch.entry);
    std::vector<emu::Arg> args;
    for (const auto& name : launch.args) {
      emu::Arg a;
      if (buffers.contains(name) || alias_of.contains(name)) a.ptr = pointer(name);
      else if (scalars.contains(name)) {  // float or int parameter (gen_entries.py picks the member)
        a.f32 = static_cast<float>(scalars.at(name));
        a.i64 = static_cast<long long>(scalars.at(name));
      }
      else if (resolved->values.contains(name)) a.i64 = resolved->values.at(name);
      else if (set->find(name) == nullptr && def->find_input(name)) a.ptr = nullptr;  // absent optional input
      else return fail("plan argument '" + name + "' has no value");
      args.push_back(a);
    }
    if (launch.grid[0] * launch.grid[1] * launch.grid[2] == 0) continue;
    std::fprintf(stderr, "  launch %s grid (%u, %u, %u) block %u smem %u\n", launch.entry.c_str(), launch.grid[0],
                 launch.grid[1], launch.grid[2], launch.block[0], launch.shared_bytes);
    emu::launch(dim3{launch.grid[0], launch.grid[1], launch.grid[2]}, dim3{launch.block[0], launch.block[1], launch.block[2]},
                launch.shared_bytes, [&] { entry->second(args.data()); });
  }

  runtime::reference::TensorMap ref_inputs;
  for (const auto& [name, host] : set->inputs) ref_inputs[name] = {host.shape, host.to_doubles()};
  auto ref = runtime::reference::run_reference(*def, set->binding.values, ref_inputs, {});
  if (!ref) return fail(ref.error().full());
  const runtime::Tolerance tol = runtime::tolerance_for(*def);
  int bad = 0;
  auto compare = [&](const std::string& label, const std::string& name, jit::Dtype dtype, const std::vector<std::int64_t>& shape) {
    runtime::HostTensor got = runtime::HostTensor::zeros(dtype, shape);
    std::memcpy(got.bytes.data(), pointer(name), got.bytes.size());
    const auto& r = ref->at(name);
    auto want = runtime::HostTensor::from_doubles(dtype, r.shape, r.data);
    if (!want) { ++bad; std::printf("%s: %s\n", label.c_str(), want.error().full().c_str()); return; }
    // The check's rule: a family rule where one judges this output (the DSA evaluators), else
    // compare_tensors.
    nlohmann::ordered_json figures;
    auto family = runtime::compare_dsa_output(*def, name, ref_inputs, got, *want, tol, figures);
    if (family && !*family) { ++bad; std::printf("%s: %s\n", label.c_str(), family->error().full().c_str()); return; }
    auto report = family ? std::move(**family) : runtime::compare_tensors(got, *want, tol);
    bad += report.status != runtime::CompareStatus::passed;
    std::printf("%-28s %s max_abs %.3g max_rel %.3g %s\n", label.c_str(), std::string(runtime::to_string(report.status)).c_str(),
                report.max_abs_error, report.max_rel_error, report.message.c_str());
  };
  for (const auto& spec : def->outputs) compare(spec.name, spec.name, spec.dtype, out_shapes[spec.name]);
  for (const auto& spec : def->inputs) {
    if (ref->contains(spec.name) && !spec.is_scalar()) compare(spec.name + " (in place)", spec.name, spec.dtype, set->find(spec.name)->shape);
  }
  std::printf("%s %s: %s\n", def->name.c_str(), runtime::detail::var_axes_text(*def, set->binding.values).c_str(), bad ? "FAILED" : "PASSED");
  return bad ? 1 : 0;
}
