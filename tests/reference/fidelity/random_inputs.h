// A minimal seeded input generator for the reference's own tests and the
// fidelity dump (NOT the runtime's input generation, which follows
// flashinfer-bench's distributions): normal(0, 1) floats rounded to each
// input's dtype, and valid index structures for attention built from a few
// knobs (uniform random sequence lengths, one empty sequence when batch >= 3,
// scattered page ids, partially filled last pages), sm_scale = 1/sqrt(q.k
// dim); for gdn / mamba_ssu: cu_seqlens (one empty sequence when batch >= 3),
// state pools of batch + 2 slots named by shuffled distinct indices (mamba:
// entry 1 is the pad slot -1 when batch >= 3), unit-norm k rows (gdn) and
// A = -exp(normal) (mamba). Also binds every var axis the structure implies.
//
// Thread safety: pure functions; the RNG is local to a call.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "jit/definition/definition.h"
#include "runtime/reference/reference.h"

namespace kjit::runtime::reference::fidelity {

struct GenParams {
  std::int64_t batch = 3;       // sequences (attention) or rows (rmsnorm)
  std::int64_t max_q_len = 5;   // prefill: q_len in [1, min(max_q_len, kv_len)]
  std::int64_t max_kv_len = 70; // kv_len in [1, max_kv_len]
  std::int64_t m = 4;           // gemm M
  std::uint64_t seed = 1;
};

struct Generated {
  std::map<std::string, std::int64_t> axes;
  TensorMap inputs;  // values exactly representable in each input's dtype
};

// float32 bits -> bfloat16 bits, round to nearest even (NaN stays NaN).
inline std::uint16_t float_to_bf16_bits(float f) {
  std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}
inline float bf16_bits_to_float(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

// float32 -> IEEE half bits, round to nearest even, overflow to inf.
inline std::uint16_t float_to_half_bits(float f) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  const std::uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;                // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00u;               // rounds to >= 65520: inf
  if (abs < 0x38800000u) {                                     // half subnormal or zero
    const float scaled = std::bit_cast<float>(abs) * 16777216.0f;  // * 2^24: exact
    return sign | static_cast<std::uint16_t>(std::nearbyint(scaled));
  }
  std::uint32_t h = abs - 0x38000000u;  // rebias exponent 127 -> 15
  h += 0xfffu + ((h >> 13) & 1u);
  return sign | static_cast<std::uint16_t>(h >> 13);
}
inline float half_bits_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
  if (exp == 0) return std::bit_cast<float>(sign) + (sign ? -1.0f : 1.0f) * static_cast<float>(mant) / 16777216.0f;
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
}

// `value` rounded to `dtype` (float types; integers are truncated toward 0).
inline double round_to_dtype(double value, kjit::jit::Dtype dtype) {
  using kjit::jit::Dtype;
  switch (dtype) {
    case Dtype::float32: return static_cast<float>(value);
    case Dtype::bfloat16: return bf16_bits_to_float(float_to_bf16_bits(static_cast<float>(value)));
    case Dtype::float16: return half_bits_to_float(float_to_half_bits(static_cast<float>(value)));
    case Dtype::int8: case Dtype::int16: case Dtype::int32: case Dtype::int64: return std::trunc(value);
    default: return value;
  }
}

