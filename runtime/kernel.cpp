// Kernel: per-context loading, the resolution cache and the launch path.
// See kernel.h for the contract; the launch records are in kernel_log.cpp.
//
// Hot-path choices: arguments are packed into fixed stack arrays (8-byte
// slots, as arg_pack.h), tensors are bound by KernelSignature::bind (no
// allocation), the context is found by a linear scan of at most 16 atomic
// pointers, and a resolution is an acquire load from an open-addressed
// table keyed by the values of the key axes.
//
// Thread safety: see kernel.h.
#include "runtime/kernel.h"

#include <cstring>
#include <optional>

#include "jit/util/str_cat.h"
#include "runtime/driver.h"
#include "runtime/kernel_log.h"
#include "runtime/launch_log.h"
#include "runtime/workspace_pool.h"

namespace kjit::runtime {

// Most arguments one launch of a plan may take (plans use <= 17).
inline constexpr int k_max_args = 64;

struct Kernel::ArchState {
  std::string arch;
  std::shared_ptr<const jit::Artifact> artifact;
  PlanProgram program;
};

struct Kernel::Entry {
  std::array<std::int64_t, k_max_axes> key{};
  PlanValues values;
};

struct Kernel::ContextState {
  static constexpr std::size_t k_table = 256;   // power of two
  static constexpr std::size_t k_probe = 16;    // slots probed per lookup
  static constexpr std::size_t k_fill = 192;    // stop inserting above this many entries

