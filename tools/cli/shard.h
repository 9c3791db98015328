// Sharding of warm-up work across machines: `--shard I/N` keeps the items
// whose cache key falls in shard I of N, so N machines with I = 0..N-1
// together cover every item exactly once (the key is a uniform hash, so the
// shards come out about equal).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "jit/util/error.h"

namespace kjit::tools {

struct Shard {
  std::uint64_t index = 0;  // I
  std::uint64_t count = 1;  // N
};

// Parses "I/N" with 0 <= I < N; errors (invalid_argument) quote the text.
Result<Shard> parse_shard(const std::string& text);

// The shard (0..count-1) of a hex key: its first 16 hex digits as an
// integer, modulo `count`. Non-hex text falls back to an FNV-1a hash.
std::uint64_t shard_of(const std::string& key_hex, std::uint64_t count);

}  // namespace kjit::tools
