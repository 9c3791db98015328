// The format of a remote cache value (one Redis string per entry):
//
//   value := "KJITRV01" payload xxh3(payload)
//   payload := an entry (cache/entry_codec.h)
//
// xxh3 is the 16 canonical bytes of XXH3-128. The version is in the magic
// and in the key names (redis_tier.h), so a future format uses other keys
// and never reads these. Decoding checks the magic, the checksum, the
// entry's framing and blob hashes, and that the entry is the one asked for;
// whether its content belongs to its key is the cache's verifier's job.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cache/entry.h"
#include "jit/util/error.h"

namespace kjit::cache::remote {

inline constexpr std::string_view k_value_magic = "KJITRV01";

// The largest value a get accepts (the server is outside input: Redis itself
// allows strings up to proto-max-bulk-len, 512 MB by default and settable
// higher). Real entries are a cubin, its source and metadata: far below.
inline constexpr std::size_t k_max_value_bytes = 64u << 20;

std::string encode_value(const Entry& entry);

// The entry in `value`, which was stored under `key`; `corruption` saying
// what is wrong otherwise.
Result<Entry> decode_value(std::string_view value, const std::string& key);

// The value's identity for compare-and-delete: its last 16 bytes (the
// checksum of a well-formed value; whatever is there in a damaged one).
std::string value_fingerprint(std::string_view value);

// The metadata JSON of a value (for listings) from its first bytes, or empty
// when `head` is too short or not a value. `*meta_end` receives how many
// bytes of the value the metadata needs.
std::string value_metadata(std::string_view head, std::size_t* meta_end);

}  // namespace kjit::cache::remote