  CUcontext context = nullptr;
  int device = 0;
  std::string device_name;
  std::int64_t num_sms = 0;
  bool pdl_ok = false;  // sm_90+
  int max_shared_optin = 0;
  const ArchState* arch = nullptr;
  std::optional<Module> module;
  std::vector<CUfunction> functions;                       // per plan launch
  std::unique_ptr<std::atomic<std::uint32_t>[]> shared_ok;  // per launch: dynamic shared bytes allowed
  std::vector<int> static_shared;                          // per launch, under the kernel mutex
  std::array<std::atomic<const Entry*>, k_table> table{};
  std::atomic<std::size_t> entries{0};
  std::vector<std::unique_ptr<Entry>> owned;               // under the kernel mutex
};

namespace {

// The static default every kernel gets without opting in (static + dynamic).
constexpr std::uint32_t k_default_shared = 48 * 1024;

int arch_major(std::string_view arch) {
  int v = 0;
  for (char c : arch)
    if (c >= '0' && c <= '9') v = v * 10 + (c - '0');
  return v / 10;  // sm_90a -> 9, sm_100a -> 10
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h;
}

// Primary contexts retained by kjit (never released: like the CUDA runtime,
// kjit keeps a device's primary context for the life of the process).
Result<CUcontext> primary_context(int device) {
  static std::mutex mutex;
  static std::array<CUcontext, 64> contexts{};
  if (device < 0 || device >= static_cast<int>(contexts.size()))
    return fail(ErrorCode::invalid_argument, str_cat("CUDA device ", device, " is out of range"));
  std::lock_guard lock(mutex);
  if (contexts[static_cast<std::size_t>(device)] != nullptr) return contexts[static_cast<std::size_t>(device)];
  const DriverApi* api = KJIT_TRY(driver_api());
  const int count = KJIT_TRY(device_count());
  if (device >= count)
    return fail(ErrorCode::no_device, str_cat("the tensors are on CUDA device ", device, " but ", count, " device(s) are present"));
  CUdevice dev = 0;
  KJIT_TRY_VOID(KJIT_CU(api, cuDeviceGet, str_cat("opening CUDA device ", device), &dev, device));
  CUcontext ctx = nullptr;
  KJIT_TRY_VOID(KJIT_CU(api, cuDevicePrimaryCtxRetain, str_cat("retaining the primary context of device ", device), &ctx, dev));
  contexts[static_cast<std::size_t>(device)] = ctx;
  return ctx;
}

// Slow paths (loading a module, raising a shared-memory limit) may run while
// the caller captures a CUDA graph; in the default global capture mode such
// driver calls could invalidate the capture, so they run in relaxed mode
// (as PyTorch does around its allocations). Cheap when nothing captures.
struct RelaxedCapture {
  const DriverApi* api;
  CUstreamCaptureMode mode = CU_STREAM_CAPTURE_MODE_RELAXED;
  explicit RelaxedCapture(const DriverApi* a) : api(a) { api->cuThreadExchangeStreamCaptureMode(&mode); }
  ~RelaxedCapture() { api->cuThreadExchangeStreamCaptureMode(&mode); }
};

// Restores the caller's context when the launch switched to another one.
struct ContextRestore {
  const DriverApi* api = nullptr;
  CUcontext previous = nullptr;
  ~ContextRestore() {
    if (previous != nullptr) api->cuCtxSetCurrent(previous);
  }
};

}  // namespace

Kernel::~Kernel() {
  // cuModuleUnload acts on the current context: unload each module in its own.
  if (m_context_owner.empty()) return;  // never launched: no driver to touch
  auto api = driver_api();
  if (!api) return;
  CUcontext previous = nullptr;
  (*api)->cuCtxGetCurrent(&previous);
  for (auto& cs : m_context_owner) {
    if ((*api)->cuCtxSetCurrent(cs->context) == CUDA_SUCCESS) cs->module.reset();
  }
  (*api)->cuCtxSetCurrent(previous);
}

const jit::Artifact& Kernel::artifact() const { return *m_initial->artifact; }

Result<std::shared_ptr<Kernel>> Kernel::create(std::shared_ptr<const jit::Artifact> artifact, const jit::Definition& definition,
                                               ArtifactSource source) {
  if (!artifact) return fail(ErrorCode::internal, "Kernel::create: no artifact");
  std::shared_ptr<Kernel> k(new Kernel());
  k->m_signature = KJIT_TRY(KernelSignature::from_definition(definition));
  k->m_source = std::move(source);
  auto state = std::make_unique<ArchState>();
  state->arch = artifact->arch;
  state->program = KJIT_TRY(PlanProgram::compile(artifact->plan, k->m_signature));
  for (const LaunchProgram& lp : state->program.launches())
    if (lp.args.size() > static_cast<std::size_t>(k_max_args))
      return fail(ErrorCode::invalid_argument, str_cat("launch plan: kernel '", lp.entry, "' takes ", lp.args.size(),
                                                       " arguments; kjit launches at most ", k_max_args));
  state->artifact = std::move(artifact);
  k->m_initial = std::move(state);
  return k;
}

Result<const Kernel::ArchState*> Kernel::arch_state(const std::string& arch) const {
  // REQUIRES: m_mutex held.
  if (arch == m_initial->arch || !m_source) return m_initial.get();
  for (const auto& a : m_archs)
    if (a->arch == arch) return a.get();
  auto state = std::make_unique<ArchState>();
  state->arch = arch;
  state->artifact = KJIT_TRY(m_source(arch));
  if (state->artifact->name != name())
    return fail(ErrorCode::internal, str_cat("artifact for ", arch, " is of '", state->artifact->name, "', not '", name(), "'"));
  state->program = KJIT_TRY(PlanProgram::compile(state->artifact->plan, m_signature));
  m_archs.push_back(std::move(state));
  return m_archs.back().get();
}

Result<Kernel::ContextState*> Kernel::create_context_state(CUcontext context) const {
  // REQUIRES: `context` is current on this thread.
  std::lock_guard lock(m_mutex);
  for (const auto& slot : m_contexts) {
    ContextState* cs = slot.load(std::memory_order_acquire);
    if (cs != nullptr && cs->context == context) return cs;
  }
  const DriverApi* api = KJIT_TRY(driver_api());
  RelaxedCapture relaxed(api);
  auto cs = std::make_unique<ContextState>();
  cs->context = context;
  CUdevice dev = 0;
  KJIT_TRY_VOID(KJIT_CU(api, cuCtxGetDevice, "reading the device of the current CUDA context", &dev));
  int ordinal = 0;
  for (int count = KJIT_TRY(device_count()); ordinal < count; ++ordinal) {
    CUdevice d = 0;
    if (api->cuDeviceGet(&d, ordinal) == CUDA_SUCCESS && d == dev) break;
  }
  cs->device = ordinal;
  auto attribute = [&](CUdevice_attribute attr) -> Result<int> {
    int v = 0;
    KJIT_TRY_VOID(KJIT_CU(api, cuDeviceGetAttribute, str_cat("reading attribute ", static_cast<int>(attr), " of device ", ordinal), &v,
                          attr, dev));
    return v;
  };
  const int major = KJIT_TRY(attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR));
  const int minor = KJIT_TRY(attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR));
  cs->num_sms = KJIT_TRY(attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT));
  cs->max_shared_optin = KJIT_TRY(attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN));
  cs->pdl_ok = major >= 9;
  char dev_name[256] = {};
  if (api->cuDeviceGetName(dev_name, static_cast<int>(sizeof dev_name) - 1, dev) == CUDA_SUCCESS) cs->device_name = dev_name;
  cs->arch = KJIT_TRY(arch_state(arch_for_compute_capability(major, minor)));
  cs->module.emplace(KJIT_TRY(Module::load(cs->arch->artifact->cubin, name())));
  const auto& launches = cs->arch->program.launches();
  cs->shared_ok = std::make_unique<std::atomic<std::uint32_t>[]>(launches.size());
  for (std::size_t i = 0; i < launches.size(); ++i) {
    cs->functions.push_back(KJIT_TRY(cs->module->function(launches[i].entry)));
    cs->shared_ok[i].store(0, std::memory_order_relaxed);
    cs->static_shared.push_back(-1);
  }
  for (auto& slot : m_contexts) {
    if (slot.load(std::memory_order_relaxed) == nullptr) {
      ContextState* raw = cs.get();
      m_context_owner.push_back(std::move(cs));
      slot.store(raw, std::memory_order_release);
      return raw;
    }
  }
  return fail(ErrorCode::launch_error, str_cat(name(), ": used in more than ", k_max_contexts, " CUDA contexts"));
}

