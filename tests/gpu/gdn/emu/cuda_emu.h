// cuda_emu.h — a CPU emulation of the CUDA features kjit's recurrent-state templates use, so
// their rendered kernels can run (slowly) on a machine without a GPU: every thread of a CTA is a
// fiber (ucontext) with its own stack, scheduled cooperatively; __syncthreads is a block
// barrier, shuffles and mma.sync are warp collectives (every lane deposits its operands, waits
// for the other 31, computes its own result). The scheduler resumes runnable fibers in a seeded
// random order each round, so a missing barrier tends to show as a wrong answer.
// Not emulated: the memory model beyond barriers (cp.async lands at once), griddepcontrol,
// launch bounds. Used by tests/gpu/gdn/emu/run_emu.sh (force-included before the rendered
// source, with include/kjit_types and include/kjit_mma replaced by host versions).
//
// Thread safety: single-threaded (one OS thread runs every fiber).
#pragma once

#include <ucontext.h>

#include <algorithm>
#include <cmath>
#include <math.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};
struct uint2 { unsigned x, y; };
struct alignas(16) uint4 { unsigned x, y, z, w; };
struct alignas(8) float2 { float x, y; };
struct alignas(16) float4 { float x, y, z, w; };
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __align__(n) __attribute__((aligned(n)))
#define __shared__

namespace emu {

// One kernel argument as the emulation passes it (gen_entries.py picks the member by C type).
struct Arg {
  void* ptr = nullptr;
  long long i64 = 0;
  float f32 = 0;
};

struct Fiber {
  ucontext_t ctx;
  std::vector<char> stack;
  dim3 thread_idx;
  bool done = false;
  const unsigned* wait_gen = nullptr;  // blocked until *wait_gen != wait_val
  unsigned wait_val = 0;
};

struct WarpState {
  int count = 0;
  unsigned gen = 0;
  alignas(16) unsigned char slot[32][64];
};

struct Block {
  std::vector<Fiber> fibers;
  ucontext_t main_ctx;
  int bar_count = 0;
  unsigned bar_gen = 0;
  std::vector<WarpState> warps;
  std::vector<unsigned char> smem;
  std::function<void()> body;
};

inline Block* g_block = nullptr;
inline Fiber* g_cur = nullptr;
inline dim3 g_block_idx, g_block_dim, g_grid_dim;
inline std::mt19937_64 g_rng(12345);

inline void yield_until(const unsigned* gen, unsigned val) {
  g_cur->wait_gen = gen;
  g_cur->wait_val = val;
  swapcontext(&g_cur->ctx, &g_block->main_ctx);
}

inline void syncthreads() {
  const unsigned gen = g_block->bar_gen;
  if (++g_block->bar_count == static_cast<int>(g_block->fibers.size())) {
    g_block->bar_count = 0;
    ++g_block->bar_gen;
    return;
  }
  yield_until(&g_block->bar_gen, gen);
}

inline unsigned lane() { return g_cur->thread_idx.x & 31; }
inline WarpState& warp() { return g_block->warps[g_cur->thread_idx.x >> 5]; }

inline void warp_barrier() {
  WarpState& w = warp();
  const unsigned gen = w.gen;
  if (++w.count == 32) {
    w.count = 0;
    ++w.gen;
    return;
  }
  yield_until(&w.gen, gen);
}

template <class T>
T exchange(T v, unsigned src) {
  static_assert(sizeof(T) <= 64);
  WarpState& w = warp();
  std::memcpy(w.slot[lane()], &v, sizeof(T));
  warp_barrier();
  T r;
  std::memcpy(&r, w.slot[src & 31], sizeof(T));
  warp_barrier();
  return r;
}

inline unsigned char* dyn_smem() { return g_block->smem.data(); }

inline void fiber_entry() {
  g_block->body();
  g_cur->done = true;
  swapcontext(&g_cur->ctx, &g_block->main_ctx);
}

// Runs `kernel()` for every thread of every CTA of `grid` x `block`, with `smem_bytes` of
// dynamic shared memory per CTA (zeroed? no: filled with 0xA5 so reads of unwritten smem show).
inline void launch(dim3 grid, dim3 block, std::size_t smem_bytes, const std::function<void()>& kernel) {
  const unsigned nthreads = block.x * block.y * block.z;
  Block b;
  b.fibers.resize(nthreads);
  b.warps.resize((nthreads + 31) / 32);
  for (auto& f : b.fibers) f.stack.resize(1 << 18);
  b.body = kernel;
  g_block = &b;
  g_grid_dim = grid;
  g_block_dim = block;
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        g_block_idx = {x, y, z};
        b.smem.assign(smem_bytes + 16, 0xA5);
        b.bar_count = 0;
        for (auto& w : b.warps) w.count = 0;
        for (unsigned t = 0; t < nthreads; ++t) {
          Fiber& f = b.fibers[t];
          f.thread_idx = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
          f.done = false;
          f.wait_gen = nullptr;
          getcontext(&f.ctx);
          f.ctx.uc_stack.ss_sp = f.stack.data();
          f.ctx.uc_stack.ss_size = f.stack.size();
          f.ctx.uc_link = nullptr;
          makecontext(&f.ctx, fiber_entry, 0);
        }
        std::vector<unsigned> order(nthreads);
        for (unsigned t = 0; t < nthreads; ++t) order[t] = t;
        for (;;) {
          bool any = false, progressed = false;
          std::shuffle(order.begin(), order.end(), g_rng);
          for (unsigned t : order) {
            Fiber& f = b.fibers[t];
            if (f.done) continue;
            any = true;
            if (f.wait_gen && *f.wait_gen == f.wait_val) continue;
            f.wait_gen = nullptr;
            g_cur = &f;
            swapcontext(&b.main_ctx, &f.ctx);
            progressed = true;
          }
          if (!any) break;
          if (!progressed) {
            std::fprintf(stderr, "emu: deadlock in CTA (%u, %u, %u): threads wait on a barrier others never reach\n", x, y, z);
            std::abort();
          }
        }
      }
  g_block = nullptr;
}

}  // namespace emu

#define threadIdx (::emu::g_cur->thread_idx)
#define blockIdx (::emu::g_block_idx)
#define blockDim (::emu::g_block_dim)
#define gridDim (::emu::g_grid_dim)
inline void __syncthreads() { ::emu::syncthreads(); }
template <class T> T __shfl_sync(unsigned, T v, int src) { return ::emu::exchange(v, static_cast<unsigned>(src)); }
template <class T> T __shfl_xor_sync(unsigned, T v, int m) { return ::emu::exchange(v, ::emu::lane() ^ static_cast<unsigned>(m)); }
template <class T> T __shfl_up_sync(unsigned, T v, unsigned d) {
  const unsigned l = ::emu::lane();
  return ::emu::exchange(v, l >= d ? l - d : l);
}
