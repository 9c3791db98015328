// Input profiles: synthetic inputs for the edge cases random draws never
// hit, chosen by name (`kjit check|bench --inputs-profile NAME`). A profile
// rewrites the inputs make_inputs drew (axes and shapes unchanged).
//
// sampling (probs, top_k, top_p; every row gets one case, k / p are used
// only where the definition has them):
//   onehot      all mass on one random token; k in [1, 64], p in (0, 1)
//   uniform     every token 1/vocab; k in [1, 2048], p in [0.05, 0.95]
//   ties        few distinct values (level j: 2^(j+4) tokens of value ~2^-j,
//               shuffled); k and p fall inside a tie group (k = 32: the
//               middle of level 1; p: half-way through level 1's mass)
//   sparse      half the tokens exactly 0, a tenth denormal (< 2^-126), the
//               rest softmax of N(0,1); k beyond the positive tokens, so the
//               k-th value is 0 (ties at zero); p in (0, 1)
//   unfiltered  softmax of N(0,1) with top_k = vocab and top_p = 1.0
//   tiny_p      softmax of N(0,1) with top_p = 1e-7 (only the top token)
//   max_ties    softmax of N(0,1) with its maximum copied to a second token;
//               top_k = 1 and top_p = 0 (argmax: the first of the two)
//   edge        row r takes case r mod 7 of the above (in this order)
//
// dsa_paged top-k indexer (k_index_cache_fp8):
//   ties        token t of every page is a copy of token t % 4 of page 0 (FP8
//               bytes and scale): a row's scores take at most 4 values, so
//               the topk-th score of a row longer than topk is tied with
//               many others (any of them may be selected)
// moe (routing edge cases: one_expert, half_empty, no_local): input_profiles_moe.h.
//
// Thread safety: functions only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "jit/util/error.h"
#include "jit/definition/definition.h"
#include "runtime/inputs.h"
#include "runtime/rng.h"

namespace kjit::runtime {

// The profile names `def`'s op type has (empty: none).
std::vector<std::string> input_profiles(const jit::Definition& def);

// Rewrites `set` for `profile`. Errors: invalid_argument naming the profiles
// of the op type when `profile` is not one of them.
Result<void> apply_input_profile(const jit::Definition& def, std::string_view profile, InputSet& set, Rng& rng);

}  // namespace kjit::runtime