Result<Kernel::ContextState*> Kernel::context_for(int device, DevicePolicy policy, CUcontext* restore) const {
  const DriverApi* api = KJIT_TRY(driver_api());
  auto find = [this](CUcontext context) -> ContextState* {
    for (const auto& slot : m_contexts) {
      ContextState* cs = slot.load(std::memory_order_acquire);
      if (cs == nullptr) return nullptr;
      if (cs->context == context) return cs;
    }
    return nullptr;
  };
  CUcontext current = nullptr;
  KJIT_TRY_VOID(KJIT_CU(api, cuCtxGetCurrent, "reading the current CUDA context", &current));
  if (current != nullptr) {
    ContextState* cs = find(current);
    if (cs == nullptr) cs = KJIT_TRY(create_context_state(current));
    if (device < 0 || cs->device == device) return cs;
    if (policy == DevicePolicy::current_context)
      return fail(ErrorCode::invalid_argument, str_cat(name(), ": the tensors are on CUDA device ", device,
                                                       " but the current CUDA context is on device ", cs->device,
                                                       " (make device ", device, "'s context current)"));
  }
  // No context, or the policy follows the tensors to another device: that
  // device's primary context, made current (restored after the call when
  // the caller had one).
  CUcontext primary = KJIT_TRY(primary_context(device < 0 ? 0 : device));
  KJIT_TRY_VOID(KJIT_CU(api, cuCtxSetCurrent, str_cat("making device ", device < 0 ? 0 : device, "'s primary context current"), primary));
  if (current != nullptr) *restore = current;
  if (ContextState* cs = find(primary)) return cs;
  return create_context_state(primary);
}

