// Progress bar / per-item lines; see progress.h.
#include "tools/cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace kjit::tools {

Progress::Progress(std::size_t total, std::string label)
    : m_total(total), m_label(std::move(label)), m_tty(::isatty(2) == 1), m_start(std::chrono::steady_clock::now()) {
  std::lock_guard lock(m_mutex);
  if (m_tty && m_total > 0) draw_locked();
}

void Progress::done(const std::string& line, bool always) {
  std::lock_guard lock(m_mutex);
  ++m_done;
  if (!m_tty) {
    std::fprintf(stderr, "[%zu/%zu] %s\n", m_done, m_total, line.c_str());
    return;
  }
  if (always) std::fprintf(stderr, "\r\033[K%s\n", line.c_str());
  draw_locked();
}

void Progress::draw_locked() {
  constexpr int k_width = 30;
  int filled = m_total ? static_cast<int>(k_width * m_done / m_total) : k_width;
  std::string bar(filled, '#');
  bar.append(k_width - filled, '.');
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  std::fprintf(stderr, "\r\033[K%s [%s] %zu/%zu  %.1fs", m_label.c_str(), bar.c_str(), m_done, m_total, s);
  std::fflush(stderr);
}

void Progress::finish() {
  std::lock_guard lock(m_mutex);
  if (m_tty) std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

}  // namespace kjit::tools
