// The Jit facade: definitions + templates + NVRTC + cache behind `get`.
//
// Hot path: `get` first looks in an in-memory map keyed by (name, arch,
// options) under a shared lock — no rendering, hashing or SQLite. The map is
// cleared by reload() (a new template generation), so an edited template is
// re-rendered; an unchanged one then hits the disk cache by content key.
//
// Every full get records a direct-mode row (direct.h), so the next cold
// process can serve the same request without loading definitions or
// rendering; the stamps it needs are taken before the definitions and the
// templates are loaded (at open, and again at reload for the templates).
// Every stored entry carries its key inputs, and the cache checks imported
// and verified entries with verify_entry (entry_verify.h).
#include "jit/api/jit.h"

#include <cstdlib>
#include <shared_mutex>
#include <unordered_map>

#include "cache/cache.h"
#include "cache/remote/redis_tier.h"
#include "jit/api/direct.h"
#include "jit/api/entry_verify.h"
#include "jit/codegen/codegen.h"
#include "jit/codegen/template_registry.h"
#include "jit/compiler/compiler.h"
#include "jit/compiler/key.h"
#include "jit/compiler/nvrtc_version.h"
#include "jit/definition/definition_set.h"
#include "jit/template/environment.h"
#include "runtime/driver.h"

namespace kjit::jit {

class Jit::Impl {
 public:
  Config config;
  DefinitionSet definitions;
  std::vector<const Definition*> definition_list;
  std::unique_ptr<Environment> env;
  std::unique_ptr<Compiler> compiler;
  std::unique_ptr<cache::Cache> cache;

  mutable std::shared_mutex registry_mutex;  // guards registry (replaced by reload)
  std::shared_ptr<const TemplateRegistry> registry;

  DirectStamps stamps;  // guarded by registry_mutex (reload retakes the templates stamp)

  std::shared_mutex memo_mutex;  // guards memo
  std::unordered_map<std::string, std::shared_ptr<const Artifact>> memo;

  Result<std::pair<RenderedKernel, CompileRequest>> prepare(const Definition& def, const std::string& arch,
                                                          const GetOptions& options) const {
    auto reg = current_registry_const();
    RenderedKernel kernel = KJIT_TRY(render_kernel(def, arch, *reg, *env));
    CompileRequest request;
    request.source = kernel.source;
    request.source_name = kernel.source_name;
    request.arch = arch;
    request.extra_options = options.options;
    request.name_expressions = kernel.entries;
    return std::make_pair(std::move(kernel), std::move(request));
  }
  std::shared_ptr<const TemplateRegistry> current_registry_const() const {
    std::shared_lock lock(registry_mutex);
    return registry;
  }
  Result<std::shared_ptr<const Artifact>> build(const Definition& def, const std::string& arch,
                                                const GetOptions& options, GetStatus* status);
};

namespace {

std::string memo_key(const std::string& name, const std::string& arch, const GetOptions& options) {
  std::string k = name;
  k += '\0';
  k += arch;
  for (const auto& o : options.options) {
    k += '\0';
    k += o;
  }
  return k;
}

nlohmann::json resources_json(const std::vector<KernelResources>& resources) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : resources)
    j.push_back({{"function", r.function},
                 {"registers", r.registers},
                 {"spill_bytes", r.spill_store_bytes + r.spill_load_bytes},
                 {"shared_bytes", r.shared_bytes},
                 {"stack_bytes", r.stack_bytes}});
  return j;
}

}  // namespace

Result<std::shared_ptr<const Artifact>> Jit::Impl::build(const Definition& def, const std::string& arch,
                                                         const GetOptions& options, GetStatus* status) {
  auto [kernel, request] = KJIT_TRY(prepare(def, arch, options));
  std::string plan_json = kernel.plan.to_json().dump();
  KeyInputs inputs = KJIT_TRY(key_inputs_for(*compiler, request, plan_json));
  Key key = build_key(inputs);

  auto compile = [&]() -> Result<cache::Entry> {
    auto out = compiler->compile(request);
    if (!out) {
      Error e = out.error();
      if (e.code == ErrorCode::compile_error) {
        std::string first = first_mapped_error(e.details, kernel);
        e.message = "compiling '" + def.name + "' for " + arch + " failed: " + (first.empty() ? e.message : first);
        e.details = map_compile_log(e.details, kernel);
      }
      return std::unexpected(e);
    }
    cache::Entry entry;
    entry.key = key.hex;
    entry.definition = def.name;
    entry.op_type = def.op_type;
    entry.arch = arch;
    entry.nvrtc_version = inputs.nvrtc_version;
    entry.options_json = nlohmann::json(out->options).dump();
    entry.lowered_names_json = nlohmann::json(out->lowered_names).dump();
    entry.launch_plan_json = plan_json;
    entry.resources_json = resources_json(out->resources).dump();
    entry.key_inputs_json = key_inputs_to_json(inputs);
    entry.cubin = std::move(out->binary);
    entry.source = kernel.source;
    for (const auto& d : kernel.dependencies) entry.dependencies.push_back({d.file, d.content_hash});
    entry.log = out->log;
    entry.compile_ms = out->wall_ms;
    return entry;
  };
  auto got = KJIT_TRY(cache->get_or_compile(key.hex, compile, options.force ? cache::Force::yes : cache::Force::no,
                                            {def.name, arch}));
  auto artifact = KJIT_TRY(artifact_from_entry(got.entry));
  artifact->template_name = kernel.manifest->id;
  DirectStamps stamps;
  {
    std::shared_lock lock(registry_mutex);
    stamps = this->stamps;
  }
  (void)direct_record(*cache, config, {def.name, arch, options.options}, stamps, def, kernel, key.hex);
  artifact->definition = &def;
  *status = got.outcome == cache::Outcome::hit          ? GetStatus::hit
            : got.outcome == cache::Outcome::remote_hit ? GetStatus::remote_hit
                                                        : GetStatus::compiled;
  return std::shared_ptr<const Artifact>(std::move(artifact));
}

