// Compiler: rendered CUDA source in, cubin (or PTX) plus metadata out.
//
// `Compiler` is an interface so tests (and `tests/fakes/`) can replace NVRTC.
// `make_nvrtc_compiler()` returns the real one. One compile is one NVRTC
// program, created and destroyed inside `compile()`; nothing is shared
// between calls except read-only process-wide facts (the toolkit, NVRTC's
// version), so every implementation here is safe to call from many threads
// at once.
//
// A compile:
//   1. validates the arch (arch.h) and normalizes the options (options.h);
//   2. appends the toolkit include folders (toolkit.h), `--no-cache` (NVRTC's
//      own disk cache is off: kjit is the cache, and NVRTC's cache hits lose
//      the ptxas report) and the speed-only switches of NvrtcSettings; none of
//      these change the binary, so none is part of the key;
//   3. registers the name expressions, compiles, reads the log;
//   4. on failure returns compile_error "<source_name>:<line>: error: <first
//      error>" with the full log in `details` (invalid_argument when NVRTC
//      rejects an option);
//   5. on success returns the binary, the lowered names of the name
//      expressions, the ptxas resources parsed from the log, the normalized
//      options (exactly as hashed into the key), and the wall time.
//
// Thread safety: implementations must be safe for concurrent `compile()`.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "jit/util/error.h"
#include "jit/compiler/diagnostics.h"
#include "jit/compiler/options.h"
#include "jit/compiler/resources.h"

namespace kjit::jit {

struct CompileRequest {
  std::string source;                     // full rendered translation unit
  std::string source_name = "kernel.cu";  // name NVRTC uses in diagnostics
  std::string arch = "sm_90a";
  OutputKind output = OutputKind::cubin;
  std::vector<std::string> extra_options;     // user options (normalized by the wrapper)
  std::vector<std::string> name_expressions;  // e.g. "kjit_rmsnorm" or "&foo<128>"
  bool lineinfo = false;
  bool debug = false;
};

struct CompileOutput {
  std::vector<std::uint8_t> binary;  // cubin (ELF), or PTX text without the trailing NUL
  OutputKind output = OutputKind::cubin;
  std::string log;                                   // NVRTC program log (+ ptxas -v report)
  std::map<std::string, std::string> lowered_names;  // name expression -> lowered (mangled) name
  std::vector<KernelResources> resources;            // one per entry function (empty for PTX)
  std::vector<std::string> options;                  // normalized options, as hashed into the key
  // The compile: program creation to outputs read back. Loading libnvrtc (dlopen, ~10 ms, a
  // process's first compile only) is not counted; NVRTC's own first-use setup inside that first
  // compile is.
  double wall_ms = 0;
};

class Compiler {
 public:
  virtual ~Compiler() = default;

  virtual Result<CompileOutput> compile(const CompileRequest& request) const = 0;

  // The compiler's identity for the cache key: name, major.minor and a build
  // identifier, e.g. "nvrtc 13.0 (V13.0.88, CL-36424714)".
  virtual std::string version() const = 0;

  // The version of the headers the compiler reads (goes into the key), e.g.
  // "cuda 13000, cccl 3000001". The default, "none", suits a compiler that
  // reads no toolkit headers (fakes).
  virtual std::string header_version() const { return "none"; }

  // The option list `compile()` would use for `request` (what the key hashes).
  // The default normalizes exactly like the NVRTC compiler.
  virtual Result<std::vector<std::string>> normalized_options(const CompileRequest& request) const;
};

// Switches of the NVRTC compiler that change how fast it compiles, never
// what it produces; they are appended after the key options like the
// include paths and are not hashed (tests/compiler checks the cubins match).
struct NvrtcSettings {
  // NVRTC automatic precompiled headers (`-pch`): the first compile in a
  // process with a given header prefix builds a PCH (in a process-wide heap
  // and a temp folder NVRTC removes at exit), later ones reuse it. Measured
  // on the rmsnorm benchmark (docs/perf/compile.md): about -30 ms per later
  // compile, +20..60 ms on the first. Default: off, as one-shot CLI runs
  // compile once; long-lived processes (serve, watch, warmup) turn it on.
  bool automatic_pch = false;
};

// The NVRTC-backed compiler (thread-safe; cheap to create).
std::unique_ptr<Compiler> make_nvrtc_compiler(NvrtcSettings settings = {});

}  // namespace kjit::jit
