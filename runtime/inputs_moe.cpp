// make_moe_input: realistic, valid and fast MoE inputs; see inputs_moe.h.
//
// Thread safety: functions only.
#include "runtime/inputs_moe.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>

#include "runtime/dtype_convert.h"
#include "runtime/rng.h"

namespace kjit::runtime {
namespace {

constexpr std::int64_t k_chunk = std::int64_t{1} << 20;

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Inverse-CDF table of a discrete distribution over byte codes.
struct CodeTable {
  std::vector<double> cdf;           // ascending, last = 1
  std::vector<std::uint8_t> codes;   // code of each cdf step
  std::uint8_t sample(Rng& rng) const {
    const double u = rng.uniform01();
    const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
    return codes[std::min<std::size_t>(static_cast<std::size_t>(it - cdf.begin()), codes.size() - 1)];
  }
};

// The code probabilities of cast(clamp(sigma * N(0, 1), -lim, lim)) for a
// format whose finite values `decode(code)` lists (round to nearest: each
// value owns the interval between the midpoints to its neighbours).
CodeTable make_table(int ncodes, const std::function<double(int)>& decode, double sigma, double lim) {
  std::vector<std::pair<double, std::uint8_t>> values;
  for (int c = 0; c < ncodes; ++c) {
    const double v = decode(c);
    if (!std::isfinite(v) || std::fabs(v) > lim) continue;
    if (v == 0.0 && std::signbit(v)) continue;  // -0 and +0: one value
    values.emplace_back(v, static_cast<std::uint8_t>(c));
  }
  std::sort(values.begin(), values.end());
  CodeTable t;
  double acc = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double hi = i + 1 < values.size() ? 0.5 * (values[i].first + values[i + 1].first) : INFINITY;
    acc = normal_cdf(hi / sigma);  // clamp: the mass beyond +-lim falls on the end values
    t.cdf.push_back(i + 1 < values.size() ? acc : 1.0);
    t.codes.push_back(values[i].second);
  }
  return t;
}

const CodeTable& fp8_table() {
  static const CodeTable table =
      make_table(256, [](int c) { return static_cast<double>(e4m3fn_bits_to_float(static_cast<std::uint8_t>(c))); }, 1.0, 2.0);
  return table;
}

const CodeTable& fp4_table() {
  static const CodeTable table =
      make_table(16, [](int c) { return static_cast<double>(e2m1_bits_to_float(static_cast<std::uint8_t>(c))); }, 2.0, 6.0);
  return table;
}

// Runs fill(chunk_begin, chunk_end, rng) over [0, n) in 1 Mi chunks on all
// cores; chunk i draws from Rng(seed ^ f(i)).
void parallel_chunks(std::int64_t n, std::uint64_t seed,
                     const std::function<void(std::int64_t, std::int64_t, Rng&)>& fill) {
  const std::int64_t chunks = (n + k_chunk - 1) / k_chunk;
  const unsigned workers = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                                           static_cast<unsigned>(std::max<std::int64_t>(chunks, 1))));
  std::atomic<std::int64_t> next{0};
  auto work = [&] {
    for (std::int64_t c = next.fetch_add(1); c < chunks; c = next.fetch_add(1)) {
      Rng rng(seed * 0x9E3779B97F4A7C15ull + 0xD1B54A32D192ED03ull * static_cast<std::uint64_t>(c + 1));
      fill(c * k_chunk, std::min(n, (c + 1) * k_chunk), rng);
    }
  };
  std::vector<std::jthread> pool;
  for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
}

HostTensor fp8_tensor(std::vector<std::int64_t> shape, std::uint64_t seed) {
  HostTensor t = HostTensor::zeros(Dtype::float8_e4m3fn, std::move(shape));
  const CodeTable& table = fp8_table();
  parallel_chunks(t.numel(), seed, [&](std::int64_t b, std::int64_t e, Rng& rng) {
    for (std::int64_t i = b; i < e; ++i) t.bytes[static_cast<std::size_t>(i)] = table.sample(rng);
  });
  return t;
}

HostTensor scale_tensor(std::vector<std::int64_t> shape, std::uint64_t seed) {
  HostTensor t = HostTensor::zeros(Dtype::float32, std::move(shape));
  parallel_chunks(t.numel(), seed, [&](std::int64_t b, std::int64_t e, Rng& rng) {
    for (std::int64_t i = b; i < e; ++i) {
      const float v = static_cast<float>(std::exp2(2.0 * rng.uniform01() - 1.0));
      std::memcpy(t.bytes.data() + 4 * i, &v, 4);
    }
  });
  return t;
}