Result<const Kernel::Entry*> Kernel::lookup(ContextState& cs, const std::int64_t* axes) const {
  const auto& keys = cs.arch->program.key_axes();
  std::uint64_t h = 0x84222325CBF29CE4ull;
  for (std::uint16_t a : keys) h = mix(h, static_cast<std::uint64_t>(axes[a]));
  const std::size_t start = static_cast<std::size_t>(h) & (ContextState::k_table - 1);
  auto same = [&](const Entry* e) {
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (e->key[i] != axes[keys[i]]) return false;
    return true;
  };
  for (std::size_t p = 0; p < ContextState::k_probe; ++p) {
    const Entry* e = cs.table[(start + p) & (ContextState::k_table - 1)].load(std::memory_order_acquire);
    if (e == nullptr) break;
    if (same(e)) return e;
  }
  // Miss: evaluate, raise shared-memory limits the entry needs, then insert
  // (or, with the table full, keep the result in this thread's scratch).
  auto fill = [&](Entry& e) -> Result<void> {
    for (std::size_t i = 0; i < keys.size(); ++i) e.key[i] = axes[keys[i]];
    KJIT_TRY_VOID(cs.arch->program.evaluate(axes, cs.num_sms, e.values));
    const auto& launches = cs.arch->program.launches();
    for (std::size_t li = 0; li < launches.size(); ++li) {
      const LaunchGeometry& g = e.values.launches[li];
      if (g.skipped || g.shared_bytes == 0 || cs.shared_ok[li].load(std::memory_order_acquire) >= g.shared_bytes) continue;
      std::lock_guard lock(m_mutex);
      if (cs.shared_ok[li].load(std::memory_order_relaxed) >= g.shared_bytes) continue;
      RelaxedCapture relaxed(*driver_api());
      if (cs.static_shared[li] < 0)
        cs.static_shared[li] = KJIT_TRY(static_shared_bytes(cs.functions[li], launches[li].entry));
      const std::uint32_t total = g.shared_bytes + static_cast<std::uint32_t>(cs.static_shared[li]);
      // The 48 KiB default covers static + dynamic shared memory together.
      if (total > k_default_shared) {
        if (cs.max_shared_optin > 0 && total > static_cast<std::uint32_t>(cs.max_shared_optin))
          return fail(ErrorCode::launch_error,
                      str_cat("kernel '", launches[li].entry, "' asks for ", g.shared_bytes, " bytes of dynamic shared memory on top of ",
                              cs.static_shared[li], " static; ", cs.device_name, " allows at most ", cs.max_shared_optin, " per block"));
        KJIT_TRY_VOID(set_max_dynamic_shared(cs.functions[li], static_cast<int>(g.shared_bytes), launches[li].entry));
      }
      cs.shared_ok[li].store(g.shared_bytes, std::memory_order_release);
    }
    return {};
  };
  if (cs.entries.load(std::memory_order_relaxed) < ContextState::k_fill) {
    auto entry = std::make_unique<Entry>();
    KJIT_TRY_VOID(fill(*entry));
    std::lock_guard lock(m_mutex);
    for (std::size_t p = 0; p < ContextState::k_probe; ++p) {
      auto& slot = cs.table[(start + p) & (ContextState::k_table - 1)];
      const Entry* e = slot.load(std::memory_order_acquire);
      if (e != nullptr && same(e)) return e;  // another thread inserted it
      if (e == nullptr) {
        const Entry* raw = entry.get();
        cs.owned.push_back(std::move(entry));
        slot.store(raw, std::memory_order_release);
        cs.entries.fetch_add(1, std::memory_order_relaxed);
        return raw;
      }
    }
  }
  thread_local Entry t_scratch;
  KJIT_TRY_VOID(fill(t_scratch));
  return &t_scratch;
}

Result<void> Kernel::scalar_bits(const ScalarValue* const* scalars, std::uint64_t* bits) const {
  const auto& specs = m_signature.scalars();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const ScalarValue* v = scalars[i];
    if (v == nullptr)
      return fail(ErrorCode::invalid_argument, str_cat(name(), ": scalar '", specs[i].name, "' (", jit::dtype_name(specs[i].dtype),
                                                       ") was not given"));
    const jit::Dtype d = specs[i].dtype;
    const bool int_dtype = d == jit::Dtype::int8 || d == jit::Dtype::int16 || d == jit::Dtype::int32 || d == jit::Dtype::int64;
    if (v->is_integer && int_dtype) {
      const std::size_t size = ScalarArg{d, 0}.size();
      bits[i] = size == 8 ? static_cast<std::uint64_t>(v->i) : static_cast<std::uint64_t>(v->i) & ((std::uint64_t{1} << (8 * size)) - 1);
    } else {
      bits[i] = ScalarArg::from_double(d, v->as_double()).bits;
    }
  }
  return {};
}

