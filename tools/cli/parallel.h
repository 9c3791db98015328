// Parallel helpers for the workflow commands: a bounded parallel-for over
// item indices, and the job count (KJIT_JOBS / -j, else cores) capped by a
// memory budget so parallel NVRTC compiles cannot exhaust RAM.
//
// Thread safety: parallel_for calls `fn` concurrently from up to `jobs`
// threads; `fn` must be safe for that. The other functions are pure apart
// from reading /proc/meminfo.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace kjit::tools {

// Estimated peak resident memory of one NVRTC compile job (front end +
// ptxas on a large template instantiation); the memory cap divides
// MemAvailable by this.
inline constexpr std::uint64_t k_nvrtc_job_bytes = 600ull << 20;

// Runs fn(0..n-1) on min(jobs, n) threads (jobs < 1 counts as 1); items are
// handed out in index order. Returns when every call has returned.
void parallel_for(std::size_t n, int jobs, const std::function<void(std::size_t)>& fn);

// MemAvailable from /proc/meminfo in bytes, or nullopt when unreadable.
std::optional<std::uint64_t> mem_available_bytes();

// The number of jobs to run: `requested` when > 0, else `config_jobs` when
// > 0 (KJIT_JOBS), else the core count; then capped at
// max(1, MemAvailable / k_nvrtc_job_bytes). When the cap lowers it, `*note`
// says so (for stderr).
int effective_jobs(int requested, int config_jobs, std::string* note);

}  // namespace kjit::tools
