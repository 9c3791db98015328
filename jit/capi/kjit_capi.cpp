// The C API (kjit.h) over the Jit facade: opaque handles wrapping a shared
// Jit and a shared Artifact; errors become the CLI's exit codes plus a
// thread-local message; no exception crosses the C boundary. Launching
// (kjit_launch*, kjit_resolve) lives in kjit_capi_launch.cpp.
//
// Thread safety: see kjit.h. The Jit is thread-safe; a kjit_kernel holds a
// shared_ptr to an immutable artifact, its own strings, and the launchable
// runtime::Kernel built once on first use.
#include "jit/capi/kjit.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>

#include "jit/api/jit.h"
#include "jit/capi/kjit_capi_internal.h"
#include "jit/codegen/codegen.h"
#include "jit/compiler/options.h"
#include "runtime/launch_log.h"

namespace kjit::capi {

thread_local std::string t_last_error;

int set_error(const Error& e) {
  t_last_error = e.full();
  return exit_code_for(e.code);
}

int set_error(int code, std::string message) {
  t_last_error = std::move(message);
  return code;
}

char* copy_out(const std::string& text) {
  char* p = static_cast<char*>(std::malloc(text.size() + 1));
  if (p != nullptr) std::memcpy(p, text.c_str(), text.size() + 1);
  return p;
}

Result<runtime::Kernel*> launchable(kjit_kernel* k) {
  std::call_once(k->once, [k] {
    const bool fixed = k->fixed_arch || !k->jit->config().arch.empty();
    runtime::ArtifactSource source;
    if (!fixed) {
      std::shared_ptr<jit::Jit> jit = k->jit;
      std::string name = k->artifact->name;
      source = [jit, name](const std::string& arch) -> Result<std::shared_ptr<const jit::Artifact>> {
        auto got = KJIT_TRY(jit->get(name, arch));
        return got.artifact;
      };
    }
    auto made = runtime::Kernel::create(k->artifact, *k->artifact->definition, std::move(source));
    if (made) k->kernel = std::move(*made);
    else k->kernel_error = made.error();
  });
  if (!k->kernel) return std::unexpected(k->kernel_error);
  return k->kernel.get();
}

namespace {

std::string status_text(jit::GetStatus s) {
  switch (s) {
    case jit::GetStatus::memory_hit: return "memory_hit";
    case jit::GetStatus::hit: return "hit";
    case jit::GetStatus::compiled: return "compiled";
    case jit::GetStatus::remote_hit: return "remote_hit";
  }
  return "compiled";
}

std::string info_json(const jit::Artifact& a, jit::GetStatus status) {
  nlohmann::ordered_json j;
  j["name"] = a.name;
  j["key"] = a.key;
  j["arch"] = a.arch;
  j["status"] = status_text(status);
  j["template"] = a.template_name;
  j["compile_ms"] = a.compile_ms;
  j["cubin_bytes"] = a.cubin.size();
  int registers = 0, spills = 0;
  nlohmann::ordered_json res = nlohmann::ordered_json::array();
  for (const auto& r : a.resources) {
    registers = std::max(registers, r.registers);
    spills += r.spill_bytes;
    res.push_back({{"function", r.function}, {"registers", r.registers}, {"spill_bytes", r.spill_bytes},
                   {"shared_bytes", r.shared_bytes}, {"stack_bytes", r.stack_bytes}});
  }
  j["registers"] = registers;
  j["spill_bytes"] = spills;
  j["resources"] = std::move(res);
  return j.dump();
}

std::string signature_json(const jit::Definition& def) {
  nlohmann::ordered_json j;
  j["name"] = def.name;
  j["op_type"] = def.op_type;
  j["axes"] = nlohmann::ordered_json::array();
  for (const auto& a : def.axes) {
    nlohmann::ordered_json axis{{"name", a.name}, {"kind", a.kind == jit::AxisKind::const_ ? "const" : "var"}};
    if (a.kind == jit::AxisKind::const_) axis["value"] = a.value;
    j["axes"].push_back(std::move(axis));
  }
  auto tensors = [](const std::vector<jit::TensorSpec>& specs) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& t : specs) {
      nlohmann::ordered_json e{{"name", t.name}, {"dtype", jit::dtype_name(t.dtype)}};
      e["shape"] = t.shape ? nlohmann::ordered_json(*t.shape) : nlohmann::ordered_json(nullptr);
      e["scalar"] = t.is_scalar();
      out.push_back(std::move(e));
    }
    return out;
  };
  j["inputs"] = tensors(def.inputs);
  j["outputs"] = tensors(def.outputs);
  return j.dump();
}

}  // namespace
}  // namespace kjit::capi