namespace detail {

inline const kjit::jit::TensorSpec* spec(const kjit::jit::Definition& def, const std::string& name) {
  for (const auto& s : def.inputs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

inline std::int64_t const_axis(const kjit::jit::Definition& def, const std::string& name, std::int64_t fallback) {
  for (const auto& a : def.axes) {
    if (a.name == name && a.kind == kjit::jit::AxisKind::const_) return a.value;
  }
  return fallback;
}

inline RefTensor indices(const std::vector<std::int64_t>& values) {
  RefTensor t{{static_cast<std::int64_t>(values.size())}, {}};
  for (auto v : values) t.data.push_back(static_cast<double>(v));
  return t;
}

}  // namespace detail

// Generates inputs for `def` (op types with a C++ reference). Index inputs
// are named as in the dataset (qo_indptr, kv_indptr, kv_indices,
// kv_last_page_len); everything else of float dtype is random.
inline Generated generate_inputs(const kjit::jit::Definition& def, const GenParams& params) {
  std::mt19937_64 rng(params.seed);
  Generated g;
  for (const auto& a : def.axes) {
    if (a.kind == kjit::jit::AxisKind::const_) g.axes[a.name] = a.value;
  }
  const bool attention = detail::spec(def, "kv_indptr") != nullptr;
  const bool prefill = detail::spec(def, "qo_indptr") != nullptr;
  const bool paged = detail::spec(def, "kv_indices") != nullptr;
  if (def.op_type == "rmsnorm") g.axes["batch_size"] = params.batch;
  if (def.op_type == "gemm") g.axes["M"] = params.m;
  if (attention) {
    const std::int64_t batch = params.batch;
    std::vector<std::int64_t> q_lens, kv_lens;
    for (std::int64_t b = 0; b < batch; ++b) {
      std::int64_t kv = std::uniform_int_distribution<std::int64_t>(1, params.max_kv_len)(rng);
      if (batch >= 3 && b == 1) kv = 0;  // one empty sequence
      std::int64_t q = 1;
      if (prefill) {
        q = kv == 0 ? 1 : std::uniform_int_distribution<std::int64_t>(1, std::min(params.max_q_len, kv))(rng);
      }
      q_lens.push_back(q);
      kv_lens.push_back(kv);
    }
    std::vector<std::int64_t> qo_indptr{0}, kv_indptr{0}, kv_indices, last;
    for (std::int64_t b = 0; b < batch; ++b) qo_indptr.push_back(qo_indptr.back() + q_lens[b]);
    const std::int64_t total_q = qo_indptr.back();
    if (paged) {
      const std::int64_t page = detail::const_axis(def, "page_size", 1);
      std::int64_t total_pages = 0;
      for (auto kv : kv_lens) total_pages += (kv + page - 1) / page;
      const std::int64_t num_pages = total_pages + 2;  // spare pages nobody reads
      std::vector<std::int64_t> ids(static_cast<std::size_t>(num_pages));
      for (std::int64_t i = 0; i < num_pages; ++i) ids[i] = i;
      std::shuffle(ids.begin(), ids.end(), rng);
      for (std::int64_t b = 0; b < batch; ++b) {
        const std::int64_t pages = (kv_lens[b] + page - 1) / page;
        for (std::int64_t p = 0; p < pages; ++p) kv_indices.push_back(ids[kv_indices.size()]);
        kv_indptr.push_back(static_cast<std::int64_t>(kv_indices.size()));
        last.push_back(pages ? kv_lens[b] - (pages - 1) * page : 0);
      }
      g.axes["num_pages"] = num_pages;
      g.axes["num_kv_indices"] = static_cast<std::int64_t>(kv_indices.size());
      g.inputs["kv_indices"] = detail::indices(kv_indices);
      if (detail::spec(def, "kv_last_page_len")) g.inputs["kv_last_page_len"] = detail::indices(last);
    } else {
      for (auto kv : kv_lens) kv_indptr.push_back(kv_indptr.back() + kv);
      g.axes["total_kv"] = kv_indptr.back();
    }
    g.axes["batch_size"] = prefill ? batch : total_q;
    g.axes["len_indptr"] = batch + 1;
    if (prefill) {
      g.axes["total_q"] = total_q;
      g.inputs["qo_indptr"] = detail::indices(qo_indptr);
    }
    g.inputs["kv_indptr"] = detail::indices(kv_indptr);
    // Some definitions declare kv_last_page_len [len_indptr] rather than
    // [batch_size]; the references read only the first batch_size entries.
    if (const auto* s = detail::spec(def, "kv_last_page_len"); s && s->shape && s->shape->size() == 1) {
      auto& t = g.inputs["kv_last_page_len"];
      const std::int64_t extent = g.axes.count(s->shape->front()) ? g.axes.at(s->shape->front()) : batch;
      t.data.resize(static_cast<std::size_t>(extent), 0.0);
      t.shape = {extent};
    }
  }
  // Recurrent-state ops (gdn, mamba_ssu): sizes, pools with shuffled distinct
  // slots, cu_seqlens with one empty sequence when there are >= 3.
  const bool gdn = def.op_type == "gdn", mamba = def.op_type == "mamba_ssu";
  if (gdn || mamba) {
    const std::int64_t batch = params.batch;
    if (detail::spec(def, "cu_seqlens")) {
      std::vector<std::int64_t> cu{0};
      for (std::int64_t b = 0; b < batch; ++b) {
        std::int64_t len = std::uniform_int_distribution<std::int64_t>(1, std::max<std::int64_t>(1, params.max_q_len))(rng);
        if (batch >= 3 && b == 1) len = 0;
        cu.push_back(cu.back() + len);
      }
      g.axes["num_seqs"] = batch;
      g.axes["len_cu_seqlens"] = batch + 1;
      g.axes["total_seq_len"] = cu.back();
      g.inputs["cu_seqlens"] = detail::indices(cu);
    } else {
      g.axes["batch_size"] = batch;
      if (gdn && !g.axes.contains("seq_len")) g.axes["seq_len"] = std::max<std::int64_t>(2, params.max_q_len);
    }
    const char* pool_axis = gdn ? "pool_size" : "state_cache_size";
    const char* index_name = gdn ? "initial_state_indices" : "state_batch_indices";
    if (detail::spec(def, index_name)) {
      const std::int64_t pool = batch + 2;  // slots nobody names keep their state
      std::vector<std::int64_t> slots(static_cast<std::size_t>(pool));
      for (std::int64_t i = 0; i < pool; ++i) slots[static_cast<std::size_t>(i)] = i;
      std::shuffle(slots.begin(), slots.end(), rng);
      slots.resize(static_cast<std::size_t>(batch));
      if (mamba && batch >= 3) slots[1] = -1;  // PAD_SLOT_ID
      g.axes[pool_axis] = pool;
      g.inputs[index_name] = detail::indices(slots);
    }
  }
  // Float tensors and scalars, in declaration order so a seed fixes them.
  std::normal_distribution<double> normal(0.0, 1.0);
  std::int64_t qk_dim = 0;
  for (const auto& s : def.inputs) {
    if ((s.name == "q" || s.name == "q_nope" || s.name == "q_pe") && s.shape && !s.shape->empty()) {
      qk_dim += g.axes.count(s.shape->back()) ? g.axes.at(s.shape->back()) : 0;
    }
  }
  for (const auto& s : def.inputs) {
    if (g.inputs.contains(s.name)) continue;
    if (s.is_scalar()) {
      double v = (s.name == "sm_scale" || (gdn && s.name == "scale")) && qk_dim > 0
                     ? 1.0 / std::sqrt(static_cast<double>(qk_dim))
                     : 1.0;
      g.inputs[s.name] = RefTensor{{}, {round_to_dtype(v, s.dtype)}};
      continue;
    }
    RefTensor t;
    std::int64_t count = 1;
    for (const auto& axis : *s.shape) {
      const std::int64_t extent = g.axes.count(axis) ? g.axes.at(axis) : 1;
      t.shape.push_back(extent);
      count *= extent;
    }
    t.data.resize(static_cast<std::size_t>(count));
    for (auto& v : t.data) v = round_to_dtype(normal(rng), s.dtype);
    if (gdn && s.name == "k" && !t.shape.empty()) {
      // Unit-norm key rows (the models l2-normalize k): the delta rule then
      // contracts instead of growing without bound over long sequences.
      const std::size_t dim = static_cast<std::size_t>(t.shape.back());
      for (std::size_t r = 0; dim > 0 && r < t.data.size() / dim; ++r) {
        double norm = 0;
        for (std::size_t c = 0; c < dim; ++c) norm += t.data[r * dim + c] * t.data[r * dim + c];
        norm = std::sqrt(norm) + 1e-6;
        for (std::size_t c = 0; c < dim; ++c) t.data[r * dim + c] = round_to_dtype(t.data[r * dim + c] / norm, s.dtype);
      }
    }
    if (mamba && s.name == "A") {
      for (auto& v : t.data) v = round_to_dtype(-std::exp(v), s.dtype);  // A = -exp(A_log): decay
    }
    g.inputs[s.name] = std::move(t);
  }
  return g;
}

}  // namespace kjit::runtime::reference::fidelity
