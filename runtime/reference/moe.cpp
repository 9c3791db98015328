// run_moe: the fused-MoE reference in float64, as the definitions' PyTorch
// references compute it (moe_structure.h for the forms, moe_routing.h for
// the routing):
//   A     = hidden_states dequantized (fp8_block: value * hidden_states_scale
//           [h / 128, t]), times the routing weight when it scales the input;
//   G     = A W1[e]^T with W1 dequantized (fp8_block: value * scale[e, r / 128,
//           h / 128]; fp8_tensor: G[:, :I] *= output1_scales_scalar[e],
//           G[:, I:] *= output1_scales_gate_scalar[e]);
//   C     = silu(G[:, I:]) * G[:, :I]            (the second half is the gate)
//   Y     = C W2[e]^T (fp8_block: scale[e, h / 128, i / 128]; fp8_tensor:
//           * output2_scales_scalar[e]);
//   out_t = sum over the token's picks k, in k order, of Y (times the
//           routing weight when it scales the output), over local experts only
//           (deepseek: global expert - local_expert_offset in [0, E_local));
//           picks outside the local range contribute nothing.
// Each (token, pick) is computed on its own, so a token that lists an expert
// twice (precomputed ids) gets it twice, as the references' per-k loops do.
//
// Cost: only routed (token, local expert) pairs are computed. Work is split
// into tasks of (expert, 32 output rows) that each dequantize their weight
// rows once and run a 4 x 2 register-blocked dot-product kernel over the
// expert's pairs; every output element is one fixed-order sum, so results are
// bit-identical for any thread count. Weights are read through RawView
// without copying (the runner passes them that way).
//
// Thread safety: reentrant; tasks write disjoint rows.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "runtime/dtype_convert.h"
#include "runtime/reference/moe_routing.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/parallel.h"

namespace kjit::runtime::reference::detail {
namespace {

using kjit::jit::Dtype;

constexpr std::int64_t k_rows_per_task = 32;

// Decodes elements of one input, from `data` or from its RawView.
class Elements {
 public:
  explicit Elements(const RefTensor& t) : m_t(t) {
    if (t.is_raw() && t.raw.dtype == Dtype::float8_e4m3fn) {
      for (int b = 0; b < 256; ++b) m_fp8[b] = e4m3fn_bits_to_float(static_cast<std::uint8_t>(b));
    }
  }
  // out[0, n) = elements [offset, offset + n).
  void read(std::int64_t offset, std::int64_t n, double* out) const {
    if (!m_t.is_raw()) {
      std::memcpy(out, m_t.data.data() + offset, static_cast<std::size_t>(n) * sizeof(double));
      return;
    }
    const std::uint8_t* p = m_t.raw.bytes;
    switch (m_t.raw.dtype) {
      case Dtype::float8_e4m3fn:
        for (std::int64_t i = 0; i < n; ++i) out[i] = m_fp8[p[offset + i]];
        return;
      case Dtype::float32:
        for (std::int64_t i = 0; i < n; ++i) {
          float f;
          std::memcpy(&f, p + 4 * (offset + i), 4);
          out[i] = f;
        }
        return;
      default:
        for (std::int64_t i = 0; i < n; ++i) out[i] = load_element(m_t.raw.dtype, p, offset + i);
        return;
    }
  }
  double at(std::int64_t i) const {
    double v;
    read(i, 1, &v);
    return v;
  }
  std::vector<double> all() const {
    std::vector<double> v(static_cast<std::size_t>(element_count(m_t.shape)));
    if (!v.empty()) read(0, static_cast<std::int64_t>(v.size()), v.data());
    return v;
  }

