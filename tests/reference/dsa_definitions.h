// The two dsa_paged definitions built in code, as the DSA tests need them
// (tests/reference/dsa_test.cpp, tests/runtime/dsa_inputs_test.cpp and
// dsa_check_test.cpp): the FP8 top-k indexer and the sparse attention, with
// the dataset's inputs and outputs and the const axes a test chooses.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/reference/reference_test_util.h"

namespace kjit::runtime::reference::testing {

// dsa_topk_indexer_fp8: `heads` index heads of `dim`, pages of `ps` tokens, `topk` indices a row.
inline Definition dsa_indexer_definition(std::int64_t heads, std::int64_t dim, std::int64_t ps, std::int64_t topk) {
  using Shape = std::vector<std::string>;
  return make_definition("dsa_topk_indexer_fp8_test", "dsa_paged",
                         {{"batch_size", std::nullopt}, {"num_index_heads", heads}, {"index_head_dim", dim},
                          {"page_size", ps}, {"topk", topk}, {"max_num_pages", std::nullopt},
                          {"num_pages", std::nullopt}, {"kv_cache_num_heads", 1}, {"head_dim_with_scale", dim + 4}},
                         {{"q_index_fp8", Shape{"batch_size", "num_index_heads", "index_head_dim"}, Dtype::float8_e4m3fn},
                          {"k_index_cache_fp8", Shape{"num_pages", "page_size", "kv_cache_num_heads", "head_dim_with_scale"}, Dtype::int8},
                          {"weights", Shape{"batch_size", "num_index_heads"}, Dtype::float32},
                          {"seq_lens", Shape{"batch_size"}, Dtype::int32},
                          {"block_table", Shape{"batch_size", "max_num_pages"}, Dtype::int32}},
                         {{"topk_indices", Shape{"batch_size", "topk"}, Dtype::int32}});
}

// dsa_sparse_attention: `heads` query heads, compressed KV of `ckv` plus rope part of `kpe`, pages
// of `ps` tokens, `topk` sparse indices a token.
inline Definition dsa_sparse_definition(std::int64_t heads, std::int64_t ckv, std::int64_t kpe, std::int64_t ps,
                                        std::int64_t topk) {
  using Shape = std::vector<std::string>;
  return make_definition("dsa_sparse_attention_test", "dsa_paged",
                         {{"num_tokens", std::nullopt}, {"num_qo_heads", heads}, {"head_dim_ckv", ckv},
                          {"head_dim_kpe", kpe}, {"page_size", ps}, {"topk", topk}, {"num_pages", std::nullopt}},
                         {{"q_nope", Shape{"num_tokens", "num_qo_heads", "head_dim_ckv"}},
                          {"q_pe", Shape{"num_tokens", "num_qo_heads", "head_dim_kpe"}},
                          {"ckv_cache", Shape{"num_pages", "page_size", "head_dim_ckv"}},
                          {"kpe_cache", Shape{"num_pages", "page_size", "head_dim_kpe"}},
                          {"sparse_indices", Shape{"num_tokens", "topk"}, Dtype::int32},
                          {"sm_scale", std::nullopt, Dtype::float32}},
                         {{"output", Shape{"num_tokens", "num_qo_heads", "head_dim_ckv"}},
                          {"lse", Shape{"num_tokens", "num_qo_heads"}, Dtype::float32}});
}

}  // namespace kjit::runtime::reference::testing
