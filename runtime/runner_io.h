// Runner internals shared by check and bench: a workload's tensors on the
// device (inputs uploaded, outputs allocated) and the argument maps the
// launcher takes.
//
// Thread safety: owned by one thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "jit/util/error.h"
#include "jit/definition/definition.h"
#include "runtime/arg_pack.h"
#include "runtime/device_tensor.h"
#include "runtime/inputs.h"

namespace kjit::runtime::detail {

struct DeviceIo {
  std::vector<DeviceTensor> inputs;   // tensors only (scalars go by value)
  std::vector<DeviceTensor> outputs;  // definition order, aliased outputs left out
  std::map<std::string, std::uint64_t, std::less<>> pointers;
  std::map<std::string, ScalarArg, std::less<>> scalars;
  std::map<std::string, std::string, std::less<>> aliased;  // output -> the input whose buffer it is
};

// Checks `aliases` (output -> input) against `def` and `set`: invalid_argument naming an
// unknown output or input, a scalar, a dtype or shape that differs, or a buffer named twice.
Result<void> check_aliases(const jit::Definition& def, const InputSet& set, const Aliases& aliases);

// Uploads `set`'s tensors and allocates every output of `def`, except those
// `aliases` (output -> input, Aliases in runner.h) put in an input's buffer:
// the kernel then updates that input in place. Errors: those of check_aliases.
Result<DeviceIo> upload_io(const jit::Definition& def, const InputSet& set, const Aliases& aliases = {});

// Every output of `def` in definition order, aliased ones read from their
// input's buffer.
Result<std::vector<HostTensor>> download_outputs(const jit::Definition& def, const DeviceIo& io);

// The current contents of input `name`'s device buffer.
Result<HostTensor> download_input(const DeviceIo& io, std::string_view name);

// Every axis as a launch-plan binding.
jit::Bindings to_bindings(const AxisValues& values);

// "batch_size=7,total_q=30" over the var axes of `def`.
std::string var_axes_text(const jit::Definition& def, const AxisValues& values);

// A deterministic UUID-shaped id for a workload that has none.
std::string synthesized_uuid(const std::string& definition, const std::string& axes, std::uint64_t seed);

}  // namespace kjit::runtime::detail
