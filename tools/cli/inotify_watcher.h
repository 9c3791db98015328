// InotifyWatcher: watches folders recursively (new subfolders included) and
// reports which files changed, debounced: `wait` returns once no new event
// has arrived for `debounce_ms`, so an editor's write-rename-chmod burst is
// one change. Used by `kjit watch` and `kjit serve` (template reloads).
//
// Thread safety: one thread calls `wait`; the object is not shared.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "jit/util/error.h"

namespace kjit::tools {

class InotifyWatcher {
 public:
  // Watches every folder under each of `roots` (missing roots are skipped).
  // Errors: io_error when inotify is unavailable or a folder cannot be watched.
  static Result<std::unique_ptr<InotifyWatcher>> open(const std::vector<std::filesystem::path>& roots);
  ~InotifyWatcher();
  InotifyWatcher(const InotifyWatcher&) = delete;
  InotifyWatcher& operator=(const InotifyWatcher&) = delete;

  // Waits up to `timeout_ms` for a first event, then until `debounce_ms`
  // pass without one; returns the changed paths (empty on timeout).
  std::set<std::filesystem::path> wait(int timeout_ms, int debounce_ms = 100);

 private:
  explicit InotifyWatcher(int fd) : m_fd(fd) {}
  Result<void> add_tree(const std::filesystem::path& root);
  // Reads pending events into `changed`; false when none were ready.
  bool drain(int timeout_ms, std::set<std::filesystem::path>& changed);
  int m_fd;
  std::map<int, std::filesystem::path> m_dirs;  // watch descriptor → folder
};

}  // namespace kjit::tools
