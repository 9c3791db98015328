// parallel_for: runs `body(i)` for every i in [0, count) on a few std::threads
// that pull indices from a shared atomic counter (dynamic scheduling, so
// uneven tasks such as long and short sequences balance).
//
// Thread safety: `body` runs concurrently on distinct indices; it must only
// write state owned by its index. The call returns after every index ran.
#pragma once

#include <cstddef>
#include <functional>

namespace kjit::runtime::reference {

// The worker count for `requested` threads (0 = hardware_concurrency, at
// least 1).
unsigned resolve_threads(unsigned requested);

// Calls `body(i)` once for each i in [0, count) using up to `threads`
// workers (the calling thread is one of them). Runs inline when `threads`
// is 1 or `count` is 1.
void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& body);

}  // namespace kjit::runtime::reference