 private:
  const RefTensor& m_t;
  double m_fp8[256] = {};
};

using v2d = double __attribute__((vector_size(16)));

// out[i * ldo + j] = sum_k a[i * k + kk] * w[j * k + kk] for i < n (pairs),
// j < r (weight rows); each sum in a fixed order (even and odd k in two
// lanes, then added).
void dot_block(const double* a, std::int64_t n, const double* w, std::int64_t r, std::int64_t k, double* out,
               std::int64_t ldo) {
  auto sum = [](v2d v) { return v[0] + v[1]; };
  const std::int64_t k2 = k & ~std::int64_t{1};
  for (std::int64_t i0 = 0; i0 < n; i0 += 4) {
    const std::int64_t ni = std::min<std::int64_t>(4, n - i0);
    for (std::int64_t j0 = 0; j0 < r; j0 += 2) {
      const std::int64_t nj = std::min<std::int64_t>(2, r - j0);
      v2d acc[4][2] = {};
      const double* ar[4];
      const double* wr[2];
      for (std::int64_t i = 0; i < 4; ++i) ar[i] = a + (i0 + std::min(i, ni - 1)) * k;
      for (std::int64_t j = 0; j < 2; ++j) wr[j] = w + (j0 + std::min(j, nj - 1)) * k;
      for (std::int64_t kk = 0; kk < k2; kk += 2) {
        v2d wv[2], av;
        std::memcpy(&wv[0], wr[0] + kk, 16);
        std::memcpy(&wv[1], wr[1] + kk, 16);
        for (int i = 0; i < 4; ++i) {
          std::memcpy(&av, ar[i] + kk, 16);
          acc[i][0] += av * wv[0];
          acc[i][1] += av * wv[1];
        }
      }
      for (std::int64_t i = 0; i < ni; ++i) {
        for (std::int64_t j = 0; j < nj; ++j) {
          double s = sum(acc[i][j]);
          if (k2 != k) s += ar[i][k2] * wr[j][k2];
          out[(i0 + i) * ldo + j0 + j] = s;
        }
      }
    }
  }
}

struct Pair {
  std::int64_t token = 0;
  std::int64_t slot = 0;  // t * top_k + k
  double weight = 0.0;
};

struct Problem {
  MoeStructure s;
  std::int64_t tokens = 0;
  const RefTensor* hidden = nullptr;
  const RefTensor* hidden_scale = nullptr;  // fp8_block
  const RefTensor* w1 = nullptr;
  const RefTensor* w1_scale = nullptr;      // fp8_block
  const RefTensor* w2 = nullptr;
  const RefTensor* w2_scale = nullptr;      // fp8_block
  std::vector<double> s1, s1_gate, s2;      // fp8_tensor, per expert
};

// Dequantized rows [r0, r0 + n) of expert e's matrix W ([E, rows, cols]) with
// its block scales (fp8_block) into out[n][cols].
void weight_rows(const Problem& p, const Elements& w, const Elements* scale, std::int64_t e, std::int64_t rows,
                 std::int64_t cols, std::int64_t r0, std::int64_t n, double* out) {
  std::vector<double> row_scale;
  for (std::int64_t r = 0; r < n; ++r) {
    double* row = out + r * cols;
    w.read((e * rows + r0 + r) * cols, cols, row);
    if (scale != nullptr) {
      const std::int64_t b = p.s.block, cb = cols / b, rb = (r0 + r) / b;
      row_scale.resize(static_cast<std::size_t>(cb));
      scale->read((e * (rows / b) + rb) * cb, cb, row_scale.data());
      for (std::int64_t c = 0; c < cols; ++c) row[c] *= row_scale[static_cast<std::size_t>(c / b)];
    }
  }
}

Result<Problem> make_problem(const Call& call) {
  Problem p;
  p.s = KJIT_TRY(moe_structure(call.def, call.axes));
  p.hidden = KJIT_TRY(input(call, "hidden_states"));
  p.tokens = p.hidden->shape.at(0);
  p.w1 = KJIT_TRY(input(call, "gemm1_weights"));
  p.w2 = KJIT_TRY(input(call, "gemm2_weights"));
  if (p.s.quant == MoeQuant::fp8_block) {
    p.hidden_scale = KJIT_TRY(input(call, "hidden_states_scale"));
    p.w1_scale = KJIT_TRY(input(call, "gemm1_weights_scale"));
    p.w2_scale = KJIT_TRY(input(call, "gemm2_weights_scale"));
  }
  if (p.s.quant == MoeQuant::fp8_tensor) {
    p.s1 = Elements(*KJIT_TRY(input(call, "output1_scales_scalar"))).all();
    p.s1_gate = Elements(*KJIT_TRY(input(call, "output1_scales_gate_scalar"))).all();
    p.s2 = Elements(*KJIT_TRY(input(call, "output2_scales_scalar"))).all();
  }
  return p;
}

Result<MoeRoutes> route(const Call& call, const Problem& p) {
  MoeRoutingInputs in;
  std::vector<double> logits, bias, ids;
  if (p.s.routing == MoeRouting::precomputed) {
    ids = Elements(*KJIT_TRY(input(call, "topk_ids"))).all();
    in.topk_ids = ids;
  } else {
    logits = Elements(*KJIT_TRY(input(call, "routing_logits"))).all();
    in.logits = logits;
  }
  if (p.s.routing == MoeRouting::deepseek) {
    bias = Elements(*KJIT_TRY(input(call, "routing_bias"))).all();
    in.bias = bias;
    in.routed_scaling_factor = KJIT_TRY(scalar(call, "routed_scaling_factor"));
  }
  return moe_route(p.s, p.tokens, in);
}

// Per local expert, its (token, pick) pairs in token-then-pick order.
std::vector<std::vector<Pair>> pairs_by_expert(const Problem& p, const MoeRoutes& routes, std::int64_t offset) {
  std::vector<std::vector<Pair>> by(static_cast<std::size_t>(p.s.local_experts));
  for (std::int64_t t = 0; t < p.tokens; ++t) {
    for (std::int64_t k = 0; k < p.s.top_k; ++k) {
      const std::int64_t slot = t * p.s.top_k + k;
      const std::int64_t local = routes.expert[slot] - offset;
      if (local < 0 || local >= p.s.local_experts) continue;
      by[local].push_back(Pair{t, slot, routes.weight[slot]});
    }
  }
  return by;
}

// Runs `fn(e, n, c0, nc)` on call.threads workers for every local expert e
// with n > 0 pairs and every tile [c0, c0 + nc) of `cols` output columns
// (k_rows_per_task wide): the task split of both GEMMs.
template <class F>
void for_expert_tiles(const std::vector<std::vector<Pair>>& by_expert, std::int64_t cols, unsigned threads, F&& fn) {
  const std::int64_t tiles = (cols + k_rows_per_task - 1) / k_rows_per_task;
  parallel_for(by_expert.size() * static_cast<std::size_t>(tiles), threads, [&](std::size_t task) {
    const std::size_t e = task / static_cast<std::size_t>(tiles);
    const auto n = static_cast<std::int64_t>(by_expert[e].size());
    if (n == 0) return;
    const std::int64_t c0 = static_cast<std::int64_t>(task % static_cast<std::size_t>(tiles)) * k_rows_per_task;
    fn(static_cast<std::int64_t>(e), n, c0, std::min(k_rows_per_task, cols - c0));
  });
}

}  // namespace

std::string moe_why_not(const kjit::jit::Definition& def) {
  auto s = moe_structure(def);
  return s ? std::string() : s.error().message;
}

Result<TensorMap> run_moe(const Call& call) {
  const Problem p = KJIT_TRY(make_problem(call));
  const MoeRoutes routes = KJIT_TRY(route(call, p));
  std::int64_t offset = 0;
  if (p.s.routing == MoeRouting::deepseek) {
    const double v = KJIT_TRY(scalar(call, "local_expert_offset"));
    offset = static_cast<std::int64_t>(v);
  }
  const auto by_expert = pairs_by_expert(p, routes, offset);
  const std::int64_t H = p.s.hidden, I = p.s.intermediate, E = p.s.local_experts;

  // Row of each routed pair in the per-pair buffers, grouped by expert.
  std::vector<std::int64_t> first_row(static_cast<std::size_t>(E) + 1, 0);
  for (std::int64_t e = 0; e < E; ++e) first_row[e + 1] = first_row[e] + static_cast<std::int64_t>(by_expert[e].size());
  const std::int64_t rows = first_row[E];

  const Elements hidden(*p.hidden), w1(*p.w1), w2(*p.w2);
  std::optional<Elements> hidden_scale, w1_scale, w2_scale;
  if (p.s.quant == MoeQuant::fp8_block) {
    hidden_scale.emplace(*p.hidden_scale);
    w1_scale.emplace(*p.w1_scale);
    w2_scale.emplace(*p.w2_scale);
  }

  // A: each pair's dequantized input row (times its weight when it scales the input).
  std::vector<double> a(static_cast<std::size_t>(rows * H));
  parallel_for(static_cast<std::size_t>(E), call.threads, [&](std::size_t e) {
    for (std::size_t j = 0; j < by_expert[e].size(); ++j) {
      const Pair& pr = by_expert[e][j];
      double* row = a.data() + (first_row[e] + static_cast<std::int64_t>(j)) * H;
      hidden.read(pr.token * H, H, row);
      if (hidden_scale) {
        for (std::int64_t h = 0; h < H; ++h) row[h] *= hidden_scale->at((h / p.s.block) * p.tokens + pr.token);
      }
      if (p.s.scales_on_input) {
        for (std::int64_t h = 0; h < H; ++h) row[h] *= pr.weight;
      }
    }
  });

  // GEMM1 + SwiGLU: tasks (expert, 32 intermediate columns): up rows i0.. and gate rows I + i0..
  std::vector<double> c(static_cast<std::size_t>(rows * I));
  for_expert_tiles(by_expert, I, call.threads, [&](std::int64_t e, std::int64_t n, std::int64_t i0, std::int64_t ni) {
    std::vector<double> w(static_cast<std::size_t>(2 * ni * H)), g(static_cast<std::size_t>(n * 2 * ni));
    const Elements* s1 = w1_scale ? &*w1_scale : nullptr;
    weight_rows(p, w1, s1, e, 2 * I, H, i0, ni, w.data());              // up rows
    weight_rows(p, w1, s1, e, 2 * I, H, I + i0, ni, w.data() + ni * H);  // gate rows
    dot_block(a.data() + first_row[e] * H, n, w.data(), 2 * ni, H, g.data(), 2 * ni);
    const double up_scale = p.s1.empty() ? 1.0 : p.s1[e];
    const double gate_scale = p.s1_gate.empty() ? 1.0 : p.s1_gate[e];
    for (std::int64_t r = 0; r < n; ++r) {
      for (std::int64_t i = 0; i < ni; ++i) {
        const double up = g[r * 2 * ni + i] * up_scale;
        const double gate = g[r * 2 * ni + ni + i] * gate_scale;
        c[(first_row[e] + r) * I + i0 + i] = gate / (1.0 + std::exp(-gate)) * up;
      }
    }
  });
  a = {};

  // GEMM2: tasks (expert, 32 hidden columns).
  std::vector<double> y(static_cast<std::size_t>(rows * H));
  for_expert_tiles(by_expert, H, call.threads, [&](std::int64_t e, std::int64_t n, std::int64_t h0, std::int64_t nh) {
    std::vector<double> w(static_cast<std::size_t>(nh * I)), o(static_cast<std::size_t>(n * nh));
    weight_rows(p, w2, w2_scale ? &*w2_scale : nullptr, e, H, I, h0, nh, w.data());
    dot_block(c.data() + first_row[e] * I, n, w.data(), nh, I, o.data(), nh);
    const double scale = p.s2.empty() ? 1.0 : p.s2[e];
    for (std::int64_t r = 0; r < n; ++r) {
      for (std::int64_t h = 0; h < nh; ++h) y[(first_row[e] + r) * H + h0 + h] = o[r * nh + h] * scale;
    }
  });

  // out[t] = sum over the token's picks in pick order.
  std::vector<std::int64_t> row_of_slot(static_cast<std::size_t>(p.tokens * p.s.top_k), -1);
  for (std::int64_t e = 0; e < E; ++e)
    for (std::size_t j = 0; j < by_expert[e].size(); ++j)
      row_of_slot[by_expert[e][j].slot] = first_row[e] + static_cast<std::int64_t>(j);
  RefTensor out = KJIT_TRY(make_output(call, "output"));
  if (out.shape != std::vector<std::int64_t>{p.tokens, H}) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': output is declared ", shape_string(out.shape),
                        ", expected [", p.tokens, ", ", H, "]"));
  }
  parallel_for(static_cast<std::size_t>(p.tokens), call.threads, [&](std::size_t t) {
    double* o = out.data.data() + static_cast<std::int64_t>(t) * H;
    for (std::int64_t k = 0; k < p.s.top_k; ++k) {
      const std::int64_t slot = static_cast<std::int64_t>(t) * p.s.top_k + k;
      const std::int64_t row = row_of_slot[slot];
      if (row < 0) continue;
      const double w = p.s.scales_on_input ? 1.0 : routes.weight[slot];
      const double* yr = y.data() + row * H;
      for (std::int64_t h = 0; h < H; ++h) o[h] += w * yr[h];
    }
  });
  TensorMap outputs;
  outputs.emplace("output", std::move(out));
  return outputs;
}

}  // namespace kjit::runtime::reference::detail
