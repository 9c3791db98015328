// Cache facade, the remote tier's steps (cache.h, "Remote tier"): fetch,
// verify and publish a remote value; cross-machine single flight; write back.
//
// None of these fails a get: a remote error is counted (`remote_errors`; the
// tier itself warns once per process per kind of failure) and the caller goes
// on as without a remote. A value that fails verification is counted
// (`remote_verify_failures`), dropped remotely when the tier is writable, and
// treated as a miss; the first one per process is also said on stderr.
//
// Thread safety: see cache.h.
#include <atomic>
#include <cstdio>
#include <thread>

#include "jit/util/str_cat.h"

#include "cache/cache.h"

namespace kjit::cache {
namespace {

// Once per process: a fleet serving one bad value to many gets would
// otherwise print it on every one.
std::atomic<bool> g_verify_warned{false};

void warn_verify_failure(const std::string& key, const std::string& why) {
  if (g_verify_warned.exchange(true)) return;
  std::fprintf(stderr,
               "kjit: warning: remote cache value for %s was dropped (%s); compiling locally "
               "(further ones are counted in `kjit cache stats`, remote_verify_failures)\n",
               key.c_str(), why.c_str());
}

}  // namespace

std::optional<Entry> Cache::remote_fetch(const std::string& key, CountMiss count_miss) {
  auto got = m_remote->get(key);
  if (!got) {
    note_counter(Counter::remote_errors);
    return std::nullopt;
  }
  if (got->bytes > 0) note_counter(Counter::remote_bytes_in, static_cast<std::int64_t>(got->bytes));
  if (got->state == RemoteValue::State::miss) {
    if (count_miss == CountMiss::yes) note_counter(Counter::remote_misses);
    return std::nullopt;
  }
  std::string why = got->why;
  if (got->state == RemoteValue::State::hit) {
    // The tier checked the value's framing and that it names `key`; whether
    // its content belongs to the key is this cache's verifier's call.
    if (got->entry.key != key) {
      why = str_cat("it holds the entry of key ", got->entry.key);
    } else if (auto ok = verify_one(got->entry); !ok) {
      why = ok.error().message;
    } else {
      note_counter(Counter::remote_hits);
      if (!m_read_only) {
        // Best-effort: a verified entry is served even when it cannot be
        // stored here (full disk); the next get asks the remote again.
        // Without fsyncs: Redis holds the durable copy (atomic_file.h).
        if (auto stored = insert_impl(got->entry, Durability::cached); !stored)
          std::fprintf(stderr, "kjit: warning: could not store remote cache entry %s locally: %s\n", key.c_str(),
                       stored.error().message.c_str());
      }
      return std::move(got->entry);
    }
  }
  note_counter(Counter::remote_verify_failures);
  warn_verify_failure(key, why);
  if (m_remote->writable())
    if (!m_remote->drop(key, *got)) note_counter(Counter::remote_errors);
  return std::nullopt;
}

std::optional<Entry> Cache::remote_single_flight(const std::string& key, std::unique_ptr<RemoteLease>* lease) {
  // A read-only remote takes no locks (a lock is a write): every machine
  // compiles its own misses.
  if (!m_remote->writable()) return std::nullopt;
  const RemoteLockPolicy policy = m_remote->lock_policy();
  const auto deadline = std::chrono::steady_clock::now() + policy.wait;
  auto poll = policy.poll;
  bool waited = false;
  while (true) {
    auto taken = m_remote->try_lock(key);
    if (!taken) {
      note_counter(Counter::remote_errors);
      return std::nullopt;
    }
    if (*taken) {
      *lease = std::move(*taken);
      // A holder may have written the value and released its lock since our
      // last fetch (one GET, against a compile of seconds).
      return remote_fetch(key, CountMiss::no);
    }
    if (!waited) {
      note_counter(Counter::remote_lock_waits);
      waited = true;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      note_counter(Counter::remote_lock_timeouts);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(poll, deadline - now));
    // Doubling, capped: waiters notice a value within ~0.25 s without
    // hammering the server.
    poll = std::min(poll * 2, std::chrono::milliseconds(250));
    if (auto got = remote_fetch(key, CountMiss::no)) return got;
  }
}

bool Cache::remote_put(const Entry& entry) {
  if (!m_remote || !m_remote->writable()) return false;
  auto wrote = m_remote->put(entry);
  if (!wrote) {
    note_counter(Counter::remote_errors);
    return false;
  }
  if (*wrote == 0) return false;
  note_counter(Counter::remote_puts);
  note_counter(Counter::remote_bytes_out, static_cast<std::int64_t>(*wrote));
  return true;
}

Result<bool> Cache::share(const std::string& key) {
  if (!m_remote || !m_remote->writable()) return false;
  auto entry = KJIT_TRY(lookup_impl(key, CountMiss::no));
  if (!entry) return false;
  return remote_put(*entry);
}

}  // namespace kjit::cache
