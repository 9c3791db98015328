// Atomic whole-file writes for reports and exported artifacts: the bytes go
// to a temp file beside the target, are fsynced (durable) and renamed over it,
// so readers see the old file or the whole new one (cache::AtomicFile).
//
// Thread safety: safe to call concurrently for different targets.
#pragma once

#include <filesystem>
#include <string_view>

#include "cache/atomic_file.h"
#include "jit/util/error.h"

namespace kjit::tools {

// Writes `bytes` to `target` atomically, creating its folder if missing.
// `cached`: no fsyncs, for copies of what the cache holds durably (`kjit get
// -o`: the cubin and plan are fetched again by the next get); atomic for
// readers all the same. Errors: io_error naming the path.
Result<void> write_file_atomic(const std::filesystem::path& target, std::string_view bytes,
                               cache::Durability durability = cache::Durability::durable);

}  // namespace kjit::tools
