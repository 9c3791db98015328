// dsa_paged indexer (dsa_topk_indexer_fp8_*): the FP8 key cache decoded and
// every token of each sequence scored (dsa.h), then the topk best flat slots
// per batch row, best first, -1 past the sequence's length. Ties (equal
// float64 scores) go to the earlier token; torch.topk leaves their order
// unspecified, and flashinfer-bench's evaluator compares index sets by score,
// so any tie order is correct.
//
// Thread safety: reentrant; scoring tasks write disjoint score ranges and
// one selection task per batch row writes only its own output row.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>

#include "runtime/dtype_convert.h"
#include "runtime/reference/dsa.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/parallel.h"

namespace kjit::runtime::reference {

float dequantize_e4m3(std::uint8_t bits, float scale) { return e4m3fn_bits_to_float(bits) * scale; }

double IndexerProblem::score(std::int64_t b, std::int64_t slot) const {
  const float* k = keys.data() + slot * dim;
  double s = 0.0;
  for (std::int64_t h = 0; h < heads; ++h) {
    const double* qh = q.data() + (b * heads + h) * dim;
    double dot = 0.0;
    for (std::int64_t d = 0; d < dim; ++d) dot += qh[d] * static_cast<double>(k[d]);
    s += weights[static_cast<std::size_t>(b * heads + h)] * std::max(dot, 0.0);
  }
  return s;
}

namespace {

using detail::Call;

std::vector<std::int64_t> as_integers(const RefTensor& t) {
  std::vector<std::int64_t> out(t.data.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::int64_t>(t.data[i]);
  return out;
}

}  // namespace

Result<IndexerProblem> indexer_problem(const kjit::jit::Definition& def, const TensorMap& inputs, std::int64_t topk) {
  auto get = [&](const char* name) -> Result<const RefTensor*> {
    auto it = inputs.find(name);
    if (it == inputs.end())
      return fail(ErrorCode::invalid_argument, str_cat("reference for '", def.name, "': input '", name, "' is missing"));
    return &it->second;
  };
  const RefTensor* q = KJIT_TRY(get("q_index_fp8"));
  const RefTensor* cache = KJIT_TRY(get("k_index_cache_fp8"));
  const RefTensor* weights = KJIT_TRY(get("weights"));
  const RefTensor* seq_lens = KJIT_TRY(get("seq_lens"));
  const RefTensor* table = KJIT_TRY(get("block_table"));
  using detail::shape_string;
  if (q->shape.size() != 3 || cache->shape.size() != 4 || weights->shape.size() != 2 || seq_lens->shape.size() != 1 ||
      table->shape.size() != 2 || cache->shape[2] != 1 || cache->shape[3] != q->shape[2] + 4 ||
      weights->shape[0] != q->shape[0] || weights->shape[1] != q->shape[1] || seq_lens->shape[0] != q->shape[0] ||
      table->shape[0] != q->shape[0]) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", def.name, "': the indexer expects q_index_fp8 [B, H, D], k_index_cache_fp8 [pages, page_size, 1, D + 4], weights [B, H], seq_lens [B], block_table [B, max_pages]; got ",
                        shape_string(q->shape), ", ", shape_string(cache->shape), ", ", shape_string(weights->shape), ", ",
                        shape_string(seq_lens->shape), ", ", shape_string(table->shape)));
  }
  if (topk < 0) return fail(ErrorCode::invalid_argument, str_cat("reference for '", def.name, "': topk = ", topk, " is negative"));
  IndexerProblem p;
  p.batch = q->shape[0];
  p.heads = q->shape[1];
  p.dim = q->shape[2];
  p.num_pages = cache->shape[0];
  p.page_size = cache->shape[1];
  p.max_pages = table->shape[1];
  p.topk = topk;
  p.q = q->data;
  p.weights = weights->data;
  p.seq_lens = as_integers(*seq_lens);
  p.block_table = as_integers(*table);

  // Decode the pages: bytes are the int8 values read as uint8.
  const std::int64_t ps = p.page_size, d = p.dim;
  const std::int64_t page_bytes = ps * (d + 4);
  p.keys.resize(static_cast<std::size_t>(p.num_pages * ps * d));
  for (std::int64_t pg = 0; pg < p.num_pages; ++pg) {
    const double* raw = cache->data.data() + pg * page_bytes;
    auto byte = [&](std::int64_t i) { return static_cast<std::uint8_t>(static_cast<std::int8_t>(raw[i])); };
    for (std::int64_t t = 0; t < ps; ++t) {
      const std::uint32_t u = static_cast<std::uint32_t>(byte(ps * d + 4 * t)) |
                              static_cast<std::uint32_t>(byte(ps * d + 4 * t + 1)) << 8 |
                              static_cast<std::uint32_t>(byte(ps * d + 4 * t + 2)) << 16 |
                              static_cast<std::uint32_t>(byte(ps * d + 4 * t + 3)) << 24;
      const float scale = std::bit_cast<float>(u);
      float* key = p.keys.data() + (pg * ps + t) * d;
      for (std::int64_t e = 0; e < d; ++e) key[e] = dequantize_e4m3(byte(t * d + e), scale);
    }
  }
  for (std::int64_t b = 0; b < p.batch; ++b) {
    const std::int64_t len = p.seq_lens[static_cast<std::size_t>(b)];
    if (len < 0 || len > p.max_pages * ps) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", def.name, "': seq_lens[", b, "] = ", len, " is outside [0, max_num_pages * page_size = ", p.max_pages * ps, "]"));
    }
    for (std::int64_t j = 0; j < (len + ps - 1) / ps; ++j) {
      const std::int64_t page = p.block_table[static_cast<std::size_t>(b * p.max_pages + j)];
      if (page < 0 || page >= p.num_pages) {
        return fail(ErrorCode::invalid_argument,
                    str_cat("reference for '", def.name, "': block_table[", b, ", ", j, "] = ", page, " is not a page in [0, ", p.num_pages, ")"));
      }
    }
  }
  return p;
}

