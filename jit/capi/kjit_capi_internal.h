// Internals shared by the C API's translation units: the opaque structs
// behind kjit_handle and kjit_kernel, the thread-local error, and the
// launchable kernel built on first use.
//
// Thread safety: kjit_kernel's launchable Kernel is built once (call_once);
// the rest is immutable after kjit_get_kernel.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "jit/api/jit.h"
#include "jit/capi/kjit.h"
#include "jit/util/error.h"
#include "runtime/kernel.h"

struct kjit_handle {
  std::shared_ptr<kjit::jit::Jit> jit;
};

struct kjit_kernel {
  std::shared_ptr<kjit::jit::Jit> jit;  // keeps the definitions and, for other archs, the compiler alive
  std::shared_ptr<const kjit::jit::Artifact> artifact;
  bool fixed_arch = false;  // an arch was given: no per-device arch
  std::string plan_json;
  std::string info_json;
  std::string signature_json;
  bool compiled = false;
  std::once_flag once;
  std::shared_ptr<kjit::runtime::Kernel> kernel;  // after `once`
  kjit::Error kernel_error;                        // why `kernel` is null
};

namespace kjit::capi {

extern thread_local std::string t_last_error;

// Records `e` (or `message`) as this thread's last error; returns the code.
int set_error(const Error& e);
int set_error(int code, std::string message);

// A malloc'd copy (kjit_free), or null when out of memory.
char* copy_out(const std::string& text);

// The kernel's runtime::Kernel, built on first use.
Result<runtime::Kernel*> launchable(kjit_kernel* kernel);

}  // namespace kjit::capi
