// DeepSeek sparse attention (op_type dsa_paged), the indexer half: the
// deep_gemm FP8 key cache decoded as the definitions' `dequant_fp8_kv_cache`
// does, and the indexer score of one cached token. Shared by the reference
// (dsa_indexer.cpp) and flashinfer-bench's DsaTopkIndexerEvaluator rule
// (runtime/dsa_check.h), which rescores the indices a kernel returned.
//
// Key cache layout (k_index_cache_fp8 [num_pages, page_size, 1, D + 4], int8
// read as uint8): page p is page_size * (D + 4) bytes; the first
// page_size * D are the FP8 e4m3fn values, token-major (token t's D values
// at t * D), then page_size little-endian float32 scales (token t's at
// page_size * D + 4 t). The [.., D + 4] shape does NOT index [fp8 | scale]
// per token. Dequantized key = float32(fp8 value * scale) (the reference
// multiplies two float32 tensors, so the product is rounded to float).
//
// Score of token j of batch row b (the definitions' reference, in float64):
//   s = sum_h weights[b, h] * relu(sum_d q[b, h, d] * K[j, d])
// with K[j] the dequantized key of the sequence's j-th token: page
// block_table[b, j / page_size], slot j % page_size. A returned index is the
// flat slot page * page_size + offset.
//
// Thread safety: an IndexerProblem is immutable after construction; scoring
// is a pure read.
#pragma once

#include <cstdint>
#include <vector>

#include "jit/util/error.h"
#include "jit/definition/definition.h"
#include "runtime/reference/reference.h"

namespace kjit::runtime::reference {

struct IndexerProblem {
  std::int64_t batch = 0;
  std::int64_t heads = 0;
  std::int64_t dim = 0;        // index_head_dim (D)
  std::int64_t page_size = 0;
  std::int64_t num_pages = 0;
  std::int64_t max_pages = 0;  // block_table columns
  std::int64_t topk = 0;
  std::vector<double> q;            // [batch, heads, dim]
  std::vector<float> keys;          // [num_pages * page_size, dim], dequantized
  std::vector<double> weights;      // [batch, heads]
  std::vector<std::int64_t> seq_lens;     // [batch]
  std::vector<std::int64_t> block_table;  // [batch, max_pages]

  // Score of flat slot `slot` (page * page_size + offset) for batch row `b`.
  // REQUIRES: 0 <= b < batch, 0 <= slot < num_pages * page_size.
  double score(std::int64_t b, std::int64_t slot) const;
};

// The float32 value of the FP8 e4m3fn `bits` times `scale`, rounded to float
// (NaN for the e4m3fn NaN codes 0x7F / 0xFF, as torch decodes them).
float dequantize_e4m3(std::uint8_t bits, float scale);

// Reads the indexer inputs of `def` (q_index_fp8, k_index_cache_fp8, weights,
// seq_lens, block_table; values as float64, the cache as int8 values) into a
// problem; `topk` is the definition's topk axis. Checks shapes, that
// head_dim_with_scale = D + 4, and every seq_len and the block-table entries
// a sequence uses: 0 <= seq_len <= max_pages * page_size and pages in
// [0, num_pages) (errors name the batch row).
Result<IndexerProblem> indexer_problem(const kjit::jit::Definition& def, const TensorMap& inputs,
                                       std::int64_t topk);

}  // namespace kjit::runtime::reference