Jit::Jit(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Jit::~Jit() = default;

Result<std::unique_ptr<Jit>> Jit::open(const Config& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->stamps = take_direct_stamps(config);  // before loading: see direct.h
  impl->definitions = KJIT_TRY(DefinitionSet::load(config.definition_search_path()));
  impl->definition_list = impl->definitions.all();
  impl->env = std::make_unique<Environment>(std::vector<std::filesystem::path>{config.templates_dir});
  impl->registry = std::make_shared<const TemplateRegistry>(KJIT_TRY(TemplateRegistry::load(config.templates_dir)));
  impl->cache = KJIT_TRY(cache::Cache::open(KJIT_TRY(cache_options(config))));
  // The NVRTC identity (part of every key) is remembered in the cache folder:
  // without it a cold process spends ~35 ms per run finding it (nvrtc_version.h).
  set_nvrtc_identity_memo(std::filesystem::path(config.cache_dir) / "nvrtc_identity");
  impl->compiler = make_nvrtc_compiler();
  return std::unique_ptr<Jit>(new Jit(std::move(impl)));
}

Result<GetResult> Jit::get(const std::string& name, const std::string& arch, const GetOptions& options) {
  std::string mk = memo_key(name, arch, options);
  if (!options.force) {
    std::shared_lock lock(m_impl->memo_mutex);
    auto it = m_impl->memo.find(mk);
    if (it != m_impl->memo.end()) return GetResult{it->second, GetStatus::memory_hit};
  }
  const Definition* def = KJIT_TRY(m_impl->definitions.get(name));
  GetStatus status = GetStatus::compiled;
  auto artifact = KJIT_TRY(m_impl->build(*def, arch, options, &status));
  {
    std::unique_lock lock(m_impl->memo_mutex);
    m_impl->memo[mk] = artifact;
  }
  return GetResult{artifact, status};
}

const std::vector<const Definition*>& Jit::definitions() const { return m_impl->definition_list; }

const Definition* Jit::find(std::string_view name) const { return m_impl->definitions.find(name); }

void Jit::reload() {
  DirectStamps stamps = take_direct_stamps(m_impl->config);
  auto reg = TemplateRegistry::load(m_impl->config.templates_dir);
  if (reg) {
    std::unique_lock lock(m_impl->registry_mutex);
    m_impl->registry = std::make_shared<const TemplateRegistry>(std::move(*reg));
    m_impl->stamps.templates = stamps.templates;
    m_impl->stamps.settled = m_impl->stamps.settled && stamps.settled;
  } else {
    std::unique_lock lock(m_impl->registry_mutex);
    m_impl->stamps.settled = false;  // the registry in use is older than the files now
  }
  std::unique_lock lock(m_impl->memo_mutex);
  m_impl->memo.clear();
}

Result<RenderedKernel> Jit::render(const std::string& name, const std::string& arch) const {
  const Definition* def = KJIT_TRY(m_impl->definitions.get(name));
  auto prepared = KJIT_TRY(m_impl->prepare(*def, arch, {}));
  return std::move(prepared.first);
}

Result<Key> Jit::key(const std::string& name, const std::string& arch, const GetOptions& options) const {
  const Definition* def = KJIT_TRY(m_impl->definitions.get(name));
  auto prepared = KJIT_TRY(m_impl->prepare(*def, arch, options));
  return build_key(
      KJIT_TRY(key_inputs_for(*m_impl->compiler, prepared.second, prepared.first.plan.to_json().dump())));
}

std::string Jit::served_by(const Definition& def, const std::string& arch) const {
  const TemplateManifest* m = m_impl->current_registry_const()->serving(
      def, arch.empty() ? default_arch(m_impl->config) : arch, *m_impl->env);
  return m ? m->id : std::string();
}

std::string Jit::compiler_version() const { return m_impl->compiler->version(); }

cache::Cache& Jit::cache() { return *m_impl->cache; }

const Config& Jit::config() const { return m_impl->config; }

Result<cache::CacheOptions> cache_options(const Config& config) {
  cache::CacheOptions options{config.cache_dir, config.cache_max_size, nullptr, config.cache_read_only, &verify_entry, {}};
  if (!config.remote_cache.empty()) {
    auto tier = cache::remote::open_remote_tier(config.remote_cache);
    if (!tier)
      return fail(ErrorCode::invalid_argument, "KJIT_REMOTE_CACHE / --remote-cache: " + tier.error().message);
    options.remote = std::move(*tier);
  }
  return options;
}

std::string default_arch(const Config& config, bool* defaulted) {
  if (defaulted) *defaulted = false;
  if (!config.arch.empty()) return config.arch;
  // The device's arch when one is present (probed once per process: it
  // retains a primary context, ~0.1 s on a GPU machine, ~0 without a driver).
  static const std::string device_arch = [] {
    auto count = runtime::device_count();
    if (!count || *count == 0) return std::string();
    auto dev = runtime::Device::open(0);
    if (!dev) return std::string();
    // Kept for the process: Device::open made the primary context current, and
    // releasing it here would destroy a context that is still current on this
    // thread (a later module load then fails with CONTEXT_IS_DESTROYED; seen
    // with examples/cpp/rmsnorm_launch.cpp on an H100). Deliberately leaked.
    static auto* keep = new std::shared_ptr<runtime::Device>(*dev);
    return (*keep)->info().arch;
  }();
  if (!device_arch.empty()) return device_arch;
  if (defaulted) *defaulted = true;
  return "sm_90a";
}

}  // namespace kjit::jit