Result<void> Kernel::order_named(std::span<const NamedTensor> tensors, std::span<const NamedScalar> scalars,
                                 const TensorArg** tensor_slots, const ScalarValue** scalar_slots) const {
  for (std::size_t i = 0; i < m_signature.tensors().size(); ++i) tensor_slots[i] = nullptr;
  for (std::size_t i = 0; i < m_signature.scalars().size(); ++i) scalar_slots[i] = nullptr;
  for (const NamedTensor& t : tensors) {
    const int slot = m_signature.find_tensor(t.name);
    if (slot < 0) {
      const bool is_scalar = m_signature.find_scalar(t.name) >= 0;
      return fail(ErrorCode::invalid_argument, is_scalar ? str_cat(name(), ": '", t.name, "' is a scalar input, not a tensor")
                                                         : str_cat(name(), " has no tensor '", t.name, "' (tensors: ",
                                                                   m_signature.tensor_list(), ")"));
    }
    if (tensor_slots[slot] != nullptr)
      return fail(ErrorCode::invalid_argument, str_cat(name(), ": tensor '", t.name, "' is given twice"));
    tensor_slots[slot] = &t.tensor;
  }
  for (const NamedScalar& s : scalars) {
    const int slot = m_signature.find_scalar(s.name);
    if (slot < 0) return fail(ErrorCode::invalid_argument, str_cat(name(), " has no scalar input '", s.name, "'"));
    if (scalar_slots[slot] != nullptr)
      return fail(ErrorCode::invalid_argument, str_cat(name(), ": scalar '", s.name, "' is given twice"));
    scalar_slots[slot] = &s.value;
  }
  return {};
}

Result<void> Kernel::order_slots(std::span<const TensorArg> tensors, std::span<const ScalarValue> scalars, Slots& out) const {
  if (tensors.size() != m_signature.tensors().size())
    return fail(ErrorCode::invalid_argument, str_cat(name(), " takes ", m_signature.tensors().size(), " tensors (",
                                                     m_signature.tensor_list(), "), got ", tensors.size()));
  if (scalars.size() != m_signature.scalars().size())
    return fail(ErrorCode::invalid_argument, str_cat(name(), " takes ", m_signature.scalars().size(), " scalars, got ", scalars.size()));
  for (std::size_t i = 0; i < tensors.size(); ++i) out.tensors[i] = &tensors[i];
  for (std::size_t i = 0; i < scalars.size(); ++i) out.scalars[i] = &scalars[i];
  return {};
}

Result<void> Kernel::order_slots(std::span<const NamedTensor> tensors, std::span<const NamedScalar> scalars, Slots& out) const {
  return order_named(tensors, scalars, out.tensors.data(), out.scalars.data());
}

// The four entry points: slot order, then the slot-based call (hot path: the
// Slots live on this frame; order_slots is in this file, so it inlines).
Result<void> Kernel::launch(std::span<const TensorArg> tensors, std::span<const ScalarValue> scalars, CUstream stream,
                            const LaunchOptions& options) const {
  Slots slots;
  KJIT_TRY_VOID(order_slots(tensors, scalars, slots));
  return launch_slots(slots.tensors.data(), slots.scalars.data(), stream, options);
}

Result<void> Kernel::launch(std::span<const NamedTensor> tensors, std::span<const NamedScalar> scalars, CUstream stream,
                            const LaunchOptions& options) const {
  Slots slots;
  KJIT_TRY_VOID(order_slots(tensors, scalars, slots));
  return launch_slots(slots.tensors.data(), slots.scalars.data(), stream, options);
}

Result<ResolvedCall> Kernel::resolve(std::span<const TensorArg> tensors, std::span<const ScalarValue> scalars,
                                     const ResolveOptions& options) const {
  Slots slots;
  KJIT_TRY_VOID(order_slots(tensors, scalars, slots));
  return resolve_slots(slots.tensors.data(), slots.scalars.data(), options);
}

Result<ResolvedCall> Kernel::resolve(std::span<const NamedTensor> tensors, std::span<const NamedScalar> scalars,
                                     const ResolveOptions& options) const {
  Slots slots;
  KJIT_TRY_VOID(order_slots(tensors, scalars, slots));
  return resolve_slots(slots.tensors.data(), slots.scalars.data(), options);
}

Result<void> Kernel::bind_args(const TensorArg* const* tensors, const ScalarValue* const* scalars, Bound& out) const {
  KJIT_TRY_VOID(m_signature.bind({tensors, m_signature.tensors().size()}, out.axes.data(), &out.device));
  return scalar_bits(scalars, out.scalar_bits.data());
}

