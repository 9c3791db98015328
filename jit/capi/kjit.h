/* kjit C API: get a compiled CUDA kernel (cubin + launch plan) by definition
 * name from C or any language with a C FFI, and launch it on your tensors.
 * Link with -lkjit (libkjit.so).
 *
 * Stability: the functions, the opaque types, the structs and the return
 * codes below are a stable ABI; new functions may be added, none changed or
 * removed; structs never change (kjit_launch_options grows only at its end,
 * guarded by its `size` field).
 *
 * Thread safety: a kjit_handle may be used from many threads at once (one
 * compile per key however many threads ask). A kjit_kernel may be launched
 * from many threads at once, on any streams and devices; free it once (no
 * launch in progress). Kernels hold what they need of the handle, so they
 * stay valid after kjit_close. kjit_last_error() is per thread.
 *
 * Return codes are the CLI's exit codes: KJIT_OK (0) ok, 1 failure (I/O,
 * internal), 2 bad argument, 3 not found (unknown name, no template),
 * 4 template or compile error, 5 mismatch, 6 no device. On a non-zero
 * return, *out is NULL and kjit_last_error() says what and where. */
#ifndef KJIT_CAPI_KJIT_H_
#define KJIT_CAPI_KJIT_H_

#include <stddef.h>
#include <stdint.h>

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

/* ---- Catalog ------------------------------------------------------------
 * JSON strings returned through `char** out` are allocated by kjit; free
 * them with kjit_free. */

/* [{"name", "op_type", "template" ("" when none serves it), "tags", "path"}...] */
int kjit_list_json(kjit_handle* handle, char** out);
/* The definition `name` as JSON (flashinfer-trace schema). */
int kjit_definition_json(kjit_handle* handle, const char* name, char** out);
void kjit_free(void* p);

/* {"name", "key", "arch", "status": "compiled"|"hit"|"memory_hit"|"remote_hit", "template",
 *  "compile_ms", "cubin_bytes", "registers", "spill_bytes", "resources": [...]}.
 * Valid while the kernel lives. */
const char* kjit_kernel_info_json(const kjit_kernel* kernel);

/* ---- Launching ----------------------------------------------------------
 * A tensor is described the DLPack way: kjit_tensor has exactly the layout
 * of DLPack's DLTensor (dlpack.h 0.6 and later; kjit's build checks it), so
 * a `DLTensor*` (e.g. `&managed->dl_tensor`) may be passed as a
 * `kjit_tensor*`. `strides` counts elements and may be NULL (compact
 * row-major); `byte_offset` is added to `data`. */
typedef struct kjit_device {
  int32_t device_type; /* KJIT_DL_CUDA, KJIT_DL_CUDA_MANAGED (others are refused) */
  int32_t device_id;   /* CUDA device ordinal */
} kjit_device;

typedef struct kjit_dtype {
  uint8_t code;   /* KJIT_DL_INT, _UINT, _FLOAT, _BFLOAT, _BOOL, _FLOAT8_*, _FLOAT4_E2M1FN */
  uint8_t bits;
  uint16_t lanes; /* 1 */
} kjit_dtype;

typedef struct kjit_tensor {
  void* data;
  kjit_device device;
  int32_t ndim;
  kjit_dtype dtype;
  int64_t* shape;
  int64_t* strides;
  uint64_t byte_offset;
} kjit_tensor;

/* DLPack device types and dtype codes (DLPack 1.1 numbering; bool is also
 * accepted as unsigned 8-bit, as DLPack 0.6 producers export it). */
enum {
  KJIT_DL_CPU = 1,
  KJIT_DL_CUDA = 2,
  KJIT_DL_CUDA_HOST = 3,
  KJIT_DL_CUDA_MANAGED = 13
};
enum {
  KJIT_DL_INT = 0,
  KJIT_DL_UINT = 1,
  KJIT_DL_FLOAT = 2,
  KJIT_DL_BFLOAT = 4,
  KJIT_DL_BOOL = 6,
  KJIT_DL_FLOAT8_E4M3FN = 10,
  KJIT_DL_FLOAT8_E5M2 = 12,
  KJIT_DL_FLOAT4_E2M1FN = 17
};

