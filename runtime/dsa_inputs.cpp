// DSA input planning and tensors; see dsa_inputs.h.
//
// Thread safety: functions only.
#include "runtime/dsa_inputs.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "jit/util/str_cat.h"
#include "runtime/dtype_convert.h"

namespace kjit::runtime {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

std::optional<std::int64_t> lookup(const AxisValues& axes, const std::string& name) {
  const auto it = axes.find(name);
  if (it == axes.end()) return std::nullopt;
  return it->second;
}

// One token's keys (bf16 values as float) packed: fp8 bytes to `fp8`
// (`dim` bytes), the float32 scale's bytes to `scale` (4 bytes).
void pack_token(const float* key, std::int64_t dim, std::uint8_t* fp8, std::uint8_t* scale) {
  float amax = 0.0f;
  for (std::int64_t d = 0; d < dim; ++d) amax = std::max(amax, std::fabs(key[d]));
  const float s = std::max(amax, 1e-4f) / 448.0f;
  const float inv = 1.0f / s;
  for (std::int64_t d = 0; d < dim; ++d) fp8[d] = float_to_e4m3fn_bits(key[d] * inv);
  std::memcpy(scale, &s, 4);
}

HostTensor random_fp8_key_cache(const std::vector<std::int64_t>& shape, Rng& rng) {
  HostTensor t = HostTensor::zeros(Dtype::int8, shape);
  const std::int64_t pages = shape[0], ps = shape[1], dim = shape[3] - 4;
  std::vector<float> key(static_cast<std::size_t>(std::max<std::int64_t>(dim, 0)));
  for (std::int64_t p = 0; p < pages; ++p) {
    std::uint8_t* page = t.bytes.data() + p * ps * (dim + 4);
    for (std::int64_t tok = 0; tok < ps; ++tok) {
      for (auto& v : key) v = bf16_bits_to_float(float_to_bf16_bits(static_cast<float>(rng.normal())));
      pack_token(key.data(), dim, page + tok * dim, page + ps * dim + 4 * tok);
    }
  }
  return t;
}

HostTensor sparse_indices(const DsaPlan& plan, Dtype dtype, const std::vector<std::int64_t>& shape, Rng& rng) {
  HostTensor t = HostTensor::zeros(dtype, shape);
  const std::int64_t rows = shape[0], k = shape[1];
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t len = r < static_cast<std::int64_t>(plan.lens.size()) ? plan.lens[static_cast<std::size_t>(r)] : 0;
    const std::int64_t valid = std::min(k, len);
    // positions within the context: all of them, or a random topk-subset
    std::vector<std::int64_t> picks = distinct_ids(valid, len, rng);
    std::vector<std::int64_t> row(static_cast<std::size_t>(k), -1);
    for (std::int64_t i = 0; i < valid; ++i) row[static_cast<std::size_t>(i)] = plan.slot(r, picks[static_cast<std::size_t>(i)]);
    if (r % 2 == 1) {  // -1 padding scattered among the valid entries
      for (std::int64_t i = k - 1; i > 0; --i)
        std::swap(row[static_cast<std::size_t>(i)], row[static_cast<std::size_t>(rng.uniform_int(0, i))]);
    }
    for (std::int64_t i = 0; i < k; ++i) t.set_int(r * k + i, row[static_cast<std::size_t>(i)]);
  }
  return t;
}

}  // namespace

std::int64_t DsaPlan::slot(std::int64_t row, std::int64_t j) const {
  return pages[static_cast<std::size_t>(row)][static_cast<std::size_t>(j / page_size)] * page_size + j % page_size;
}

std::optional<DsaPlan::Kind> detect_dsa_kind(const jit::Definition& def) {
  if (def.op_type != "dsa_paged") return std::nullopt;
  if (def.find_input("k_index_cache_fp8") && def.find_input("seq_lens") && def.find_input("block_table"))
    return DsaPlan::Kind::indexer;
  if (def.find_input("sparse_indices")) return DsaPlan::Kind::sparse_attention;
  return std::nullopt;
}

