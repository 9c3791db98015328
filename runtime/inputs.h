// Inputs: binds a definition's var axes and makes every input tensor, as
// flashinfer-bench's gen_inputs does, with valid index structures.
//
// Axis binding, in order:
//   1. const axes; 2. the workload's axes; 3. `--axes` values (override);
//   4. for attention layouts (index_structures.h): batch_size / len_indptr /
//      total_q / total_kv / num_kv_indices / num_pages from a sequence plan;
//      for dsa_paged (dsa_inputs.h): batch_size / num_tokens, num_pages and
//      max_num_pages from the planned token contexts;
//      for cu_seqlens layouts (gdn prefill, recurrent_inputs.h): num_seqs /
//      len_cu_seqlens / total_seq_len from per-sequence lengths;
//   5. simple equality constraints of the definition, solved for the one
//      unbound axis: `a == b`, `a == b + 1`, `a == 2 * b`, ... (+ - * / %
//      over axes and integers); constraints over tensors (`x.shape[1]`,
//      `t[-1].item()`) are not evaluated here (the plan satisfies the
//      indptr ones by construction);
//   6. defaults by name: batch_size 16, M 64, seq_len 16, num_tokens 16,
//      num_seqs 4, num_qo_heads 32, num_kv_heads 8, max_seq_len 4096 (rope),
//      pool_size / state_cache_size 2 * batch_size; else an error naming the
//      axis and suggesting --axes;
//   7. every evaluable constraint (==, !=, >=, <=, >, <) must hold.
// Giving an axis the definition does not have, or a const axis a different
// value, is an error.
//
// Random tensors (flashinfer_bench/bench/utils.py _rand_tensor): float32,
// float16, bfloat16 ~ N(0, 1) cast; fp8 and fp4 ~ N(0, 1) clamped to [-2, 2]
// then cast; bool uniform {0, 1}; int8 uniform [-128, 128), int16/int32/int64
// uniform [-1024, 1024) (flashinfer-bench's ranges, upper bound exclusive).
// For op type "sampling" the input "probs" is softmax over the last dim; for
// op type "rope" the input "positions" is uniform in [0, max_seq_len) (valid
// cache rows; flashinfer-bench's integer range would index out of bounds).
// gdn and mamba_ssu: cu_seqlens, pool indices, unit-norm gdn keys, negative
// mamba A and zeroed mtp intermediate states (recurrent_inputs.h).
// dsa_paged: the FP8 key cache, seq_lens, block_table and sparse_indices come
// from the DSA plan (dsa_inputs.h).
// For op type "moe", fp8 tensors, scales, float32 expert weights and
// topk_ids come from inputs_moe.h (valid scales, MxFP4 weights, packed ids).
// An input profile (options.profile, input_profiles.h) then rewrites inputs.
// Scalars: the workload's value; else sm_scale/scale from the first
// "1/sqrt(EXPR)" in the input's description that evaluates over the axes
// (gqa: 1/sqrt(head_dim); mla_paged: 1/sqrt(128 + 64); mla_ragged:
// 1/sqrt(qk_dim)), falling back to 1/sqrt(head_dim); eps 1e-6,
// local_expert_offset 0, routed_scaling_factor 1.0; any other scalar is a
// random draw of its dtype, as flashinfer-bench does.
// Safetensors inputs load from the blob when it exists (shape and dtype
// checked); when absent, index structures come from the plan and other
// tensors are random, each with a note saying so.
// Determinism: the same definition, axes, workload and seed give the same
// bytes; each tensor draws from its own stream (seed, input position).
//
// Thread safety: functions only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jit/util/error.h"
#include "jit/definition/definition.h"
#include "runtime/dsa_inputs.h"
#include "runtime/host_tensor.h"
#include "runtime/index_structures.h"
#include "runtime/rng.h"
#include "runtime/workload.h"

namespace kjit::runtime {

// Whether make_inputs builds floating-point tensors (`skip`: they are left out of the set, for
// callers that only need the axes, scalars and integer tensors, like `kjit export`'s host
// example; a fused MoE's weights alone can be tens of GB).
enum class FloatTensors { make, skip };

struct InputOptions {
  std::uint64_t seed = 0;
  SequenceOptions sequences;
  std::filesystem::path blob_root;  // resolves a workload's relative blob paths
  std::string profile;              // input profile (input_profiles.h); empty: none
  FloatTensors float_tensors = FloatTensors::make;  // Default: make
};

struct AxisBinding {
  AxisValues values;                  // every axis, consts included
  std::optional<SequencePlan> plan;   // attention layouts
  std::optional<DsaPlan> dsa;         // dsa_paged contexts (dsa_inputs.h)
  std::vector<std::int64_t> seq_lens; // cu_seqlens layouts (gdn prefill): tokens per sequence
  std::vector<std::string> notes;     // defaults used, constraints skipped
};

struct InputSet {
  AxisBinding binding;
  std::vector<std::pair<std::string, HostTensor>> inputs;  // definition order
  std::vector<std::string> notes;  // binding notes + where each input came from

  const HostTensor* find(std::string_view name) const;
};

// Default value of var axis `name`, if kjit has one.
std::optional<std::int64_t> default_axis_value(std::string_view name);

// Binds every axis (see the order above). `workload` may be null.
Result<AxisBinding> bind_axes(const jit::Definition& definition, const Workload* workload,
                              const AxisValues& cli_axes, const InputOptions& options);

// Evaluates an integer expression over `axes`; empty when it uses anything
// else (a tensor, a method call) or an unbound axis. Comparisons give 0/1.
std::optional<std::int64_t> evaluate_axis_expression(std::string_view expr, const AxisValues& axes);

// The concrete shape of `spec` under `axes` ({} for a scalar).
Result<std::vector<std::int64_t>> resolve_shape(const jit::TensorSpec& spec, const AxisValues& axes,
                                                std::string_view definition_name);

// A tensor of flashinfer-bench's random distribution for `dtype`.
HostTensor random_tensor(Dtype dtype, std::vector<std::int64_t> shape, Rng& rng);

// The default value of scalar input `spec` (see above); `note` says how.
double default_scalar(const jit::Definition& definition, const jit::TensorSpec& spec,
                      const AxisValues& axes, Rng& rng, std::string& note);

// Binds axes and makes every input. `workload` may be null.
Result<InputSet> make_inputs(const jit::Definition& definition, const Workload* workload,
                             const AxisValues& cli_axes, const InputOptions& options);

}  // namespace kjit::runtime
