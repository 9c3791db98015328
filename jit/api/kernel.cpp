// Kernels by name (see kernel.h): the artifact for the starting arch, the
// definition, and an ArtifactSource for the other archs a device may have.
//
// Thread safety: see kernel.h.
#include "jit/api/kernel.h"

namespace kjit::jit {
namespace {

// `keep` (may be null) is held by the ArtifactSource so the Jit outlives the kernel.
Result<std::shared_ptr<runtime::Kernel>> make_kernel(Jit* jit, std::shared_ptr<Jit> keep, const std::string& name,
                                                     const KernelOptions& options) {
  GetOptions get;
  get.options = options.options;
  const bool fixed = !options.arch.empty() || !jit->config().arch.empty();
  const std::string arch = !options.arch.empty() ? options.arch : default_arch(jit->config());
  auto got = KJIT_TRY(jit->get(name, arch, get));
  if (got.artifact->definition == nullptr)
    return fail(ErrorCode::internal, "artifact of '" + name + "' carries no definition");
  runtime::ArtifactSource source;
  if (!fixed) {
    source = [jit, keep, name, get](const std::string& device_arch) -> Result<std::shared_ptr<const Artifact>> {
      auto r = KJIT_TRY(jit->get(name, device_arch, get));
      return r.artifact;
    };
  }
  return runtime::Kernel::create(got.artifact, *got.artifact->definition, std::move(source));
}

}  // namespace

Result<std::shared_ptr<runtime::Kernel>> open_kernel(std::shared_ptr<Jit> jit, const std::string& name,
                                                     const KernelOptions& options) {
  if (!jit) return fail(ErrorCode::invalid_argument, "open_kernel: no Jit");
  Jit* raw = jit.get();
  return make_kernel(raw, std::move(jit), name, options);
}

Result<std::shared_ptr<runtime::Kernel>> Jit::kernel(const std::string& name) { return kernel(name, KernelOptions{}); }

Result<std::shared_ptr<runtime::Kernel>> Jit::kernel(const std::string& name, const KernelOptions& options) {
  return make_kernel(this, nullptr, name, options);
}

}  // namespace kjit::jit
