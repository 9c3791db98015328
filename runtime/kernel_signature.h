// KernelSignature: what a definition asks of a launch's arguments — the
// tensors (inputs then outputs, definition order) with dtype, rank and one
// axis per dimension, the scalar inputs, and every axis — and `bind`, which
// checks a launch's tensors against it and infers the var axes from their
// shapes.
//
// bind is on the launch path: it allocates nothing and builds an error
// message only on failure. Checks, per tensor: memory kind (CUDA device or
// managed memory), one device for all, dtype, rank, each dimension against
// its const axis or the value the var axis took at its first occurrence,
// row-major contiguity (strides of size-1 dimensions and of empty tensors
// are ignored), and alignment of the data pointer: floating-point tensors to
// 16 bytes (kjit's kernels use 16-byte vector loads on them; every PyTorch,
// CuPy or cudaMalloc allocation is 256-byte aligned), integer and bool
// tensors to their element size. Errors name the definition, the tensor,
// the dimension and axis, and both values.
//
// Thread safety: immutable after from_definition; bind is const and may run
// concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "jit/definition/definition.h"
#include "jit/util/error.h"
#include "runtime/tensor_arg.h"

namespace kjit::runtime {

// Limits of the allocation-free launch path (definitions exceed none of
// them; from_definition rejects one that would).
inline constexpr int k_max_rank = 8;
inline constexpr int k_max_tensors = 32;
inline constexpr int k_max_scalars = 16;
inline constexpr int k_max_axes = 32;

struct SignatureAxis {
  std::string name;
  bool is_const = false;
  std::int64_t value = 0;  // const axes
};

struct SignatureTensor {
  std::string name;
  jit::Dtype dtype = jit::Dtype::float32;
  bool is_output = false;
  int rank = 0;
  std::array<std::int16_t, k_max_rank> axis{};  // index into axes, per dimension
  std::uint32_t alignment = 1;                  // bytes the data pointer must be a multiple of
};

struct SignatureScalar {
  std::string name;
  jit::Dtype dtype = jit::Dtype::float32;
};

// One definition input in file order: a tensor slot or a scalar slot.
struct SignatureInput {
  bool is_scalar = false;
  int index = 0;  // into tensors or scalars
};

class KernelSignature {
 public:
  static Result<KernelSignature> from_definition(const jit::Definition& definition);

  const std::string& definition() const { return m_definition; }
  const std::vector<SignatureAxis>& axes() const { return m_axes; }
  // Tensor inputs in definition order, then the outputs.
  const std::vector<SignatureTensor>& tensors() const { return m_tensors; }
  int num_tensor_inputs() const { return m_num_tensor_inputs; }
  const std::vector<SignatureScalar>& scalars() const { return m_scalars; }
  const std::vector<SignatureInput>& inputs() const { return m_inputs; }

  // Slot of the tensor / scalar called `name`, or -1.
  int find_tensor(std::string_view name) const;
  int find_scalar(std::string_view name) const;
  int find_axis(std::string_view name) const;

  // Checks `tensors` (one per tensor slot; null = not given) and writes
  // every axis value, const and var, into `axes_out` (axes().size()
  // entries). `device_out` receives the tensors' device ordinal (-1 when no
  // tensor is given). With `allow_missing`, a null tensor is skipped (to
  // infer the axes from the inputs alone); a var axis no given tensor
  // determines is then -1. Errors: invalid_argument.
  Result<void> bind(std::span<const TensorArg* const> tensors, std::int64_t* axes_out, int* device_out,
                    bool allow_missing = false) const;

  // "hidden_states, weight, output" (tensor slots), for messages.
  std::string tensor_list() const;
  // "bfloat16[batch_size, 4096]" for slot `index`.
  std::string describe(int index) const;

 private:
  std::string m_definition;
  std::vector<SignatureAxis> m_axes;
  std::vector<SignatureTensor> m_tensors;
  int m_num_tensor_inputs = 0;
  std::vector<SignatureScalar> m_scalars;
  std::vector<SignatureInput> m_inputs;
};

}  // namespace kjit::runtime