// MxFP4 values as float32: blocks of 32 along the last dimension.
HostTensor mxfp4_weights(std::vector<std::int64_t> shape, std::uint64_t seed) {
  HostTensor t = HostTensor::zeros(Dtype::float32, std::move(shape));
  const std::int64_t last = t.shape.empty() ? 1 : t.shape.back();
  const CodeTable& table = fp4_table();
  parallel_chunks(t.numel(), seed, [&](std::int64_t b, std::int64_t e, Rng& rng) {
    float scale = 1.0f;
    for (std::int64_t i = b; i < e; ++i) {
      if (i == b || (i % last) % 32 == 0) scale = std::ldexp(1.0f, static_cast<int>(rng.uniform_int(-1, 1)));
      const float v = e2m1_bits_to_float(table.sample(rng)) * scale;
      std::memcpy(t.bytes.data() + 4 * i, &v, 4);
    }
  });
  return t;
}

HostTensor topk_ids(const std::vector<std::int64_t>& shape, std::int64_t experts, std::uint64_t seed) {
  HostTensor t = HostTensor::zeros(Dtype::int32, shape);
  const std::int64_t tokens = shape.at(0), k = shape.at(1);
  Rng rng(seed);
  std::vector<std::int64_t> pool(static_cast<std::size_t>(experts));
  std::vector<double> w(static_cast<std::size_t>(k));
  for (std::int64_t tok = 0; tok < tokens; ++tok) {
    for (std::int64_t e = 0; e < experts; ++e) pool[e] = e;
    double mx = -INFINITY, sum = 0.0;
    for (std::int64_t j = 0; j < k; ++j) {
      const std::int64_t pick = rng.uniform_int(j, experts - 1);  // partial Fisher-Yates: distinct experts
      std::swap(pool[j], pool[pick]);
      w[j] = rng.normal();
      mx = std::max(mx, w[j]);
    }
    if (k == 1) {
      w[0] = 1.0 / (1.0 + std::exp(-w[0]));
    } else {
      for (auto& v : w) sum += (v = std::exp(v - mx));
      for (auto& v : w) v /= sum;
    }
    for (std::int64_t j = 0; j < k; ++j) {
      const std::uint32_t bits = float_to_bf16_bits(static_cast<float>(w[j]));
      const auto packed = static_cast<std::int32_t>((static_cast<std::uint32_t>(pool[j]) << 16) | bits);
      t.set_int(tok * k + j, packed);
    }
  }
  return t;
}

}  // namespace

std::optional<HostTensor> make_moe_input(const jit::Definition& def, const jit::TensorSpec& spec,
                                         const std::vector<std::int64_t>& shape, std::uint64_t seed,
                                         std::string& note) {
  if (def.op_type != "moe" || spec.is_scalar()) return std::nullopt;
  const std::string& n = spec.name;
  if (spec.dtype == Dtype::float8_e4m3fn) {
    note = n + ": fp8 e4m3 of clamp(N(0, 1), -2, 2) (flashinfer-bench's distribution)";
    return fp8_tensor(shape, seed);
  }
  const bool scale = n == "hidden_states_scale" || n == "gemm1_weights_scale" || n == "gemm2_weights_scale" ||
                     n == "output1_scales_scalar" || n == "output1_scales_gate_scalar" || n == "output2_scales_scalar";
  if (scale && spec.dtype == Dtype::float32) {
    note = n + ": positive scales 2^u, u uniform in [-1, 1)";
    return scale_tensor(shape, seed);
  }
  if ((n == "gemm1_weights" || n == "gemm2_weights") && spec.dtype == Dtype::float32) {
    note = n + ": MxFP4 values (e2m1 code x 2^k per 32 along the last dimension) as float32";
    return mxfp4_weights(shape, seed);
  }
  if (n == "topk_ids" && spec.dtype == Dtype::int32 && shape.size() == 2) {
    std::int64_t experts = 0;
    if (const auto* w = def.find_input("gemm1_weights"); w != nullptr && w->shape && !w->shape->empty()) {
      experts = def.const_value(w->shape->front()).value_or(0);
    }
    if (experts < shape[1] || experts > 32767) return std::nullopt;
    note = n + ": distinct experts per token, packed (expert << 16) | bf16 weight";
    return topk_ids(shape, experts, seed);
  }
  return std::nullopt;
}

}  // namespace kjit::runtime
