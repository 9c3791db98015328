// Lazy hiredis; see hiredis_library.h.
#include "cache/remote/hiredis_library.h"

#include <dlfcn.h>

#include <string>

#include "jit/util/str_cat.h"

namespace kjit::cache::remote {
namespace {

#define KJIT_STRINGIFY2(x) #x
#define KJIT_STRINGIFY(x) KJIT_STRINGIFY2(x)
constexpr const char* k_soname = "libhiredis.so." KJIT_STRINGIFY(HIREDIS_SONAME);

struct Loaded {
  Hiredis table{};
  std::string error;
};

template <class F>
bool bind(void* handle, const char* name, F& out, std::string& error) {
  void* sym = ::dlsym(handle, name);
  if (!sym) {
    error = str_cat(k_soname, " has no symbol ", name);
    return false;
  }
  out = reinterpret_cast<F>(sym);
  return true;
}

Loaded load() {
  Loaded out;
  void* handle = ::dlopen(k_soname, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = ::dlerror();
    out.error = str_cat("cannot load ", k_soname, " for the remote cache (", why ? why : "dlopen failed",
                        "): install the Debian package libhiredis", KJIT_STRINGIFY(HIREDIS_SONAME),
                        ", or unset KJIT_REMOTE_CACHE");
    return out;
  }
  Hiredis& t = out.table;
  if (!bind(handle, "redisConnectWithTimeout", t.connect_tcp, out.error) ||
      !bind(handle, "redisConnectUnixWithTimeout", t.connect_unix, out.error) ||
      !bind(handle, "redisSetTimeout", t.set_timeout, out.error) ||
      !bind(handle, "redisCommandArgv", t.command_argv, out.error) ||
      !bind(handle, "freeReplyObject", t.free_reply, out.error) ||
      !bind(handle, "redisFree", t.free_context, out.error))
    return out;
  return out;
}

}  // namespace

Result<const Hiredis*> load_hiredis() {
  static const Loaded loaded = load();
  if (!loaded.error.empty()) return fail(ErrorCode::io_error, loaded.error);
  return &loaded.table;
}

}  // namespace kjit::cache::remote
