// `kjit cache remote ping|stats|ls [--json]`: look at the remote tier
// (KJIT_REMOTE_CACHE) server by server. Every failure is reported here (no
// breaker, no warn-once): these are the commands an operator runs when the
// fleet's counters say something is wrong.
//
//   ping   each server: reachable? round trip in ms; role; exit 1 when any fails
//   stats  each server: version, memory used / maxmemory and policy, evicted
//          keys, kjit values and their bytes; plus this cache's remote_*
//          counters (`kjit cache stats`)
//   ls     every kjit value: key, definition, arch, size, time to live, server
//
// Thread safety: main thread only.
#pragma once

#include "cache/cache.h"
#include "cache/remote/redis_tier.h"

namespace kjit::tools {

int remote_ping(cache::remote::RedisTier& tier, bool json);
int remote_stats(cache::remote::RedisTier& tier, cache::Cache& cache, bool json);
int remote_ls(cache::remote::RedisTier& tier, bool json);

}  // namespace kjit::tools
