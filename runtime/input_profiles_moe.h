// Input profiles of op_type "moe" (`kjit check|bench --inputs-profile NAME`),
// the routing edge cases random logits rarely hit. Each rewrites only the
// routing inputs (routing_logits / routing_bias / topk_ids) make_inputs drew:
//   one_expert     every token picks one chosen expert (a local one for
//                  DeepSeek routing): renormalize / llama4 set its logit to
//                  the row maximum + 1; DeepSeek raises its bias by 32 (so
//                  its group is kept and the routing weights, which use the
//                  unbiased sigmoid, stay as drawn); precomputed ids move it
//                  into slot 0 of every token.
//   half_empty     only even experts receive tokens (odd logits -30, odd
//                  DeepSeek biases -32, precomputed ids redrawn among even
//                  experts): at any seq_len half the experts have no token.
//   no_local       DeepSeek routing with fewer local than routed experts: every local expert's bias -32, so
//                  no pick is local and the output is all zeros.
//
// Thread safety: functions only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "jit/definition/definition.h"
#include "jit/util/error.h"
#include "runtime/inputs.h"
#include "runtime/rng.h"

namespace kjit::runtime {

// The moe profile names `def` supports (empty for other op types).
std::vector<std::string> moe_input_profiles(const jit::Definition& def);

// Rewrites `set` for moe profile `profile`. REQUIRES: `profile` is one of
// moe_input_profiles(def). Errors: invalid_argument when a routing input is
// missing or shaped other than its definition says.
Result<void> apply_moe_input_profile(const jit::Definition& def, std::string_view profile, InputSet& set, Rng& rng);

}  // namespace kjit::runtime
