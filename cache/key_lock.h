// KeyLocks: one compile per cache key, across threads and processes.
//
// `acquire(key)` first takes an in-process per-key mutex (single flight:
// many threads asking for one key queue here instead of each opening the
// lock file), then an exclusive flock on `locks/<key>.lock` (one holder
// across processes; the kernel drops it when a holder dies, even by
// SIGKILL). The caller re-checks the index after acquiring, because the
// previous holder has usually just inserted the entry.
//
// Thread safety: all methods are safe from any thread. A Guard releases on
// destruction, on the thread that holds it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cache/env.h"
#include "cache/paths.h"

namespace kjit::cache {

class KeyLocks {
 public:
  KeyLocks(Env& env, const CachePaths& paths) : m_env(&env), m_paths(&paths) {}

  class Guard {
   public:
    Guard(Guard&& o) noexcept = default;
    Guard& operator=(Guard&&) = delete;
    ~Guard();

   private:
    friend class KeyLocks;
    struct Slot;
    Guard(KeyLocks* owner, std::string key, std::shared_ptr<Slot> slot, std::unique_ptr<FileLock> file);
    KeyLocks* m_owner = nullptr;
    std::string m_key;
    std::shared_ptr<Slot> m_slot;
    std::unique_ptr<FileLock> m_file;
  };

  // Blocks until this thread holds `key` in this process and across
  // processes. REQUIRES: is_valid_key(key); the locks/ folder exists.
  Result<Guard> acquire(const std::string& key);
  // True when a thread of this process holds or waits for `key`.
  bool busy_here(const std::string& key) const;
  // True when any process (this one included) holds the flock of `key`.
  // Costs an open + flock(LOCK_NB) when the lock file exists.
  bool held_anywhere(const std::string& key) const;

 private:
  Env* m_env;
  const CachePaths* m_paths;
  mutable std::mutex m_mutex;
  std::map<std::string, std::shared_ptr<Guard::Slot>> m_slots;  // guarded by m_mutex
};

}  // namespace kjit::cache
