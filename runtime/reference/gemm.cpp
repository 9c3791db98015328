// gemm: C[M, N] = A[M, K] @ B.T with B declared [N, K] (every dataset
// definition: `torch.matmul(A, B.T)`), or A @ B when B is declared [K, N].
// torch accumulates fp16 products in fp32 and rounds once to fp16 at the
// end; here the accumulation is float64 and the caller rounds, so no
// intermediate rounding is mimicked.
//
// Layout: blocked like a small GotoBLAS. A task owns a (64-row x 128-column)
// block of C; for each 256-deep slice of K it packs its B columns into
// 4-wide panels (k-major) and runs a 4x4 register micro-kernel. Every C
// element is one accumulator chain over k in ascending order (loaded from
// and stored back to C between K slices), so the result is bit-identical
// for any thread count or blocking.
//
// Thread safety: reentrant; tasks write disjoint blocks of C.
#include <algorithm>
#include <cstring>

#include "runtime/reference/ops.h"
#include "runtime/reference/parallel.h"

namespace kjit::runtime::reference::detail {
namespace {

constexpr std::int64_t k_mr = 4;    // micro-kernel rows
constexpr std::int64_t k_nr = 4;    // micro-kernel columns (one packed panel)
constexpr std::int64_t k_mc = 64;   // rows of C per task
constexpr std::int64_t k_nc = 128;  // columns of C per task
constexpr std::int64_t k_kc = 256;  // depth of one packed slice

// Two doubles: SSE2 on x86-64, NEON on AArch64; no reassociation involved,
// each lane is its own accumulator chain.
using v2d = double __attribute__((vector_size(16)));

struct GemmShape {
  std::int64_t m = 0, n = 0, k = 0;
  bool b_transposed = true;  // B is [N, K]
};

// acc[MR rows][NR columns] += A[rows, k0:k0+kc] * panel (kc x NR, k-major).
// `a` points at A[row0, k0]; `lda` = K.
template <std::int64_t MR>
void micro_kernel(const double* a, std::int64_t lda, const double* panel, std::int64_t kc, double* c,
                  std::int64_t ldc, std::int64_t cols) {
  v2d acc[MR][2];
  for (std::int64_t i = 0; i < MR; ++i) {
    double row[k_nr] = {0, 0, 0, 0};
    std::memcpy(row, c + i * ldc, static_cast<std::size_t>(cols) * sizeof(double));
    acc[i][0] = v2d{row[0], row[1]};
    acc[i][1] = v2d{row[2], row[3]};
  }
  for (std::int64_t kk = 0; kk < kc; ++kk) {
    v2d b0, b1;
    std::memcpy(&b0, panel + kk * k_nr, sizeof(v2d));
    std::memcpy(&b1, panel + kk * k_nr + 2, sizeof(v2d));
    for (std::int64_t i = 0; i < MR; ++i) {
      const double av = a[i * lda + kk];
      const v2d ab = {av, av};
      acc[i][0] += ab * b0;
      acc[i][1] += ab * b1;
    }
  }
  for (std::int64_t i = 0; i < MR; ++i) {
    double row[k_nr] = {acc[i][0][0], acc[i][0][1], acc[i][1][0], acc[i][1][1]};
    std::memcpy(c + i * ldc, row, static_cast<std::size_t>(cols) * sizeof(double));
  }
}

void run_block(const GemmShape& s, const double* a, const double* b, double* c, std::int64_t m0, std::int64_t n0) {
  const std::int64_t rows = std::min(k_mc, s.m - m0);
  const std::int64_t cols = std::min(k_nc, s.n - n0);
  const std::int64_t panels = (cols + k_nr - 1) / k_nr;
  std::vector<double> packed(static_cast<std::size_t>(panels * k_kc * k_nr));
  for (std::int64_t k0 = 0; k0 < s.k; k0 += k_kc) {
    const std::int64_t kc = std::min(k_kc, s.k - k0);
    // packed[panel][kk][j] = B(n0 + panel * NR + j, k0 + kk), zero past N.
    for (std::int64_t pnl = 0; pnl < panels; ++pnl) {
      double* dst = packed.data() + pnl * k_kc * k_nr;
      for (std::int64_t j = 0; j < k_nr; ++j) {
        const std::int64_t col = n0 + pnl * k_nr + j;
        for (std::int64_t kk = 0; kk < kc; ++kk) {
          double value = 0;
          if (col < s.n) value = s.b_transposed ? b[col * s.k + k0 + kk] : b[(k0 + kk) * s.n + col];
          dst[kk * k_nr + j] = value;
        }
      }
    }
    for (std::int64_t i = 0; i < rows; i += k_mr) {
      const std::int64_t mr = std::min(k_mr, rows - i);
      const double* a_block = a + (m0 + i) * s.k + k0;
      for (std::int64_t pnl = 0; pnl < panels; ++pnl) {
        const std::int64_t nr = std::min(k_nr, cols - pnl * k_nr);
        double* c_block = c + (m0 + i) * s.n + n0 + pnl * k_nr;
        const double* panel = packed.data() + pnl * k_kc * k_nr;
        switch (mr) {
          case 4: micro_kernel<4>(a_block, s.k, panel, kc, c_block, s.n, nr); break;
          case 3: micro_kernel<3>(a_block, s.k, panel, kc, c_block, s.n, nr); break;
          case 2: micro_kernel<2>(a_block, s.k, panel, kc, c_block, s.n, nr); break;
          default: micro_kernel<1>(a_block, s.k, panel, kc, c_block, s.n, nr); break;
        }
      }
    }
  }
}

}  // namespace

Result<TensorMap> run_gemm(const Call& call) {
  const RefTensor* a = KJIT_TRY(input(call, "A"));
  const RefTensor* b = KJIT_TRY(input(call, "B"));
  const auto* a_spec = find_spec(call.def.inputs, "A");
  const auto* b_spec = find_spec(call.def.inputs, "B");
  if (a->shape.size() != 2 || b->shape.size() != 2 || a_spec->is_scalar() || b_spec->is_scalar()) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': gemm expects 2-D A and B; got A ", shape_string(a->shape), ", B ", shape_string(b->shape)));
  }
  GemmShape s;
  s.m = a->shape[0];
  s.k = a->shape[1];
  // Which way B is stored follows from the axis names: B [N, K] shares its
  // second axis with A's K (A @ B.T); B [K, N] shares its first (A @ B).
  const auto& k_name = (*a_spec->shape)[1];
  if ((*b_spec->shape)[1] == k_name) {
    s.b_transposed = true;
    s.n = b->shape[0];
  } else if ((*b_spec->shape)[0] == k_name) {
    s.b_transposed = false;
    s.n = b->shape[1];
  } else {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': B is declared [", (*b_spec->shape)[0], ", ", (*b_spec->shape)[1], "] and shares no axis with A's K axis '", k_name, "'"));
  }
  if (call.def.outputs.size() != 1) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': gemm expects exactly one output, the definition declares ", call.def.outputs.size()));
  }
  const std::string& c_name = call.def.outputs.front().name;
  RefTensor c = KJIT_TRY(make_output(call, c_name));
  if (c.shape != std::vector<std::int64_t>{s.m, s.n}) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': output '", c_name, "' is declared ", shape_string(c.shape), ", A @ B gives [", s.m, ", ", s.n, "]"));
  }
  const std::int64_t m_blocks = (s.m + k_mc - 1) / k_mc;
  const std::int64_t n_blocks = (s.n + k_nc - 1) / k_nc;
  parallel_for(static_cast<std::size_t>(m_blocks * n_blocks), call.threads, [&](std::size_t task) {
    const std::int64_t t = static_cast<std::int64_t>(task);
    run_block(s, a->data.data(), b->data.data(), c.data.data(), (t / n_blocks) * k_mc, (t % n_blocks) * k_nc);
  });
  TensorMap outputs;
  outputs.emplace(c_name, std::move(c));
  return outputs;
}

}  // namespace kjit::runtime::reference::detail
