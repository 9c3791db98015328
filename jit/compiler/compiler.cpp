// Compiler interface defaults shared by every implementation.
// Thread safety: pure functions over the request.
#include "jit/compiler/compiler.h"

#include "jit/compiler/arch.h"

namespace kjit::jit {

Result<std::vector<std::string>> Compiler::normalized_options(const CompileRequest& request) const {
  const Arch arch = KJIT_TRY(validate_arch(request.arch));
  return normalize_options(OptionRequest{.arch = arch,
                                         .output = request.output,
                                         .lineinfo = request.lineinfo,
                                         .debug = request.debug,
                                         .extra = request.extra_options});
}

}  // namespace kjit::jit
