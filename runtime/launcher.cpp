// Launcher: plan resolution, workspace, module cache and launches.
//
// Thread safety: see launcher.h.
#include "runtime/launcher.h"

#include "jit/util/str_cat.h"

namespace kjit::runtime {
namespace {

// The static default every kernel gets without opting in.
constexpr std::uint32_t k_default_dynamic_shared = 48 * 1024;

}  // namespace

ArgTable make_arg_table(const jit::ResolvedPlan& resolved,
                        const std::map<std::string, std::uint64_t, std::less<>>& tensors,
                        const std::map<std::string, ScalarArg, std::less<>>& scalars,
                        const std::vector<std::uint64_t>& workspace_ptrs) {
  ArgTable table;
  table.tensors = tensors;
  table.scalars = scalars;
  table.values = resolved.values;
  for (std::size_t i = 0; i < resolved.workspace_bytes.size() && i < workspace_ptrs.size(); ++i)
    table.workspace[resolved.workspace_bytes[i].first] = workspace_ptrs[i];
  return table;
}

Launcher::Launcher(std::shared_ptr<Device> device) : m_device(std::move(device)) {}

Result<Launcher::LoadedModule*> Launcher::load(const jit::Artifact& artifact) {
  if (auto it = m_modules.find(artifact.key); it != m_modules.end()) return it->second.get();
  auto loaded = std::make_unique<LoadedModule>(LoadedModule{KJIT_TRY(Module::load(artifact.cubin, artifact.name)), {}, {}, {}, {}});
  LoadedModule* raw = loaded.get();
  m_modules.emplace(artifact.key, std::move(loaded));
  return raw;
}

Result<CUfunction> Launcher::function(LoadedModule& module, const std::string& entry, std::uint32_t shared_bytes) {
  CUfunction fn = nullptr;
  if (auto it = module.functions.find(entry); it != module.functions.end()) {
    fn = it->second;
  } else {
    fn = KJIT_TRY(module.module.function(entry));
    module.functions.emplace(entry, fn);
  }
  // The 48 KiB default covers static + dynamic shared memory together: a
  // kernel with 128 B of __shared__ asking for exactly 48 KiB dynamic needs
  // the opt-in too (seen: CUDA_ERROR_INVALID_VALUE at launch).
  if (shared_bytes == 0 || module.shared_limit[fn] >= shared_bytes) return fn;
  auto [static_it, fresh] = module.static_shared.try_emplace(fn, 0);
  if (fresh) static_it->second = static_cast<std::uint32_t>(KJIT_TRY(static_shared_bytes(fn, entry)));
  const std::uint32_t total = shared_bytes + static_it->second;
  if (total > k_default_dynamic_shared) {
    int optin = m_device->info().max_shared_optin;
    if (optin > 0 && total > static_cast<std::uint32_t>(optin))
      return fail(ErrorCode::launch_error, str_cat("kernel '", entry, "' asks for ", shared_bytes,
                                                   " bytes of dynamic shared memory on top of ", static_it->second,
                                                   " static; ", m_device->info().name, " allows at most ", optin,
                                                   " per block"));
    KJIT_TRY_VOID(set_max_dynamic_shared(fn, static_cast<int>(shared_bytes), entry));
    module.shared_limit[fn] = shared_bytes;
  }
  return fn;
}

Result<PreparedPlan> Launcher::prepare(const jit::Artifact& artifact, const jit::Bindings& axes,
                                       const std::map<std::string, std::uint64_t, std::less<>>& tensors,
                                       const std::map<std::string, ScalarArg, std::less<>>& scalars,
                                       const jit::Bindings& params) {
  PreparedPlan prepared;
  prepared.artifact_key = artifact.key;
  LoadedModule* module = KJIT_TRY(load(artifact));
  // Counter parameters the caller leaves out continue where this kernel's last run left them.
  jit::Bindings given = params;
  for (const auto& p : artifact.plan.params) {
    if (p.advance.empty() || given.contains(p.name)) continue;
    if (auto it = module->counters.find(p.name); it != module->counters.end()) given[p.name] = it->second;
  }
  prepared.resolved = KJIT_TRY(jit::resolve_plan(artifact.plan, axes, m_device->info().sm_count, given));
  std::vector<std::uint64_t> workspace_ptrs;
  for (std::size_t i = 0; i < prepared.resolved.workspace_bytes.size(); ++i) {
    const auto& [name, bytes] = prepared.resolved.workspace_bytes[i];
    prepared.workspace.push_back(KJIT_TRY(DeviceBuffer::allocate(bytes, str_cat("workspace ", name))));
    workspace_ptrs.push_back(prepared.workspace.back().ptr());
    prepared.workspace_zero.push_back(i < prepared.resolved.workspace_zero.size() && prepared.resolved.workspace_zero[i]);
  }
  ArgTable table = make_arg_table(prepared.resolved, tensors, scalars, workspace_ptrs);
  for (const jit::ResolvedLaunch& launch : prepared.resolved.launches) {
    PreparedKernel kernel;
    kernel.entry = launch.entry;
    kernel.grid = launch.grid;
    kernel.block = launch.block;
    kernel.shared_bytes = launch.shared_bytes;
    kernel.skipped = launch.grid[0] == 0 || launch.grid[1] == 0 || launch.grid[2] == 0;
    kernel.pdl = launch.pdl && m_device->info().cc_major >= 9;
    kernel.args = KJIT_TRY(pack_args(launch, table));
    for (std::size_t a = 0; a < kernel.args.args().size(); ++a) {
      const PackedArg& arg = kernel.args.args()[a];
      if (arg.kind != ArgKind::integer) continue;
      for (std::size_t p = 0; p < prepared.resolved.params.size(); ++p)
        if (prepared.resolved.params[p].name == arg.name) kernel.param_args.emplace_back(a, p);
    }
    if (!kernel.skipped) kernel.function = KJIT_TRY(function(*module, launch.entry, launch.shared_bytes));
    prepared.kernels.push_back(std::move(kernel));
  }
  return prepared;
}

Result<void> Launcher::run(PreparedPlan& plan, CUstream stream) {
  for (std::size_t i = 0; i < plan.workspace.size(); ++i) {
    if (plan.workspace_zero[i]) KJIT_TRY_VOID(plan.workspace[i].fill_async(0, stream));
  }
  for (PreparedKernel& kernel : plan.kernels) {
    if (kernel.skipped) continue;
    for (const auto& [arg, param] : kernel.param_args) {
      const std::int64_t value = plan.resolved.params[param].value;
      kernel.args.overwrite(arg, &value, sizeof value);
    }
    KJIT_TRY_VOID(launch_kernel(kernel.function, kernel.grid, kernel.block, kernel.shared_bytes, stream,
                                kernel.args.params(), kernel.entry, kernel.pdl));
  }
  // Advance the counters, here and for the next prepare of this kernel.
  LoadedModule* module = nullptr;
  for (jit::ResolvedParam& p : plan.resolved.params) {
    if (p.advance == 0) continue;
    p.value += p.advance;
    if (module == nullptr) {
      auto it = m_modules.find(plan.artifact_key);
      if (it == m_modules.end()) break;
      module = it->second.get();
    }
    module->counters[p.name] = p.value;
  }
  return {};
}

}  // namespace kjit::runtime
