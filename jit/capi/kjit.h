/* kjit C API: get a compiled CUDA kernel (cubin + launch plan) by definition
 * name from C or any language with a C FFI. Link with -lkjit (libkjit.so).
 *
 * Stability: the functions, the opaque types and the return codes below are
 * a stable ABI; new functions may be added, none changed or removed.
 *
 * Thread safety: a kjit_handle may be used from many threads at once (one
 * compile per key however many threads ask). A kjit_kernel is immutable;
 * free it once. kjit_last_error() is per thread.
 *
 * Return codes are the CLI's exit codes: KJIT_OK (0) ok, 1 failure (I/O,
 * internal), 2 bad argument, 3 not found (unknown name, no template),
 * 4 template or compile error, 5 mismatch, 6 no device. On a non-zero
 * return, *out is NULL and kjit_last_error() says what and where. */
#ifndef KJIT_CAPI_KJIT_H_
#define KJIT_CAPI_KJIT_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  KJIT_OK = 0,
  KJIT_FAILURE = 1,
  KJIT_INVALID_ARGUMENT = 2,
  KJIT_NOT_FOUND = 3,
  KJIT_COMPILE_ERROR = 4,
  KJIT_MISMATCH = 5,
  KJIT_NO_DEVICE = 6
};

typedef struct kjit_handle kjit_handle;
typedef struct kjit_kernel kjit_kernel;

/* Opens kjit. `cache_dir`: the cache folder, or NULL for KJIT_CACHE_DIR /
 * the default; `definitions_dir`: an extra definitions folder searched after
 * kjit's own and KJIT_DEFINITIONS, or NULL. Templates: KJIT_TEMPLATES or the
 * built-in ones. */
int kjit_open(const char* cache_dir, const char* definitions_dir, kjit_handle** out);
/* Closes a handle (NULL is fine). Kernels obtained from it stay valid. */
void kjit_close(kjit_handle* handle);

/* The kernel for definition `name` on `arch` (e.g. "sm_90a"; NULL = KJIT_ARCH,
 * else the device's, else sm_90a): from the cache, or compiled once now. */
int kjit_get_kernel(kjit_handle* handle, const char* name, const char* arch, kjit_kernel** out);

/* Like kjit_get_kernel, with `num_options` extra NVRTC options. Options
 * through the C API are treated as coming from a request (a library caller
 * may be passing its own users' text): only the allow-list of options that
 * change code generation is accepted (-lineinfo, -G, --use_fast_math,
 * --extra-device-vectorization, --restrict, --maxrregcount=16..255,
 * --ftz/--prec-div/--prec-sqrt/--fmad=true|false, --Ofast-compile=0|min|mid|max,
 * -Xptxas=-O0..-O3, -std=c++17|c++20, -DNAME[=VALUE]; at most 32). Anything
 * else (include paths, pre-includes, options that touch files) returns
 * KJIT_INVALID_ARGUMENT and kjit_last_error() names the option. `options`
 * may be NULL when `num_options` is 0. */
int kjit_get_kernel_with_options(kjit_handle* handle, const char* name, const char* arch, const char* const* options,
                                 size_t num_options, kjit_kernel** out);

/* The cubin (ELF) bytes and their size. */
const unsigned char* kjit_kernel_cubin(const kjit_kernel* kernel);
size_t kjit_kernel_cubin_size(const kjit_kernel* kernel);
/* The launch plan as compact JSON (docs/templates.md, "Kernel ABI and launch plan"). */
const char* kjit_kernel_plan_json(const kjit_kernel* kernel);
/* The cache key: 32 lowercase hex digits. */
const char* kjit_kernel_key(const kjit_kernel* kernel);
/* The arch the kernel was compiled for. */
const char* kjit_kernel_arch(const kjit_kernel* kernel);
/* 1 when this call compiled it, 0 when it came from the cache. */
int kjit_kernel_was_compiled(const kjit_kernel* kernel);
void kjit_kernel_free(kjit_kernel* kernel);

/* The message of this thread's last failed call ("" when none). Valid until
 * the next kjit call on this thread. */
const char* kjit_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* KJIT_CAPI_KJIT_H_ */
