// Lazy NVRTC loading and the nvrtc* forwarders (see nvrtc_library.h).
// Thread safety: thread-safe statics only.
#include "jit/compiler/nvrtc_library.h"

#include <cuda.h>  // CUDA_VERSION: the soname's major
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "jit/util/str_cat.h"

// Every nvrtc* definition below is hidden: see nvrtc_library.h.
#pragma GCC visibility push(hidden)
#include <nvrtc.h>
#pragma GCC visibility pop

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;

const std::string k_soname = str_cat("libnvrtc.so.", CUDA_VERSION / 1000);

void add_root(std::vector<fs::path>& dirs, const std::string& root) {
  if (root.empty()) return;
  for (const char* sub : {"lib64", "lib", "targets/x86_64-linux/lib"}) dirs.push_back(fs::path(root) / sub);
}

std::vector<fs::path> candidate_files() {
  std::vector<fs::path> files;
  if (const char* explicit_path = std::getenv("KJIT_NVRTC_LIBRARY"); explicit_path && *explicit_path)
    files.emplace_back(explicit_path);
  std::vector<fs::path> dirs;
  if (const char* ld = std::getenv("LD_LIBRARY_PATH"); ld && *ld) {
    std::string_view rest(ld);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      std::string_view dir = rest.substr(0, colon);
      if (!dir.empty()) dirs.emplace_back(std::string(dir));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
#ifdef KJIT_CUDA_ROOT
  add_root(dirs, KJIT_CUDA_ROOT);
#endif
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) {
    if (const char* value = std::getenv(var); value && *value) add_root(dirs, value);
  }
  add_root(dirs, "/usr/local/cuda");
  for (const auto& dir : dirs) files.push_back(dir / k_soname);
  return files;
}

struct Resolved {
  std::string path;    // absolute, canonical; empty when nothing was found
  std::string tried;   // for error messages
};

const Resolved& resolved() {
  static const Resolved r = [] {
    Resolved out;
    for (const auto& file : candidate_files()) {
      out.tried += (out.tried.empty() ? "" : ", ") + file.string();
      std::error_code ec;
      if (fs::is_regular_file(file, ec)) {
        fs::path canonical = fs::canonical(file, ec);
        out.path = ec ? file.string() : canonical.string();
        return out;
      }
    }
    // Last resort: the dynamic loader's search by soname (ld.so.cache).
    out.tried += (out.tried.empty() ? "" : ", ") + k_soname + " (ld.so.cache)";
    if (void* handle = ::dlopen(k_soname.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      if (void* sym = ::dlsym(handle, "nvrtcVersion")) {
        Dl_info info{};
        if (::dladdr(sym, &info) != 0 && info.dli_fname != nullptr) {
          std::error_code ec;
          fs::path canonical = fs::canonical(info.dli_fname, ec);
          out.path = ec ? std::string(info.dli_fname) : canonical.string();
        }
      }
    }
    return out;
  }();
  return r;
}

struct Loaded {
  void* handle = nullptr;
  std::string error;  // empty when loaded
};

const Loaded& loaded() {
  static const Loaded l = [] {
    Loaded out;
    const Resolved& r = resolved();
    if (r.path.empty()) {
      out.error = str_cat("NVRTC (", k_soname, ") not found; tried ", r.tried,
                          ". Install the CUDA 13 toolkit or set KJIT_NVRTC_LIBRARY to the library file");
      return out;
    }
    out.handle = ::dlopen(r.path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (out.handle == nullptr) {
      const char* why = ::dlerror();
      out.error = str_cat("cannot load NVRTC from ", r.path, ": ", why ? why : "dlopen failed");
    }
    return out;
  }();
  return l;
}

// The library's `name`, or nullptr when it is not loaded or lacks it.
void* symbol(const char* name) {
  const Loaded& l = loaded();
  return l.handle ? ::dlsym(l.handle, name) : nullptr;
}

template <class Fn>
Fn resolve(const char* name) {
  return reinterpret_cast<Fn>(symbol(name));
}

}  // namespace

const std::string& nvrtc_library_path() { return resolved().path; }

Result<void> load_nvrtc() {
  const Loaded& l = loaded();
  if (!l.error.empty()) return fail(ErrorCode::compile_error, l.error);
  return {};
}

}  // namespace kjit::jit

// The forwarders. Each resolves its symbol once (a function-local static);
// a missing library or symbol gives NVRTC_ERROR_INTERNAL_ERROR.
#define KJIT_NVRTC_FORWARD(name, params, args)                                   \
  extern "C" nvrtcResult name params {                                           \
    static const auto fn = kjit::jit::resolve<decltype(&name)>(#name);           \
    return fn ? fn args : NVRTC_ERROR_INTERNAL_ERROR;                            \
  }

KJIT_NVRTC_FORWARD(nvrtcVersion, (int* major, int* minor), (major, minor))
KJIT_NVRTC_FORWARD(nvrtcGetNumSupportedArchs, (int* count), (count))
KJIT_NVRTC_FORWARD(nvrtcGetSupportedArchs, (int* archs), (archs))
KJIT_NVRTC_FORWARD(nvrtcCreateProgram,
                   (nvrtcProgram * prog, const char* src, const char* name, int num_headers,
                    const char* const* headers, const char* const* include_names),
                   (prog, src, name, num_headers, headers, include_names))
KJIT_NVRTC_FORWARD(nvrtcDestroyProgram, (nvrtcProgram * prog), (prog))
KJIT_NVRTC_FORWARD(nvrtcCompileProgram, (nvrtcProgram prog, int num_options, const char* const* options),
                   (prog, num_options, options))
KJIT_NVRTC_FORWARD(nvrtcGetPTXSize, (nvrtcProgram prog, size_t* size), (prog, size))
KJIT_NVRTC_FORWARD(nvrtcGetPTX, (nvrtcProgram prog, char* ptx), (prog, ptx))
KJIT_NVRTC_FORWARD(nvrtcGetCUBINSize, (nvrtcProgram prog, size_t* size), (prog, size))
KJIT_NVRTC_FORWARD(nvrtcGetCUBIN, (nvrtcProgram prog, char* cubin), (prog, cubin))
KJIT_NVRTC_FORWARD(nvrtcGetProgramLogSize, (nvrtcProgram prog, size_t* size), (prog, size))
KJIT_NVRTC_FORWARD(nvrtcGetProgramLog, (nvrtcProgram prog, char* log), (prog, log))
KJIT_NVRTC_FORWARD(nvrtcAddNameExpression, (nvrtcProgram prog, const char* const name_expression),
                   (prog, name_expression))
KJIT_NVRTC_FORWARD(nvrtcGetLoweredName,
                   (nvrtcProgram prog, const char* const name_expression, const char** lowered_name),
                   (prog, name_expression, lowered_name))

#undef KJIT_NVRTC_FORWARD

extern "C" const char* nvrtcGetErrorString(nvrtcResult result) {
  using Fn = const char* (*)(nvrtcResult);
  static const Fn fn = kjit::jit::resolve<Fn>("nvrtcGetErrorString");
  if (fn) return fn(result);
  // Not loaded: the only code the forwarders return is INTERNAL_ERROR.
  static const std::string text = "NVRTC_ERROR_INTERNAL_ERROR (" + kjit::jit::loaded().error + ")";
  return text.c_str();
}
