// Hook for `kjit render NAME`: rendering a definition's template by name needs
// the codegen layer, which the template engine must not depend on. Codegen
// installs a function here at startup; the CLI calls it when set.
//
// Thread safety: set the hook once during startup (before threads); reading
// it afterwards is safe (an atomic pointer).
#pragma once

#include <string>

#include "jit/common/config.h"

namespace kjit::jit {

// Renders definition `name` for `arch` into `out_file` (stdout when empty);
// returns the process exit code.
using RenderByNameFn = int (*)(const std::string& name, const std::string& arch,
                               const std::string& out_file, const kjit::Config& config);

void set_render_by_name(RenderByNameFn fn);
// The installed hook, or nullptr.
RenderByNameFn render_by_name();

}  // namespace kjit::jit
