// Kernel argument packing per docs/templates.md ("Kernel ABI"): each name in
// a launch's `args` resolves, in this order, to an input or output tensor
// (device pointer), a scalar input (its value, by its dtype), an axis or a
// `let` or `num_sms` (int64_t), or a workspace buffer (device pointer).
//
// Packing needs no device: pointers are plain 64-bit values here, so tests
// check the bytes exactly. Each argument occupies its own 8-byte aligned
// slot in `storage`; `params()` is the `void**` cuLaunchKernel wants (the
// driver copies each parameter's size from its slot).
//
// Thread safety: plain values; PackedArgs::params() returns pointers into
// the object, which must outlive the launch and not move meanwhile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "jit/codegen/launch_plan.h"
#include "jit/util/error.h"
#include "jit/definition/dtype.h"

namespace kjit::runtime {

// A scalar input's value, stored as the bytes of its dtype.
struct ScalarArg {
  jit::Dtype dtype = jit::Dtype::float32;
  std::uint64_t bits = 0;  // little-endian value in the low `size` bytes

  static ScalarArg from_double(jit::Dtype dtype, double value);
  std::size_t size() const;
};

// What argument names resolve to, for one launch of one binding.
struct ArgTable {
  std::map<std::string, std::uint64_t, std::less<>> tensors;    // name -> device pointer
  std::map<std::string, ScalarArg, std::less<>> scalars;        // scalar inputs
  jit::Bindings values;                                         // axes, num_sms, lets
  std::map<std::string, std::uint64_t, std::less<>> workspace;  // name -> device pointer
};

enum class ArgKind { tensor, scalar, integer, workspace };

struct PackedArg {
  std::string name;
  ArgKind kind = ArgKind::integer;
  std::size_t offset = 0;  // in storage
  std::size_t size = 0;    // bytes the kernel reads
};

class PackedArgs {
 public:
  PackedArgs() = default;
  PackedArgs(const PackedArgs& other);
  PackedArgs& operator=(const PackedArgs& other);
  PackedArgs(PackedArgs&&) = default;
  PackedArgs& operator=(PackedArgs&&) = default;

  const std::vector<std::byte>& storage() const { return m_storage; }
  const std::vector<PackedArg>& args() const { return m_args; }
  // One pointer per argument, into storage().
  void** params() { return m_params.data(); }

  void append(std::string name, ArgKind kind, const void* value, std::size_t size);
  // Replaces the value of argument `index` (a launch parameter between runs).
  // REQUIRES: index < args().size() and size == args()[index].size.
  void overwrite(std::size_t index, const void* value, std::size_t size);

 private:
  void rebuild_params();
  std::vector<std::byte> m_storage;
  std::vector<PackedArg> m_args;
  std::vector<void*> m_params;
};

// Packs `launch.args` from `table`. Errors: invalid_argument naming the
// entry and the argument that resolves to nothing.
Result<PackedArgs> pack_args(const jit::ResolvedLaunch& launch, const ArgTable& table);

}  // namespace kjit::runtime
