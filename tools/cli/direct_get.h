// The CLI's direct-mode fast path (jit/api/direct.h): `kjit get` and
// `kjit compile` try it first for each name (unless --force) and open the
// full Jit only when it misses.
//
// Thread safety: single-threaded CLI use.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "jit/api/config.h"
#include "jit/codegen/artifact.h"

namespace kjit::tools {

// The cached artifact for (`name`, `arch`, `options`) when direct mode can
// serve it, else null (then take the full path, which reports any error).
std::shared_ptr<const jit::Artifact> try_direct_get(const Config& config, const std::string& name,
                                                    const std::string& arch, const std::vector<std::string>& options);

}  // namespace kjit::tools
