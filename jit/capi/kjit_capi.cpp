// The C API (kjit.h) over the Jit facade: opaque handles wrapping a Jit and
// a shared Artifact; errors become the CLI's exit codes plus a thread-local
// message; no exception crosses the C boundary.
//
// Thread safety: see kjit.h. The Jit is thread-safe; a kjit_kernel holds a
// shared_ptr to an immutable artifact and its own strings.
#include "jit/capi/kjit.h"

#include <exception>
#include <memory>
#include <new>
#include <string>

#include "jit/api/jit.h"
#include "jit/compiler/options.h"

struct kjit_handle {
  std::unique_ptr<kjit::jit::Jit> jit;
};

struct kjit_kernel {
  std::shared_ptr<const kjit::jit::Artifact> artifact;
  std::string plan_json;
  bool compiled = false;
};

namespace {

thread_local std::string t_last_error;

int set_error(const kjit::Error& e) {
  t_last_error = e.full();
  return kjit::exit_code_for(e.code);
}

int set_error(int code, std::string message) {
  t_last_error = std::move(message);
  return code;
}

}  // namespace

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
    *out = new kjit_handle{std::move(*jit)};
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
    std::string a = arch && *arch ? std::string(arch) : kjit::jit::default_arch(handle->jit->config());
    auto got = handle->jit->get(name, a, get_options);
    if (!got) return set_error(got.error());
    auto* k = new kjit_kernel;
    k->artifact = got->artifact;
    k->plan_json = got->artifact->plan.to_json().dump();
    k->compiled = got->status == kjit::jit::GetStatus::compiled;
    *out = k;
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

}  // extern "C"
