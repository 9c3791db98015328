// KernelResources: per-kernel register, spill, stack and shared-memory use,
// parsed from the `ptxas -v` report that NVRTC appends to the program log.
//
// Grammar of the lines used (one block per entry function):
//
//   ptxas info    : Compiling entry function '<mangled>' for 'sm_90a'
//   ptxas info    : Function properties for <mangled>
//   ptxas         .     <S> bytes stack frame, <SS> bytes spill stores, <SL> bytes spill loads
//   ptxas info    : Used <R> registers, used <B> barriers[, <N> bytes cumulative stack size]
//                   [, <M> bytes smem][, <C> bytes cmem[<bank>]]...
//
// "Function properties" blocks of non-entry (noinline) functions are ignored;
// only entry functions produce a KernelResources. `constant_bytes` sums the
// cmem banks reported.
//
// Thread safety: pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kjit::jit {

struct KernelResources {
  std::string function;  // mangled (lowered) entry name
  int registers = 0;
  int spill_store_bytes = 0;
  int spill_load_bytes = 0;
  int shared_bytes = 0;    // static shared memory (smem)
  int stack_bytes = 0;     // stack frame (cumulative stack size when larger)
  int constant_bytes = 0;  // sum of cmem banks, when ptxas reports them
};

// One entry per entry function, in log order.
std::vector<KernelResources> parse_ptxas_resources(std::string_view log);

}  // namespace kjit::jit
