// Input generation for the recurrent-state op types (gdn, mamba_ssu), used by
// make_inputs (inputs.h) for what random draws would get wrong:
//   - cu_seqlens (gdn prefill): per-sequence token counts planned from the
//     axes and the sequence options (`--q-len` = tokens per sequence,
//     `--empty-first` = sequence 0 empty); a given total_seq_len is split at
//     random (every other sequence >= 1 token when the total allows). Binds
//     num_seqs (default 4), len_cu_seqlens = num_seqs + 1 and total_seq_len
//     (default 64 tokens per sequence).
//   - state pools: pool_size / state_cache_size default to 2 * batch_size
//     (free slots, so a kernel writing a slot it was not given is caught);
//     initial_state_indices / state_batch_indices are distinct slots in
//     shuffled order; with `--empty-first`, mamba's entry 0 is the pad slot -1.
//   - gdn `k`: rows of unit L2 norm (the models normalize q and k; with raw
//     N(0, 1) keys the delta rule's I - beta k k^T has eigenvalues near -127
//     and a long sequence overflows). `q` stays N(0, 1) so outputs are O(1).
//   - mamba `A`: -exp(N(0, 1)) (A = -exp(A_log) in the models: a decay).
//   - gdn mtp `intermediate_states_buffer`: zeros (the kernel only writes it;
//     rows of slots no batch entry names must stay zero).
//
// Thread safety: functions only; the Rng argument is mutated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jit/definition/definition.h"
#include "jit/util/error.h"
#include "runtime/host_tensor.h"
#include "runtime/index_structures.h"
#include "runtime/rng.h"
#include "runtime/workload.h"

namespace kjit::runtime {

// Whether `def` takes variable-length sequences through a `cu_seqlens` input.
bool has_cu_seqlens(const jit::Definition& def);

// Plans the token count of each sequence of a cu_seqlens definition and binds
// num_seqs, len_cu_seqlens and total_seq_len in `axes` where unbound. Fails
// when given axes contradict each other or the options (e.g. --q-len with a
// different total_seq_len). Adds a line per default used to `notes`.
Result<std::vector<std::int64_t>> plan_cu_seqlens(const jit::Definition& def, AxisValues& axes,
                                                  const SequenceOptions& options, Rng& rng,
                                                  std::vector<std::string>& notes);

// The default of state-pool axis `name` (pool_size, state_cache_size) given
// the axes bound so far: 2 * batch_size; empty for other names or while
// batch_size is unbound.
std::optional<std::int64_t> state_pool_default(std::string_view name, const AxisValues& axes);

// The generated tensor for input `spec` of a gdn / mamba_ssu definition when
// it needs more than a random draw (see above); empty otherwise. `seq_lens`
// is the plan_cu_seqlens result (used for cu_seqlens).
Result<std::optional<HostTensor>> make_recurrent_input(const jit::Definition& def, const jit::TensorSpec& spec,
                                                       const std::vector<std::int64_t>& shape, const AxisValues& axes,
                                                       const std::vector<std::int64_t>& seq_lens,
                                                       const SequenceOptions& options, Rng& rng);

}  // namespace kjit::runtime
