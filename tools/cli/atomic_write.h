// Atomic whole-file writes for reports and exported artifacts: the bytes go
// to a temp file beside the target, are fsynced and renamed over it, so
// readers see the old file or the whole new one (cache::AtomicFile).
//
// Thread safety: safe to call concurrently for different targets.
#pragma once

#include <filesystem>
#include <string_view>

#include "jit/util/error.h"

namespace kjit::tools {

// Writes `bytes` to `target` atomically, creating its folder if missing.
// Errors: io_error naming the path.
Result<void> write_file_atomic(const std::filesystem::path& target, std::string_view bytes);

}  // namespace kjit::tools
