// Recursive, debounced inotify; see inotify_watcher.h.
#include "tools/cli/inotify_watcher.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace kjit::tools {

namespace fs = std::filesystem;

namespace {
constexpr std::uint32_t k_mask = IN_CLOSE_WRITE | IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM |
                                 IN_ATTRIB | IN_DELETE_SELF;
}

Result<std::unique_ptr<InotifyWatcher>> InotifyWatcher::open(const std::vector<fs::path>& roots) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::io_error, std::string("inotify_init1 failed: ") + std::strerror(errno));
  std::unique_ptr<InotifyWatcher> w(new InotifyWatcher(fd));
  for (const auto& root : roots) {
    std::error_code ec;
    if (fs::is_directory(root, ec)) KJIT_TRY_VOID(w->add_tree(root));
  }
  return w;
}

InotifyWatcher::~InotifyWatcher() { ::close(m_fd); }

Result<void> InotifyWatcher::add_tree(const fs::path& root) {
  auto add = [&](const fs::path& dir) -> Result<void> {
    int wd = ::inotify_add_watch(m_fd, dir.c_str(), k_mask);
    if (wd < 0)
      return fail(ErrorCode::io_error, "cannot watch " + dir.string() + ": " + std::strerror(errno),
                  "raise fs.inotify.max_user_watches if the limit was reached");
    m_dirs[wd] = dir;
    return {};
  };
  KJIT_TRY_VOID(add(root));
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) KJIT_TRY_VOID(add(it->path()));
  }
  return {};
}

bool InotifyWatcher::drain(int timeout_ms, std::set<fs::path>& changed) {
  pollfd p{m_fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  alignas(inotify_event) char buf[16384];
  bool any = false;
  for (;;) {
    ssize_t n = ::read(m_fd, buf, sizeof buf);
    if (n <= 0) break;
    for (char* ptr = buf; ptr < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(ptr);
      ptr += sizeof(inotify_event) + ev->len;
      auto dir = m_dirs.find(ev->wd);
      if (dir == m_dirs.end()) continue;
      if (ev->mask & IN_IGNORED) {
        m_dirs.erase(dir);
        continue;
      }
      fs::path path = ev->len ? dir->second / ev->name : dir->second;
      if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) (void)add_tree(path);
      std::string leaf = path.filename().string();
      // Editor scratch files (vim's 4913, .swp, ~ backups) are not edits.
      if (leaf.ends_with(".swp") || leaf.ends_with("~") || leaf == "4913" || leaf.starts_with(".#")) continue;
      changed.insert(path);
      any = true;
    }
  }
  return any;
}

std::set<fs::path> InotifyWatcher::wait(int timeout_ms, int debounce_ms) {
  std::set<fs::path> changed;
  if (!drain(timeout_ms, changed)) return changed;
  while (drain(debounce_ms, changed)) {
  }
  return changed;
}

}  // namespace kjit::tools