Result<void> Kernel::launch_slots(const TensorArg* const* tensors, const ScalarValue* const* scalars, CUstream stream,
                                  const LaunchOptions& options) const {
  Bound bound;
  KJIT_TRY_VOID(bind_args(tensors, scalars, bound));
  auto& [axes, device, sbits] = bound;
  const DriverApi* api = KJIT_TRY(driver_api());
  ContextRestore restore{api, nullptr};
  ContextState* cs = KJIT_TRY(context_for(device, options.device, &restore.previous));
  const Entry* entry = KJIT_TRY(lookup(*cs, axes.data()));
  const PlanValues& values = entry->values;

  CUdeviceptr workspace = 0;
  if (values.workspace_total > 0) {
    if (options.workspace != 0) {
      if (options.workspace_bytes < values.workspace_total)
        return fail(ErrorCode::invalid_argument, str_cat(name(), ": the workspace given has ", options.workspace_bytes,
                                                         " bytes; this launch needs ", values.workspace_total));
      workspace = options.workspace;
    } else {
      workspace = KJIT_TRY(stream_workspace(cs->context, stream, values.workspace_total));
    }
  }
  const PlanProgram& program = cs->arch->program;
  const int level = launch_log_level();
  if (level > 0) {
    LaunchRecordView view{*this, tensors, scalars, sbits.data(), axes.data(), program, values, stream, cs->device,
                          cs->device_name, cs->arch->arch, workspace, cs->pdl_ok};
    log_launch(view, level);
  }
  for (std::size_t i = 0; i < program.workspace().size(); ++i) {
    if (!program.workspace()[i].zero || values.workspace_bytes[i] == 0) continue;
    KJIT_TRY_VOID(KJIT_CU(api, cuMemsetD8Async, str_cat("zeroing workspace '", program.workspace()[i].name, "'"),
                          workspace + values.workspace_offset[i], 0, values.workspace_bytes[i], stream));
  }
  const auto& launches = program.launches();
  std::array<std::uint64_t, k_max_args> storage;
  std::array<void*, k_max_args> params;
  for (std::size_t li = 0; li < launches.size(); ++li) {
    const LaunchGeometry& g = values.launches[li];
    if (g.skipped) continue;
    const LaunchProgram& lp = launches[li];
    for (std::size_t a = 0; a < lp.args.size(); ++a) {
      const ArgRecipe& r = lp.args[a];
      switch (r.kind) {
        case ArgRecipe::tensor: storage[a] = tensors[r.index]->data; break;
        case ArgRecipe::scalar: storage[a] = sbits[r.index]; break;
        case ArgRecipe::var_axis: storage[a] = static_cast<std::uint64_t>(axes[r.index]); break;
        case ArgRecipe::slot: storage[a] = static_cast<std::uint64_t>(values.slots[r.index]); break;
        case ArgRecipe::workspace: storage[a] = workspace + values.workspace_offset[r.index]; break;
      }
      params[a] = &storage[a];  // little-endian: the low bytes of the slot are the value
    }
    KJIT_TRY_VOID(launch_kernel(cs->functions[li], g.grid, g.block, g.shared_bytes, stream, params.data(), lp.entry,
                                lp.pdl && cs->pdl_ok));
  }
  if (level >= 5) {
    LaunchRecordView view{*this, tensors, scalars, sbits.data(), axes.data(), program, values, stream, cs->device,
                          cs->device_name, cs->arch->arch, workspace, cs->pdl_ok};
    log_launch_outputs(view);
  }
  return {};
}

