// KernelSignature: the definition's argument contract and the launch-time
// check. See kernel_signature.h.
//
// Thread safety: see kernel_signature.h.
#include "runtime/kernel_signature.h"

#include <cstdio>

#include "jit/util/str_cat.h"
#include "runtime/dtype_convert.h"

namespace kjit::runtime {
namespace {

// The widest vector access kjit's templates make on floating-point tensors.
constexpr std::uint32_t k_float_alignment = 16;

std::string hex(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

std::string dims_text(const std::int64_t* values, int n) {
  std::string out = "[";
  for (int i = 0; i < n; ++i) out += str_cat(i ? ", " : "", values[i]);
  return out + "]";
}

}  // namespace

std::string_view memory_kind_text(MemoryKind kind) {
  switch (kind) {
    case MemoryKind::device: return "CUDA device memory";
    case MemoryKind::managed: return "CUDA managed memory";
    case MemoryKind::host: return "CPU memory";
    case MemoryKind::pinned_host: return "pinned CPU memory";
    case MemoryKind::other: return "memory of a non-CUDA device";
  }
  return "unknown memory";
}

Result<KernelSignature> KernelSignature::from_definition(const jit::Definition& def) {
  KernelSignature sig;
  sig.m_definition = def.name;
  for (const jit::Axis& axis : def.axes)
    sig.m_axes.push_back({axis.name, axis.kind == jit::AxisKind::const_, axis.value});
  if (sig.m_axes.size() > static_cast<std::size_t>(k_max_axes))
    return fail(ErrorCode::invalid_argument, str_cat(def.name, ": ", sig.m_axes.size(), " axes; kjit launches at most ", k_max_axes));

  auto add_tensor = [&](const jit::TensorSpec& spec, bool is_output) -> Result<void> {
    SignatureTensor t;
    t.name = spec.name;
    t.dtype = spec.dtype;
    t.is_output = is_output;
    t.rank = static_cast<int>(spec.shape->size());
    if (t.rank > k_max_rank)
      return fail(ErrorCode::invalid_argument, str_cat(def.name, ": tensor '", spec.name, "' has rank ", t.rank,
                                                       "; kjit launches tensors of rank <= ", k_max_rank));
    for (int d = 0; d < t.rank; ++d) {
      int a = sig.find_axis((*spec.shape)[static_cast<std::size_t>(d)]);
      if (a < 0)
        return fail(ErrorCode::invalid_argument, str_cat(def.name, ": tensor '", spec.name, "' dim ", d, " names axis '",
                                                         (*spec.shape)[static_cast<std::size_t>(d)], "', which the definition does not have"));
      t.axis[static_cast<std::size_t>(d)] = static_cast<std::int16_t>(a);
    }
    t.alignment = jit::dtype_is_float(spec.dtype) ? k_float_alignment
                                                  : static_cast<std::uint32_t>(std::max(1, jit::dtype_bits(spec.dtype) / 8));
    sig.m_tensors.push_back(std::move(t));
    return {};
  };
  for (const jit::TensorSpec& spec : def.inputs) {
    if (spec.is_scalar()) {
      sig.m_inputs.push_back({true, static_cast<int>(sig.m_scalars.size())});
      sig.m_scalars.push_back({spec.name, spec.dtype});
    } else {
      sig.m_inputs.push_back({false, static_cast<int>(sig.m_tensors.size())});
      KJIT_TRY_VOID(add_tensor(spec, false));
    }
  }
  sig.m_num_tensor_inputs = static_cast<int>(sig.m_tensors.size());
  for (const jit::TensorSpec& spec : def.outputs) {
    if (spec.is_scalar())
      return fail(ErrorCode::invalid_argument,
                  str_cat(def.name, ": output '", spec.name, "' is a scalar; kjit kernels write tensors only"));
    KJIT_TRY_VOID(add_tensor(spec, true));
  }
  if (sig.m_tensors.size() > static_cast<std::size_t>(k_max_tensors) || sig.m_scalars.size() > static_cast<std::size_t>(k_max_scalars))
    return fail(ErrorCode::invalid_argument, str_cat(def.name, ": too many tensors or scalars for kjit's launch path (at most ",
                                                     k_max_tensors, " and ", k_max_scalars, ")"));
  // Every var axis must be readable from some tensor's shape.
  for (std::size_t a = 0; a < sig.m_axes.size(); ++a) {
    if (sig.m_axes[a].is_const) continue;
    bool seen = false;
    for (const auto& t : sig.m_tensors)
      for (int d = 0; d < t.rank; ++d) seen = seen || t.axis[static_cast<std::size_t>(d)] == static_cast<std::int16_t>(a);
    if (!seen)
      return fail(ErrorCode::invalid_argument, str_cat(def.name, ": var axis '", sig.m_axes[a].name,
                                                       "' is in no tensor's shape, so a launch cannot infer it"));
  }
  return sig;
}

int KernelSignature::find_tensor(std::string_view name) const {
  for (std::size_t i = 0; i < m_tensors.size(); ++i)
    if (m_tensors[i].name == name) return static_cast<int>(i);
  return -1;
}

int KernelSignature::find_scalar(std::string_view name) const {
  for (std::size_t i = 0; i < m_scalars.size(); ++i)
    if (m_scalars[i].name == name) return static_cast<int>(i);
  return -1;
}

int KernelSignature::find_axis(std::string_view name) const {
  for (std::size_t i = 0; i < m_axes.size(); ++i)
    if (m_axes[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string KernelSignature::tensor_list() const {
  std::string out;
  for (const auto& t : m_tensors) out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

std::string KernelSignature::describe(int index) const {
  const SignatureTensor& t = m_tensors[static_cast<std::size_t>(index)];
  std::string out = str_cat(jit::dtype_name(t.dtype), "[");
  for (int d = 0; d < t.rank; ++d) {
    const SignatureAxis& a = m_axes[static_cast<std::size_t>(t.axis[static_cast<std::size_t>(d)])];
    out += str_cat(d ? ", " : "", a.is_const ? std::to_string(a.value) : a.name);
  }
  return out + "]";
}

Result<void> KernelSignature::bind(std::span<const TensorArg* const> tensors, std::int64_t* axes_out, int* device_out,
                                   bool allow_missing) const {
  // Where each var axis got its value: (tensor slot, dim), for messages.
  std::array<std::int16_t, k_max_axes> src_tensor;
  std::array<std::int8_t, k_max_axes> src_dim{};
  const std::size_t naxes = m_axes.size();
  for (std::size_t a = 0; a < naxes; ++a) {
    axes_out[a] = m_axes[a].is_const ? m_axes[a].value : -1;
    src_tensor[a] = -1;
  }
  int device = -1;
  int device_src = -1;
  const std::size_t ntensors = m_tensors.size();
  if (tensors.size() != ntensors)
    return fail(ErrorCode::invalid_argument, str_cat(m_definition, " takes ", ntensors, " tensors (", tensor_list(),
                                                     "), got ", tensors.size()));
  for (std::size_t i = 0; i < ntensors; ++i) {
    const SignatureTensor& spec = m_tensors[i];
    const TensorArg* arg = tensors[i];
    if (arg == nullptr) {
      if (allow_missing) continue;
      return fail(ErrorCode::invalid_argument, str_cat(m_definition, ": tensor '", spec.name, "' (", describe(static_cast<int>(i)),
                                                       ") was not given"));
    }
    if (arg->memory != MemoryKind::device && arg->memory != MemoryKind::managed)
      return fail(ErrorCode::invalid_argument, str_cat(m_definition, ": tensor '", spec.name, "' is in ", memory_kind_text(arg->memory),
                                                       "; kjit kernels need CUDA device memory (move it to the GPU first)"));
    if (device < 0) {
      device = arg->device_id;
      device_src = static_cast<int>(i);
    } else if (arg->device_id != device) {
      return fail(ErrorCode::invalid_argument, str_cat(m_definition, ": tensor '", spec.name, "' is on CUDA device ", arg->device_id,
                                                       " but '", m_tensors[static_cast<std::size_t>(device_src)].name,
                                                       "' is on device ", device, "; all tensors of a launch must be on one device"));
    }
    if (arg->dtype != spec.dtype)
      return fail(ErrorCode::invalid_argument, str_cat(m_definition, ": tensor '", spec.name, "' has dtype ", jit::dtype_name(arg->dtype),
                                                       ", the definition says ", jit::dtype_name(spec.dtype), " (",
                                                       describe(static_cast<int>(i)), ")"));
    if (arg->ndim != spec.rank)
      return fail(ErrorCode::invalid_argument,
                  str_cat(m_definition, ": tensor '", spec.name, "' has rank ", arg->ndim, " (shape ",
                          dims_text(arg->shape, arg->ndim), "), the definition says rank ", spec.rank, " (",
                          describe(static_cast<int>(i)), ")"));
    std::int64_t numel = 1;
    for (int d = 0; d < spec.rank; ++d) {
      const std::int64_t size = arg->shape[d];
      const std::size_t a = static_cast<std::size_t>(spec.axis[static_cast<std::size_t>(d)]);
      const SignatureAxis& axis = m_axes[a];
      if (size < 0)
        return fail(ErrorCode::invalid_argument, str_cat(m_definition, ": tensor '", spec.name, "' dim ", d, " is negative (", size, ")"));
      if (axis.is_const) {
        if (size != axis.value)
          return fail(ErrorCode::invalid_argument, str_cat(m_definition, ": tensor '", spec.name, "' dim ", d, " (axis '", axis.name,
                                                           "') is ", size, ", the definition says ", axis.value));
      } else if (src_tensor[a] < 0) {
        axes_out[a] = size;
        src_tensor[a] = static_cast<std::int16_t>(i);
        src_dim[a] = static_cast<std::int8_t>(d);
      } else if (axes_out[a] != size) {
        return fail(ErrorCode::invalid_argument,
                    str_cat(m_definition, ": tensor '", spec.name, "' dim ", d, " (axis '", axis.name, "') is ", size,
                            ", but tensor '", m_tensors[static_cast<std::size_t>(src_tensor[a])].name, "' dim ",
                            static_cast<int>(src_dim[a]), " gave ", axis.name, " = ", axes_out[a]));
      }
      numel *= size;
    }
    if (numel == 0) continue;
    if (arg->strides != nullptr) {
      std::int64_t expected = 1;
      for (int d = spec.rank - 1; d >= 0; --d) {
        if (arg->shape[d] != 1 && arg->strides[d] != expected)
          return fail(ErrorCode::invalid_argument,
                      str_cat(m_definition, ": tensor '", spec.name, "' is not contiguous (shape ", dims_text(arg->shape, arg->ndim),
                              ", strides ", dims_text(arg->strides, arg->ndim), " elements; dim ", d, " needs stride ", expected,
                              "): kjit kernels read row-major contiguous tensors (call .contiguous())"));
        expected *= arg->shape[d];
      }
    }
    if (arg->data % spec.alignment != 0)
      return fail(ErrorCode::invalid_argument,
                  str_cat(m_definition, ": tensor '", spec.name, "' starts at ", hex(arg->data), ", which is not ", spec.alignment,
                          "-byte aligned (kjit's kernels load ", jit::dtype_name(spec.dtype), " tensors ", spec.alignment,
                          " bytes at a time; a view at an offset may break this: copy it)"));
  }
  if (device_out) *device_out = device;
  return {};
}

}  // namespace kjit::runtime