Result<DsaPlan> plan_dsa(const jit::Definition& def, DsaPlan::Kind kind, AxisValues& axes, const SequenceOptions& options,
                         Rng& rng) {
  DsaPlan plan;
  plan.kind = kind;
  plan.page_size = def.const_value("page_size").value_or(1);
  plan.topk = def.const_value("topk").value_or(0);
  if (plan.page_size < 1 || plan.topk < 1) {
    return fail(ErrorCode::invalid_argument,
                str_cat(def.name, ": dsa_paged inputs need const axes page_size >= 1 and topk >= 1 (got ", plan.page_size, ", ", plan.topk, ")"));
  }
  const std::int64_t ps = plan.page_size;
  const bool indexer = kind == DsaPlan::Kind::indexer;
  const std::string rows_axis = indexer ? "batch_size" : "num_tokens";
  std::int64_t rows = lookup(axes, rows_axis).value_or(k_default_batch_size);
  if (rows < 0) return fail(ErrorCode::invalid_argument, str_cat(def.name, ": ", rows_axis, " = ", rows, " is negative"));
  if (!lookup(axes, rows_axis)) plan.notes.push_back(str_cat("axis ", rows_axis, "=", rows, " (default)"));
  axes[rows_axis] = rows;

  // The indexer's page-table width when the caller bound it (-1: free). A plain integer, not an
  // optional: GCC 12 reports a conditional optional as maybe-uninitialized.
  const std::int64_t bound = indexer ? lookup(axes, "max_num_pages").value_or(-1) : -1;
  const bool bounded = bound >= 0;
  plan.lens.assign(static_cast<std::size_t>(rows), 0);
  for (std::int64_t b = 0; b < rows; ++b) {
    std::int64_t& len = plan.lens[static_cast<std::size_t>(b)];
    if (options.include_empty && b == 0) continue;
    if (options.kv_len) {
      len = *options.kv_len;
      if (bounded && len > bound * ps) {
        return fail(ErrorCode::invalid_argument,
                    str_cat(def.name, ": --kv-len ", len, " needs ", ceil_div(len, ps), " pages but max_num_pages = ", bound));
      }
    } else if (bounded) {
      len = bound > 0 ? rng.uniform_int(1, bound * ps) : 0;
    } else {
      len = rng.uniform_int(1, 2 * plan.topk);
    }
  }
  std::vector<std::int64_t> counts(static_cast<std::size_t>(rows));
  std::int64_t total = 0, widest = 0;
  for (std::int64_t b = 0; b < rows; ++b) {
    counts[static_cast<std::size_t>(b)] = ceil_div(plan.lens[static_cast<std::size_t>(b)], ps);
    total += counts[static_cast<std::size_t>(b)];
    widest = std::max(widest, counts[static_cast<std::size_t>(b)]);
  }
  plan.pages.resize(static_cast<std::size_t>(rows));
  const auto bound_pool = lookup(axes, "num_pages");
  if (bound_pool && *bound_pool < total) {
    plan.num_pages = *bound_pool;
    if (plan.num_pages < widest) {
      plan.notes.push_back(str_cat("num_pages=", plan.num_pages, " is below the ", widest, " pages of the longest context; raised to ", widest));
      plan.num_pages = widest;
    }
    plan.notes.push_back(str_cat("num_pages=", plan.num_pages, " < the ", total, " pages of all contexts: rows draw their pages independently (contexts share pages)"));
    for (std::int64_t b = 0; b < rows; ++b)
      plan.pages[static_cast<std::size_t>(b)] = distinct_ids(counts[static_cast<std::size_t>(b)], plan.num_pages, rng);
  } else {
    plan.num_pages = bound_pool ? *bound_pool : std::max<std::int64_t>(total, 1);
    const std::vector<std::int64_t> ids = distinct_ids(total, plan.num_pages, rng);
    std::size_t next = 0;
    for (std::int64_t b = 0; b < rows; ++b) {
      auto& row = plan.pages[static_cast<std::size_t>(b)];
      row.assign(ids.begin() + static_cast<std::ptrdiff_t>(next), ids.begin() + static_cast<std::ptrdiff_t>(next + static_cast<std::size_t>(counts[static_cast<std::size_t>(b)])));
      next += static_cast<std::size_t>(counts[static_cast<std::size_t>(b)]);
    }
  }
  axes["num_pages"] = plan.num_pages;
  if (indexer) {
    if (bounded) {
      if (bound < widest) {
        return fail(ErrorCode::invalid_argument,
                    str_cat(def.name, ": max_num_pages = ", bound, " is below the ", widest, " pages of the longest sequence"));
      }
      plan.max_pages = bound;
    } else {
      plan.max_pages = std::max(widest, ceil_div(plan.topk, ps));
      axes["max_num_pages"] = plan.max_pages;
    }
  }
  std::int64_t shortest = rows > 0 ? plan.lens[0] : 0, longest = 0;
  for (std::int64_t len : plan.lens) {
    shortest = std::min(shortest, len);
    longest = std::max(longest, len);
  }
  plan.notes.push_back(str_cat("dsa contexts: ", rows, " rows of ", shortest, "..", longest, " tokens on ", total,
                               " shuffled pages of ", ps, " (pool ", plan.num_pages, ")"));
  return plan;
}

std::optional<HostTensor> build_dsa_tensor(const DsaPlan& plan, std::string_view name, Dtype dtype,
                                           const std::vector<std::int64_t>& shape, Rng& rng) {
  const bool indexer = plan.kind == DsaPlan::Kind::indexer;
  if (indexer && name == "k_index_cache_fp8" && shape.size() == 4 && shape[3] > 4) {
    return random_fp8_key_cache(shape, rng);
  }
  if (indexer && name == "seq_lens" && shape.size() == 1) {
    HostTensor t = HostTensor::zeros(dtype, shape);
    for (std::int64_t b = 0; b < shape[0] && b < static_cast<std::int64_t>(plan.lens.size()); ++b)
      t.set_int(b, plan.lens[static_cast<std::size_t>(b)]);
    return t;
  }
  if (indexer && name == "block_table" && shape.size() == 2) {
    HostTensor t = HostTensor::zeros(dtype, shape);
    for (std::int64_t b = 0; b < shape[0] && b < static_cast<std::int64_t>(plan.pages.size()); ++b) {
      const auto& row = plan.pages[static_cast<std::size_t>(b)];
      for (std::int64_t c = 0; c < shape[1] && c < static_cast<std::int64_t>(row.size()); ++c)
        t.set_int(b * shape[1] + c, row[static_cast<std::size_t>(c)]);
    }
    return t;
  }
  if (!indexer && name == "sparse_indices" && shape.size() == 2) return sparse_indices(plan, dtype, shape, rng);
  return std::nullopt;
}

HostTensor pack_fp8_key_cache(const std::vector<float>& keys, std::int64_t num_pages, std::int64_t page_size,
                              std::int64_t dim) {
  HostTensor t = HostTensor::zeros(Dtype::int8, {num_pages, page_size, 1, dim + 4});
  for (std::int64_t p = 0; p < num_pages; ++p) {
    std::uint8_t* page = t.bytes.data() + p * page_size * (dim + 4);
    for (std::int64_t tok = 0; tok < page_size; ++tok)
      pack_token(keys.data() + (p * page_size + tok) * dim, dim, page + tok * dim, page + page_size * dim + 4 * tok);
  }
  return t;
}

}  // namespace kjit::runtime