Result<ResolvedCall> Kernel::resolve_slots(const TensorArg* const* tensors, const ScalarValue* const* scalars,
                                           const ResolveOptions& options) const {
  Bound bound;
  KJIT_TRY_VOID(bind_args(tensors, scalars, bound));
  auto& [axes, device, sbits] = bound;

  const ArchState* arch = m_initial.get();
  std::int64_t num_sms = options.num_sms > 0 ? options.num_sms : k_default_num_sms;
  bool pdl_ok = arch_major(arch->arch) >= 9;
  if (options.num_sms <= 0 && device >= 0) {
    // A device, if there is one, says how many SMs and which arch.
    CUcontext previous = nullptr;
    auto cs = context_for(device, options.device, &previous);
    if (previous != nullptr) {
      if (auto api = driver_api()) (*api)->cuCtxSetCurrent(previous);
    }
    if (cs) {
      arch = (*cs)->arch;
      num_sms = (*cs)->num_sms;
      pdl_ok = (*cs)->pdl_ok;
    } else if (cs.error().code != ErrorCode::no_device) {
      return std::unexpected(cs.error());
    }
  }
  PlanValues values;
  KJIT_TRY_VOID(arch->program.evaluate(axes.data(), num_sms, values));

  ResolvedCall call;
  call.definition = name();
  call.arch = arch->arch;
  call.num_sms = num_sms;
  for (std::size_t a = 0; a < m_signature.axes().size(); ++a) call.axes.emplace_back(m_signature.axes()[a].name, axes[a]);
  const PlanProgram& program = arch->program;
  for (std::size_t i = 0; i < program.workspace().size(); ++i)
    call.workspace.push_back({program.workspace()[i].name, values.workspace_bytes[i], values.workspace_offset[i],
                              program.workspace()[i].zero});
  call.workspace_bytes = values.workspace_total;
  for (std::size_t li = 0; li < program.launches().size(); ++li) {
    const LaunchProgram& lp = program.launches()[li];
    const LaunchGeometry& g = values.launches[li];
    ResolvedKernel rk;
    rk.entry = lp.entry;
    rk.grid = g.grid;
    rk.block = g.block;
    rk.shared_bytes = g.shared_bytes;
    rk.pdl = lp.pdl && pdl_ok;
    rk.skipped = g.skipped;
    for (std::size_t a = 0; a < lp.args.size(); ++a) {
      const ArgRecipe& r = lp.args[a];
      ResolvedArgument arg;
      arg.name = lp.arg_names[a];
      arg.size = r.size;
      switch (r.kind) {
        case ArgRecipe::tensor: arg.kind = ArgKind::tensor; arg.bits = tensors[r.index]->data; break;
        case ArgRecipe::scalar: arg.kind = ArgKind::scalar; arg.bits = sbits[r.index]; break;
        case ArgRecipe::var_axis: arg.kind = ArgKind::integer; arg.bits = static_cast<std::uint64_t>(axes[r.index]); break;
        case ArgRecipe::slot: arg.kind = ArgKind::integer; arg.bits = static_cast<std::uint64_t>(values.slots[r.index]); break;
        case ArgRecipe::workspace:
          arg.kind = ArgKind::workspace;
          arg.bits = options.workspace + values.workspace_offset[r.index];
          break;
      }
      rk.args.push_back(std::move(arg));
    }
    call.launches.push_back(std::move(rk));
  }
  return call;
}

nlohmann::ordered_json ResolvedCall::to_json() const {
  nlohmann::ordered_json j;
  j["definition"] = definition;
  j["arch"] = arch;
  j["num_sms"] = num_sms;
  j["axes"] = nlohmann::ordered_json::object();
  for (const auto& [n, v] : axes) j["axes"][n] = v;
  j["workspace_bytes"] = workspace_bytes;
  j["workspace"] = nlohmann::ordered_json::array();
  for (const auto& w : workspace)
    j["workspace"].push_back({{"name", w.name}, {"bytes", w.bytes}, {"offset", w.offset}, {"zero", w.zero}});
  j["launches"] = nlohmann::ordered_json::array();
  for (const auto& l : launches) {
    nlohmann::ordered_json args = nlohmann::ordered_json::array();
    for (const auto& a : l.args) {
      nlohmann::ordered_json arg{{"name", a.name}, {"size", a.size}};
      switch (a.kind) {
        case ArgKind::tensor: arg["kind"] = "tensor"; arg["pointer"] = a.bits; break;
        case ArgKind::workspace: arg["kind"] = "workspace"; arg["pointer"] = a.bits; break;
        case ArgKind::integer: arg["kind"] = "int64"; arg["value"] = static_cast<std::int64_t>(a.bits); break;
        case ArgKind::scalar: arg["kind"] = "scalar"; arg["bits"] = a.bits; break;
      }
      args.push_back(std::move(arg));
    }
    j["launches"].push_back({{"entry", l.entry},
                             {"grid", l.grid},
                             {"block", l.block},
                             {"shared_bytes", l.shared_bytes},
                             {"pdl", l.pdl},
                             {"skipped", l.skipped},
                             {"args", std::move(args)}});
  }
  return j;
}

}  // namespace kjit::runtime
