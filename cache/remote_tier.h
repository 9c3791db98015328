// RemoteTier: a shared cache behind the local one (a fleet's Redis:
// cache/remote/). The Cache facade (cache.h, cache_remote.cpp) asks it on a
// local miss, verifies what it returns with the cache's verifier, publishes
// it locally by the normal write protocol, and writes what it compiles back.
// The interface is here, below the implementation, so the cache needs no
// network code and tests can put a fake behind it.
//
// Failures are never fatal: every method's error means "the remote could not
// answer" (the cache counts it and goes on locally); the implementation says
// so on stderr at most once per process per kind of failure.
//
// Thread safety: implementations must be safe to call from many threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "cache/entry.h"
#include "jit/util/error.h"

namespace kjit::cache {

// What a remote tier holds for a key.
struct RemoteValue {
  enum class State { miss, hit, damaged };
  State state = State::miss;
  Entry entry;             // hit: the decoded entry (not yet verified against its key)
  std::uint64_t bytes = 0; // hit, damaged: the value's size as received
  std::string why;         // damaged: what is wrong with it
  std::string fingerprint; // hit, damaged: identifies the bytes seen (for drop); opaque
};

// A held cross-machine lock on one key; released (only if still ours) when
// destroyed.
class RemoteLease {
 public:
  virtual ~RemoteLease() = default;
};

// How long a machine waits for another's compile of the same key (the
// lock's expiry, for a holder that died, is the tier's business).
struct RemoteLockPolicy {
  std::chrono::milliseconds wait{60000};  // a waiter compiles on its own after this long
  std::chrono::milliseconds poll{50};     // first poll interval (doubles up to 250 ms)
};

class RemoteTier {
 public:
  virtual ~RemoteTier() = default;
  // The value stored for `key`: miss, hit (decoded), or damaged (undecodable
  // bytes, or an entry for another key).
  virtual Result<RemoteValue> get(const std::string& key) = 0;
  // Stores `entry` unless the key already has a value (first writer wins).
  // Returns the bytes written (0 when a value was there already).
  // REQUIRES: writable().
  virtual Result<std::uint64_t> put(const Entry& entry) = 0;
  // Deletes the value of `key` when it is still the one `seen` (a value that
  // failed verification), so a good value written meanwhile stays.
  // REQUIRES: writable().
  virtual Result<void> drop(const std::string& key, const RemoteValue& seen) = 0;
  // Tries to take the compile lock of `key`: a lease, or null when another
  // holder has it.
  virtual Result<std::unique_ptr<RemoteLease>> try_lock(const std::string& key) = 0;
  virtual bool writable() const = 0;
  virtual RemoteLockPolicy lock_policy() const = 0;
};

}  // namespace kjit::cache
