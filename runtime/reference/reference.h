// C++ CPU reference math for the flashinfer-trace op types kjit checks
// kernels against: rmsnorm (incl. fused add), gemm, gqa_paged, gqa_ragged,
// mla_paged, mla_ragged, dsa_paged (indexer, sparse attention), sampling (as distributions,
// sampling.h), rope, gdn (decode, mtp, prefill), mamba_ssu, moe. Each op reproduces the semantics of the
// definitions' PyTorch `reference` code, computed in float64.
//
// Values travel as float64 in `RefTensor`s decoupled from the runtime's
// tensor classes: the caller converts inputs from their dtype to double and
// rounds the returned outputs to each output's dtype before comparing.
//
// Thread safety: `run_reference` is reentrant; it spreads one call over
// worker threads itself (see parallel.h). Results are bit-identical for any
// thread count: every output element is summed by one thread in a fixed order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "jit/util/error.h"
#include "jit/definition/definition.h"

namespace kjit::runtime::reference {

// A borrowed, undecoded view of an input's storage (row-major elements of
// `dtype`, fp4 packed two per byte): the runner passes large inputs this way
// to references that read it (reads_raw_inputs), instead of copying them to
// doubles; DeepSeek-V3's MoE weights alone are 1.4 G elements. The storage
// must outlive the run_reference call.
struct RawView {
  const std::uint8_t* bytes = nullptr;  // null: no view
  kjit::jit::Dtype dtype = kjit::jit::Dtype::float32;
  std::int64_t byte_size = 0;
};

// A row-major float64 tensor; a scalar has an empty shape and one value.
// Either `data` holds the values, or `raw` views them (data then empty).
struct RefTensor {
  RefTensor() = default;
  RefTensor(std::vector<std::int64_t> shape_, std::vector<double> data_, RawView raw_ = {})
      : shape(std::move(shape_)), data(std::move(data_)), raw(raw_) {}

  std::vector<std::int64_t> shape;
  std::vector<double> data;
  RawView raw;

  bool is_raw() const { return raw.bytes != nullptr; }
};

using TensorMap = std::map<std::string, RefTensor>;

struct Options {
  // Worker threads; 0 = std::thread::hardware_concurrency(). Default: 0.
  unsigned threads = 0;
};

// Runs the reference for `def`, dispatching on op_type and on which inputs
// and outputs the definition declares (residual -> fused add, qo_indptr ->
// prefill, kv_last_page_len -> partial last pages).
// REQUIRES: `axes` binds every axis of `def` (const and var); `inputs` holds
// every non-optional input in double, shaped as declared.
// Returns every declared output in double, BEFORE the cast to its dtype,
// and, under its input name, every input the definition's reference updates
// in place (gdn mtp: intermediate_states_buffer), as it is afterwards.
// Errors: invalid_argument "no C++ reference for op_type 'X'" for an
// unsupported op; invalid_argument naming the tensor for a missing input, a
// shape mismatch or a malformed index structure (indptr, indices).
[[nodiscard]] Result<TensorMap> run_reference(const kjit::jit::Definition& def,
                                              const std::map<std::string, std::int64_t>& axes,
                                              const TensorMap& inputs, const Options& options = {});

// Whether `run_reference` serves `def` (by op_type and input structure).
bool has_reference(const kjit::jit::Definition& def);

// Whether the reference for `def` accepts RawView inputs (moe); for every
// other op each input must carry `data`.
bool reads_raw_inputs(const kjit::jit::Definition& def);

}  // namespace kjit::runtime::reference