using kjit::capi::set_error;
using kjit::capi::t_last_error;

extern "C" {

int kjit_open(const char* cache_dir, const char* definitions_dir, kjit_handle** out) {
  if (!out) return set_error(KJIT_INVALID_ARGUMENT, "kjit_open: `out` is NULL");
  *out = nullptr;
  try {
    kjit::Config config = kjit::Config::from_env();
    if (cache_dir && *cache_dir) config.cache_dir = cache_dir;
    if (definitions_dir && *definitions_dir) config.definition_dirs.emplace_back(definitions_dir);
    auto jit = kjit::jit::Jit::open(config);
    if (!jit) return set_error(jit.error());
    *out = new kjit_handle{std::shared_ptr<kjit::jit::Jit>(std::move(*jit))};
    t_last_error.clear();
    return KJIT_OK;
  } catch (const std::exception& e) {
    return set_error(KJIT_FAILURE, std::string("kjit_open: ") + e.what());
  }
}

void kjit_close(kjit_handle* handle) { delete handle; }

int kjit_get_kernel(kjit_handle* handle, const char* name, const char* arch, kjit_kernel** out) {
  return kjit_get_kernel_with_options(handle, name, arch, nullptr, 0, out);
}

int kjit_get_kernel_with_options(kjit_handle* handle, const char* name, const char* arch, const char* const* options,
                                 size_t num_options, kjit_kernel** out) {
  if (!out) return set_error(KJIT_INVALID_ARGUMENT, "kjit_get_kernel: `out` is NULL");
  *out = nullptr;
  if (!handle || !handle->jit) return set_error(KJIT_INVALID_ARGUMENT, "kjit_get_kernel: `handle` is NULL");
  if (!name || !*name) return set_error(KJIT_INVALID_ARGUMENT, "kjit_get_kernel: `name` is empty");
  if (num_options > 0 && !options)
    return set_error(KJIT_INVALID_ARGUMENT, "kjit_get_kernel_with_options: `options` is NULL");
  try {
    kjit::jit::GetOptions get_options;
    for (size_t i = 0; i < num_options; ++i) {
      if (!options[i]) return set_error(KJIT_INVALID_ARGUMENT, "kjit_get_kernel_with_options: options[" +
                                                                   std::to_string(i) + "] is NULL");
      get_options.options.emplace_back(options[i]);
    }
    // The request allow-list (jit/compiler/options.h): a C caller may be
    // forwarding its own users' text.
    if (auto ok = kjit::jit::check_request_options(get_options.options); !ok) return set_error(ok.error());
    const bool fixed = arch && *arch;
    std::string a = fixed ? std::string(arch) : kjit::jit::default_arch(handle->jit->config());
    auto got = handle->jit->get(name, a, get_options);
    if (!got) return set_error(got.error());
    auto k = std::make_unique<kjit_kernel>();
    k->jit = handle->jit;
    k->artifact = got->artifact;
    k->fixed_arch = fixed;
    k->plan_json = got->artifact->plan.to_json().dump();
    k->compiled = got->status == kjit::jit::GetStatus::compiled;
    k->info_json = kjit::capi::info_json(*got->artifact, got->status);
    if (got->artifact->definition) k->signature_json = kjit::capi::signature_json(*got->artifact->definition);
    *out = k.release();
    t_last_error.clear();
    return KJIT_OK;
  } catch (const std::exception& e) {
    return set_error(KJIT_FAILURE, std::string("kjit_get_kernel: ") + e.what());
  }
}

const unsigned char* kjit_kernel_cubin(const kjit_kernel* kernel) {
  return kernel ? kernel->artifact->cubin.data() : nullptr;
}
size_t kjit_kernel_cubin_size(const kjit_kernel* kernel) { return kernel ? kernel->artifact->cubin.size() : 0; }
const char* kjit_kernel_plan_json(const kjit_kernel* kernel) { return kernel ? kernel->plan_json.c_str() : ""; }
const char* kjit_kernel_key(const kjit_kernel* kernel) { return kernel ? kernel->artifact->key.c_str() : ""; }
const char* kjit_kernel_arch(const kjit_kernel* kernel) { return kernel ? kernel->artifact->arch.c_str() : ""; }
int kjit_kernel_was_compiled(const kjit_kernel* kernel) { return kernel && kernel->compiled ? 1 : 0; }
void kjit_kernel_free(kjit_kernel* kernel) { delete kernel; }
const char* kjit_last_error(void) { return t_last_error.c_str(); }
const char* kjit_kernel_info_json(const kjit_kernel* kernel) { return kernel ? kernel->info_json.c_str() : ""; }
const char* kjit_kernel_signature_json(const kjit_kernel* kernel) { return kernel ? kernel->signature_json.c_str() : ""; }

int kjit_list_json(kjit_handle* handle, char** out) {
  if (!out) return set_error(KJIT_INVALID_ARGUMENT, "kjit_list_json: `out` is NULL");
  *out = nullptr;
  if (!handle || !handle->jit) return set_error(KJIT_INVALID_ARGUMENT, "kjit_list_json: `handle` is NULL");
  try {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const kjit::jit::Definition* d : handle->jit->definitions())
      list.push_back({{"name", d->name},
                      {"op_type", d->op_type},
                      {"template", handle->jit->served_by(*d)},
                      {"tags", d->tags},
                      {"path", d->path.string()}});
    *out = kjit::capi::copy_out(list.dump());
    t_last_error.clear();
    return *out ? KJIT_OK : set_error(KJIT_FAILURE, "kjit_list_json: out of memory");
  } catch (const std::exception& e) {
    return set_error(KJIT_FAILURE, std::string("kjit_list_json: ") + e.what());
  }
}

