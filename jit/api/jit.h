// Jit: the front door. `get(name, arch)` returns the compiled artifact for a
// definition: from an in-memory map on repeat calls (no rendering, hashing or
// SQLite), else from the on-disk cache, else by rendering and compiling once
// (one compile per key across threads and processes).
//
// Thread safety: all member functions are safe to call concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "jit/codegen/artifact.h"
#include "jit/codegen/codegen.h"
#include "jit/codegen/launch_plan.h"
#include "jit/api/config.h"
#include "jit/util/error.h"
#include "jit/compiler/key.h"
#include "jit/definition/definition.h"

namespace kjit::cache {
class Cache;
struct CacheOptions;
}
namespace kjit::runtime {
class Kernel;
}

namespace kjit::jit {

struct KernelOptions;  // jit/api/kernel.h

// remote_hit: a local miss served by the remote tier (KJIT_REMOTE_CACHE).
enum class GetStatus { memory_hit, hit, compiled, remote_hit };

struct GetOptions {
  bool force = false;            // recompile even if cached (also clears a remembered failure)
  std::vector<std::string> options;  // extra NVRTC options
};

struct GetResult {
  std::shared_ptr<const Artifact> artifact;
  GetStatus status = GetStatus::compiled;
};

class Jit {
 public:
  static Result<std::unique_ptr<Jit>> open(const Config& config);
  ~Jit();

  // The artifact for definition `name` on `arch` (e.g. "sm_90a").
  Result<GetResult> get(const std::string& name, const std::string& arch, const GetOptions& options = {});
  // A launchable kernel for `name` (jit/api/kernel.h); the Jit must outlive
  // it (open_kernel() makes the kernel hold a shared Jit instead).
  Result<std::shared_ptr<runtime::Kernel>> kernel(const std::string& name);
  Result<std::shared_ptr<runtime::Kernel>> kernel(const std::string& name, const KernelOptions& options);
  // Definitions on the search path.
  const std::vector<const Definition*>& definitions() const;
  const Definition* find(std::string_view name) const;
  // Bumps the template generation: the next get re-renders (and hits the
  // disk cache when nothing changed).
  void reload();

  // The specialized source and plan for `name` (no compile, no cache).
  Result<RenderedKernel> render(const std::string& name, const std::string& arch) const;
  // The cache key `get` would use, with its tagged fields.
  Result<Key> key(const std::string& name, const std::string& arch, const GetOptions& options = {}) const;
  // The template serving `def` on `arch` (default: default_arch()), as get()
  // would pick it, structure and `require` expressions; "" when none.
  std::string served_by(const Definition& def, const std::string& arch = {}) const;
  // The compiler's version string (part of every key).
  std::string compiler_version() const;
  cache::Cache& cache();
  const Config& config() const;

  class Impl;

 private:
  explicit Jit(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// The cache settings of `config`: folder, size cap, read-only, the entry
// verifier (entry_verify.h) and the remote tier (KJIT_REMOTE_CACHE; opened
// lazily: no connection until a local miss). `invalid_argument` for a bad
// remote setting.
Result<cache::CacheOptions> cache_options(const Config& config);

// The arch to use when none is given: KJIT_ARCH / --arch, else the device's,
// else "sm_90a" (`*defaulted` set so the CLI can say so once).
std::string default_arch(const Config& config, bool* defaulted = nullptr);

}  // namespace kjit::jit