/* A scalar input: `value`, or `int_value` when `is_integer` is non-zero;
 * converted to the definition's dtype. */
typedef struct kjit_scalar {
  double value;
  int64_t int_value;
  int32_t is_integer;
  int32_t reserved; /* 0 */
} kjit_scalar;

/* Launch options. Set `size` to sizeof(kjit_launch_options) (fields may be
 * added at the end; kjit reads only what `size` covers); NULL = defaults. */
typedef struct kjit_launch_options {
  uint32_t size;
  uint32_t flags;            /* KJIT_LAUNCH_* */
  void* workspace;           /* caller's workspace (device memory), NULL = the stream's */
  uint64_t workspace_bytes;  /* its size; kjit_resolve says how much a launch needs */
  int64_t num_sms;           /* kjit_resolve only: SMs the plan sees; 0 = the device's, else 132 */
} kjit_launch_options;

/* Launch in the primary context of the tensors' device, switching to it for
 * the call when another context is current (default: the current context;
 * tensors on another device are an error). */
#define KJIT_LAUNCH_DEVICE_FROM_TENSORS 1u

/* Launches `kernel` on `stream` (a CUstream; NULL = the legacy default
 * stream) in the current CUDA context (the primary context of the tensors'
 * device when none is current, made current). `tensors`: every tensor
 * input then every output, in definition order (n of them); `scalars`: the
 * scalar inputs in definition order (m). Checks every dtype, rank, shape,
 * contiguity, alignment and device against the definition and infers the
 * var axes from the shapes; errors name the tensor, the axis and both
 * values (KJIT_INVALID_ARGUMENT). Asynchronous; no allocation, lock or
 * synchronization once a context and shape have been seen, so the call can
 * be captured into a CUDA graph. */
int kjit_launch(kjit_kernel* kernel, const kjit_tensor* tensors, size_t n, const kjit_scalar* scalars, size_t m,
                void* stream);
/* kjit_launch with names (`tensor_names[i]` names tensors[i], any order;
 * NULL = definition order; likewise `scalar_names`) and options (NULL =
 * defaults). */
int kjit_launch_ex(kjit_kernel* kernel, const char* const* tensor_names, const kjit_tensor* tensors, size_t n,
                   const char* const* scalar_names, const kjit_scalar* scalars, size_t m, void* stream,
                   const kjit_launch_options* options);
/* What kjit_launch_ex would do, without launching (needs no GPU): JSON
 * {"definition", "arch", "num_sms", "axes": {...}, "workspace_bytes",
 *  "workspace": [{"name", "bytes", "offset", "zero"}], "launches": [{"entry",
 *  "grid", "block", "shared_bytes", "pdl", "skipped", "args": [{"name",
 *  "kind": "tensor"|"workspace"|"int64"|"scalar", "size", "pointer"|"value"|"bits"}]}]}
 * in *json (free with kjit_free). */
int kjit_resolve(kjit_kernel* kernel, const char* const* tensor_names, const kjit_tensor* tensors, size_t n,
                 const char* const* scalar_names, const kjit_scalar* scalars, size_t m, const kjit_launch_options* options,
                 char** json);
/* The kernel's argument contract as JSON: {"name", "op_type", "axes": [{"name",
 * "kind": "const"|"var", "value"}], "inputs": [{"name", "dtype", "shape"
 * (axis names; null for a scalar), "scalar"}], "outputs": [...]}.
 * Valid while the kernel lives. */
const char* kjit_kernel_signature_json(const kjit_kernel* kernel);

/* Overrides KJIT_LOGLEVEL (0..5) and KJIT_LOGDEST ("stdout", "stderr" or a
 * file path, %i = process id; NULL = stdout) for this process. */
int kjit_set_log(int level, const char* dest);

#ifdef __cplusplus
}
#endif

#endif /* KJIT_CAPI_KJIT_H_ */