int kjit_definition_json(kjit_handle* handle, const char* name, char** out) {
  if (!out) return set_error(KJIT_INVALID_ARGUMENT, "kjit_definition_json: `out` is NULL");
  *out = nullptr;
  if (!handle || !handle->jit) return set_error(KJIT_INVALID_ARGUMENT, "kjit_definition_json: `handle` is NULL");
  if (!name || !*name) return set_error(KJIT_INVALID_ARGUMENT, "kjit_definition_json: `name` is empty");
  try {
    const kjit::jit::Definition* d = handle->jit->find(name);
    if (!d) return set_error(KJIT_NOT_FOUND, std::string("unknown definition '") + name + "': see `kjit list`");
    *out = kjit::capi::copy_out(d->raw.dump());
    t_last_error.clear();
    return *out ? KJIT_OK : set_error(KJIT_FAILURE, "kjit_definition_json: out of memory");
  } catch (const std::exception& e) {
    return set_error(KJIT_FAILURE, std::string("kjit_definition_json: ") + e.what());
  }
}

void kjit_free(void* p) { std::free(p); }

int kjit_set_log(int level, const char* dest) {
  if (level < 0 || level > 5) return set_error(KJIT_INVALID_ARGUMENT, "kjit_set_log: level must be 0..5");
  kjit::runtime::configure_launch_log(level, dest ? dest : "stdout");
  t_last_error.clear();
  return KJIT_OK;
}

}  // extern "C"
