// CircuitBreaker: stops asking a server that keeps failing. After
// `k_failures_to_open` failures in a row the breaker opens for a cooldown
// (1 s, doubling on each failed retry up to 30 s): operations on that server
// fail at once, without a connect or a timeout, and the cache goes on
// locally. When the cooldown ends, one caller is let through (half-open); its
// success closes the breaker, its failure re-opens it. Why so short a first
// cooldown: a restarting Redis is back within seconds, and a fleet should
// not compile for long what the restarted server holds.
//
// Thread safety: all methods are safe from any thread (one mutex).
#pragma once

#include <algorithm>
#include <chrono>
#include <mutex>

namespace kjit::cache::remote {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int k_failures_to_open = 2;
  static constexpr std::chrono::milliseconds k_first_cooldown{1000};
  static constexpr std::chrono::milliseconds k_max_cooldown{30000};

  // Whether an operation may go to the server now. While open, false; once
  // the cooldown has passed, true for one caller at a time (half-open).
  bool allow() {
    std::lock_guard lock(m_mutex);
    if (!m_open) return true;
    const auto now = Clock::now();
    if (now < m_until || m_probing) return false;
    m_probing = true;
    return true;
  }
  void success() {
    std::lock_guard lock(m_mutex);
    m_open = m_probing = false;
    m_failures = 0;
    m_cooldown = k_first_cooldown;
  }
  void failure() {
    std::lock_guard lock(m_mutex);
    if (m_probing) {  // the retry failed: back off further
      m_probing = false;
      m_cooldown = std::min(m_cooldown * 2, k_max_cooldown);
      m_until = Clock::now() + m_cooldown;
      return;
    }
    if (++m_failures >= k_failures_to_open && !m_open) {
      m_open = true;
      m_until = Clock::now() + m_cooldown;
    }
  }
  bool is_open() const {
    std::lock_guard lock(m_mutex);
    return m_open;
  }
  // Open, but a retry would be let through now.
  bool cooldown_over() const {
    std::lock_guard lock(m_mutex);
    return m_open && !m_probing && Clock::now() >= m_until;
  }

 private:
  mutable std::mutex m_mutex;
  bool m_open = false, m_probing = false;
  int m_failures = 0;
  std::chrono::milliseconds m_cooldown = k_first_cooldown;
  Clock::time_point m_until{};
};

}  // namespace kjit::cache::remote
