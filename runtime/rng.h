// Rng: a small seeded pseudo-random generator (SplitMix64-seeded
// xoshiro256**) with uniform integers, uniform doubles and standard normals.
//
// kjit uses its own generator rather than <random> distributions because the
// standard leaves distribution algorithms to each library: the same seed must
// give the same inputs on every platform and compiler, so check results are
// reproducible from a logged seed.
//
// Thread safety: an Rng is a plain value; use one per thread.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

namespace kjit::runtime {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) {
    std::uint64_t x = seed;
    for (auto& s : m_state) s = splitmix64(x);
  }

  // Next 64 random bits.
  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(m_state[1] * 5, 7) * 9;
    const std::uint64_t t = m_state[1] << 17;
    m_state[2] ^= m_state[0];
    m_state[3] ^= m_state[1];
    m_state[1] ^= m_state[2];
    m_state[0] ^= m_state[3];
    m_state[2] ^= t;
    m_state[3] = rotl(m_state[3], 45);
    return result;
  }

  // Uniform integer in [`lo`, `hi`] (both inclusive). REQUIRES: lo <= hi.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    if (span == UINT64_MAX) return static_cast<std::int64_t>(next_u64());
    const std::uint64_t range = span + 1;
    // Rejection sampling: unbiased for every range.
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % range;
    std::uint64_t r = next_u64();
    while (r >= limit) r = next_u64();
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + r % range);
  }

  // Uniform double in [0, 1) with 53 random bits.
  double uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Standard normal N(0, 1) by the Box-Muller transform (pairs cached).
  double normal() {
    if (m_has_spare) {
      m_has_spare = false;
      return m_spare;
    }
    double u1 = uniform01();
    while (u1 <= 0.0) u1 = uniform01();
    const double u2 = uniform01();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * std::numbers::pi * u2;
    m_spare = r * std::sin(theta);
    m_has_spare = true;
    return r * std::cos(theta);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  std::uint64_t m_state[4];
  double m_spare = 0.0;
  bool m_has_spare = false;
};

}  // namespace kjit::runtime