namespace detail {

Result<TensorMap> run_dsa_indexer(const Call& call) {
  const std::int64_t topk = KJIT_TRY(axis(call, "topk"));
  IndexerProblem p = KJIT_TRY(indexer_problem(call.def, call.inputs, topk));
  RefTensor out = KJIT_TRY(make_output(call, "topk_indices", -1.0));
  if (out.shape != std::vector<std::int64_t>{p.batch, topk}) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': topk_indices is declared ", shape_string(out.shape), ", expected [", p.batch, ", ", topk, "]"));
  }
  // Scores in tasks of k_chunk tokens (a single long sequence spreads over
  // every worker), then one selection task per batch row.
  constexpr std::int64_t k_chunk = 4096;
  auto slot_of = [&](std::int64_t b, std::int64_t j) {
    return p.block_table[static_cast<std::size_t>(b * p.max_pages + j / p.page_size)] * p.page_size + j % p.page_size;
  };
  std::vector<std::vector<double>> scores(static_cast<std::size_t>(p.batch));
  std::vector<std::pair<std::int64_t, std::int64_t>> tasks;  // (row, first token)
  for (std::int64_t b = 0; b < p.batch; ++b) {
    const std::int64_t len = p.seq_lens[static_cast<std::size_t>(b)];
    scores[static_cast<std::size_t>(b)].resize(static_cast<std::size_t>(len));
    for (std::int64_t j = 0; j < len; j += k_chunk) tasks.emplace_back(b, j);
  }
  parallel_for(tasks.size(), call.threads, [&](std::size_t i) {
    const auto [b, first] = tasks[i];
    auto& row = scores[static_cast<std::size_t>(b)];
    const std::int64_t end = std::min<std::int64_t>(first + k_chunk, static_cast<std::int64_t>(row.size()));
    for (std::int64_t j = first; j < end; ++j) row[static_cast<std::size_t>(j)] = p.score(b, slot_of(b, j));
  });
  parallel_for(static_cast<std::size_t>(p.batch), call.threads, [&](std::size_t r) {
    const auto b = static_cast<std::int64_t>(r);
    const auto& s = scores[r];
    const auto len = static_cast<std::int64_t>(s.size());
    std::vector<std::int64_t> order(static_cast<std::size_t>(len));
    std::iota(order.begin(), order.end(), 0);
    const std::int64_t keep = std::min(topk, len);
    // Descending; NaN first (torch.topk ranks NaN above every number), then
    // the earlier token among equal scores.
    auto better = [&](std::int64_t x, std::int64_t y) {
      const double sx = s[static_cast<std::size_t>(x)], sy = s[static_cast<std::size_t>(y)];
      const bool nx = std::isnan(sx), ny = std::isnan(sy);
      if (nx != ny) return nx;
      if (!nx && sx != sy) return sx > sy;
      return x < y;
    };
    std::partial_sort(order.begin(), order.begin() + keep, order.end(), better);
    for (std::int64_t i = 0; i < keep; ++i)
      out.data[static_cast<std::size_t>(b * topk + i)] = static_cast<double>(slot_of(b, order[static_cast<std::size_t>(i)]));
  });
  TensorMap outputs;
  outputs.emplace("topk_indices", std::move(out));
  return outputs;
}

}  // namespace detail
}  // namespace kjit::runtime::reference
