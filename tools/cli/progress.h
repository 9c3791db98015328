// Progress: reports items finishing, from any thread. On a terminal
// (isatty(stderr)) it redraws one bar line on stderr; otherwise it prints one
// line per item on stderr, so logs of CI and cron jobs stay readable.
//
// Thread safety: `done` may be called concurrently; output is serialized by
// one mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace kjit::tools {

class Progress {
 public:
  // `total` items; `label` prefixes the bar ("warmup").
  Progress(std::size_t total, std::string label);
  // Item finished: `line` is the per-item line printed without a TTY (and
  // above the bar with one, for failures when `always` is set).
  void done(const std::string& line, bool always = false);
  // Clears the bar (TTY) so a summary can follow.
  void finish();
  bool tty() const { return m_tty; }

 private:
  void draw_locked();
  std::mutex m_mutex;
  std::size_t m_total;
  std::size_t m_done = 0;  // guarded by m_mutex
  std::string m_label;
  bool m_tty;
  std::chrono::steady_clock::time_point m_start;
};

}  // namespace kjit::tools
