// KeyLocks: see key_lock.h.
#include "cache/key_lock.h"

namespace kjit::cache {

struct KeyLocks::Guard::Slot {
  std::mutex mutex;  // held by the thread that owns the key in this process
  int users = 0;     // holders + waiters; guarded by KeyLocks::m_mutex
};

KeyLocks::Guard::Guard(KeyLocks* owner, std::string key, std::shared_ptr<Slot> slot, std::unique_ptr<FileLock> file)
    : m_owner(owner), m_key(std::move(key)), m_slot(std::move(slot)), m_file(std::move(file)) {}

KeyLocks::Guard::~Guard() {
  if (!m_slot) return;  // moved from
  m_file.reset();       // drop the flock before letting the next thread in
  m_slot->mutex.unlock();
  std::lock_guard lock(m_owner->m_mutex);
  if (--m_slot->users == 0) m_owner->m_slots.erase(m_key);
}

Result<KeyLocks::Guard> KeyLocks::acquire(const std::string& key) {
  std::shared_ptr<Guard::Slot> slot;
  {
    std::lock_guard lock(m_mutex);
    auto& s = m_slots[key];
    if (!s) s = std::make_shared<Guard::Slot>();
    ++s->users;
    slot = s;
  }
  slot->mutex.lock();
  auto file = m_env->lock_file(m_paths->lock(key), Wait::yes);
  if (!file || !*file) {
    slot->mutex.unlock();
    std::lock_guard lock(m_mutex);
    if (--slot->users == 0) m_slots.erase(key);
    if (!file) return std::unexpected(file.error());
    return fail(ErrorCode::internal, "blocking lock on '" + m_paths->lock(key).string() + "' returned no lock");
  }
  return Guard(this, key, std::move(slot), std::move(*file));
}

bool KeyLocks::busy_here(const std::string& key) const {
  std::lock_guard lock(m_mutex);
  return m_slots.contains(key);
}

bool KeyLocks::held_anywhere(const std::string& key) const {
  auto path = m_paths->lock(key);
  if (!m_env->stat(path)) return false;
  auto lock = m_env->lock_file(path, Wait::no);
  return lock && !*lock;  // errors: treat as not held (the entry is not known to be in use)
}

}  // namespace kjit::cache
