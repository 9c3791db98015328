// The NVRTC-backed Compiler (see compiler.h for the steps of a compile).
//
// Thread safety: every call creates and destroys its own nvrtcProgram; the
// only shared state is read-only after first use (toolkit, NVRTC version,
// supported archs; all thread-safe statics). NVRTC documents its API as
// thread-safe for distinct programs; tests/compiler checks 8 concurrent
// compiles give identical output.
#include <nvrtc.h>

#include <chrono>

#include "jit/compiler/arch.h"
#include "jit/compiler/compiler.h"
#include "jit/compiler/nvrtc_library.h"
#include "jit/compiler/nvrtc_version.h"
#include "jit/util/str_cat.h"
#include "jit/compiler/toolkit.h"

namespace kjit::jit {
namespace {


// Owns one nvrtcProgram.
class Program {
 public:
  Program() = default;
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;
  ~Program() {
    if (m_program != nullptr) nvrtcDestroyProgram(&m_program);
  }
  nvrtcProgram* out() { return &m_program; }
  nvrtcProgram get() const { return m_program; }

 private:
  nvrtcProgram m_program = nullptr;
};

std::string program_log(nvrtcProgram program) {
  std::size_t size = 0;
  if (nvrtcGetProgramLogSize(program, &size) != NVRTC_SUCCESS || size == 0) return {};
  std::string log(size, '\0');
  if (nvrtcGetProgramLog(program, log.data()) != NVRTC_SUCCESS) return {};
  while (!log.empty() && log.back() == '\0') log.pop_back();
  return log;
}

std::unexpected<Error> nvrtc_failure(std::string_view what, nvrtcResult result, const CompileRequest& request) {
  return fail(ErrorCode::internal,
              str_cat(request.source_name, ": ", what, " failed: ", nvrtcGetErrorString(result)));
}

// The compile_error for a failed compile: first error, full log as details.
Error compile_error(const CompileRequest& request, nvrtcResult result, const std::string& log) {
  const auto diagnostics = parse_diagnostics(log, request.source_name);
  std::string message;
  if (const Diagnostic* d = first_error(diagnostics, request.source_name)) {
    message = d->line > 0 ? str_cat(d->file, ":", d->line, ": error: ", d->message)
                          : str_cat(d->file, ": error: ", d->message);
  } else {
    message = str_cat(request.source_name, ": error: NVRTC compilation failed (", nvrtcGetErrorString(result),
                      ") without a diagnostic; see the log");
  }
  std::string details = log;
  if (const auto& toolkit = default_toolkit(); !toolkit) {
    details += "\nnote: " + toolkit.error().message + "\n" + toolkit.error().details;
  }
  return Error{ErrorCode::compile_error, std::move(message), std::move(details)};
}

Result<std::vector<std::uint8_t>> read_binary(nvrtcProgram program, const CompileRequest& request) {
  const bool cubin = request.output == OutputKind::cubin;
  std::size_t size = 0;
  nvrtcResult r = cubin ? nvrtcGetCUBINSize(program, &size) : nvrtcGetPTXSize(program, &size);
  if (r != NVRTC_SUCCESS) return nvrtc_failure(cubin ? "nvrtcGetCUBINSize" : "nvrtcGetPTXSize", r, request);
  std::vector<std::uint8_t> binary(size);
  r = cubin ? nvrtcGetCUBIN(program, reinterpret_cast<char*>(binary.data()))
            : nvrtcGetPTX(program, reinterpret_cast<char*>(binary.data()));
  if (r != NVRTC_SUCCESS) return nvrtc_failure(cubin ? "nvrtcGetCUBIN" : "nvrtcGetPTX", r, request);
  if (!cubin && !binary.empty() && binary.back() == 0) binary.pop_back();  // PTX is NUL-terminated text
  if (binary.empty()) {
    return fail(ErrorCode::internal, str_cat(request.source_name, ": NVRTC produced an empty ", to_string(request.output)));
  }
  return binary;
}

class NvrtcCompiler final : public Compiler {
 public:
  explicit NvrtcCompiler(NvrtcSettings settings) : m_settings(settings) {}
  Result<CompileOutput> compile(const CompileRequest& request) const override;
  std::string version() const override { return nvrtc_version_string(); }
  std::string header_version() const override {
    const auto& toolkit = default_toolkit();
    return toolkit ? toolkit->header_version : std::string("none");
  }

 private:
  NvrtcSettings m_settings;
};

Result<CompileOutput> NvrtcCompiler::compile(const CompileRequest& request) const {
  KJIT_TRY_VOID(load_nvrtc());  // a missing library gives its own error, not NVRTC_ERROR_INTERNAL_ERROR
  const auto start = std::chrono::steady_clock::now();  // after the load: wall_ms is the compile
  CompileOutput out;
  out.output = request.output;
  out.options = KJIT_TRY(normalized_options(request));

  std::vector<std::string> all_options = out.options;
  // NVRTC 12.9+ keeps its own on-disk cache (~/.nv/ComputeCache) when a CUDA
  // driver is present. kjit is the cache; and a result NVRTC serves from its
  // cache comes without the ptxas -v report, so resources would silently be
  // empty (seen on the H200 box). Output is the same either way: not hashed.
  all_options.emplace_back("--no-cache");
  if (const auto& toolkit = default_toolkit(); toolkit) {
    for (auto& include : include_options(toolkit->include_dirs)) all_options.push_back(std::move(include));
  }
  if (m_settings.automatic_pch) {
    all_options.emplace_back("-pch");
    all_options.emplace_back("-pch-messages=false");  // keep the log free of temp paths
  }
  std::vector<const char*> argv;
  argv.reserve(all_options.size());
  for (const auto& option : all_options) argv.push_back(option.c_str());

  Program program;
  nvrtcResult r = nvrtcCreateProgram(program.out(), request.source.c_str(), request.source_name.c_str(), 0,
                                     nullptr, nullptr);
  if (r != NVRTC_SUCCESS) return nvrtc_failure("nvrtcCreateProgram", r, request);
  for (const auto& expression : request.name_expressions) {
    r = nvrtcAddNameExpression(program.get(), expression.c_str());
    if (r != NVRTC_SUCCESS) {
      return fail(ErrorCode::invalid_argument, str_cat(request.source_name, ": name expression '", expression,
                                                        "' rejected by NVRTC: ", nvrtcGetErrorString(r)));
    }
  }

  r = nvrtcCompileProgram(program.get(), static_cast<int>(argv.size()), argv.data());
  out.log = program_log(program.get());
  if (r == NVRTC_ERROR_INVALID_OPTION) {
    std::string first = out.log.substr(0, out.log.find('\n'));
    return fail(ErrorCode::invalid_argument,
                str_cat(request.source_name, ": NVRTC rejected the compile options: ",
                        first.empty() ? std::string(nvrtcGetErrorString(r)) : first),
                out.log);
  }
  if (r != NVRTC_SUCCESS) return std::unexpected(compile_error(request, r, out.log));

  out.binary = KJIT_TRY(read_binary(program.get(), request));
  for (const auto& expression : request.name_expressions) {
    const char* lowered = nullptr;
    r = nvrtcGetLoweredName(program.get(), expression.c_str(), &lowered);
    if (r != NVRTC_SUCCESS || lowered == nullptr) {
      return fail(ErrorCode::compile_error,
                  str_cat(request.source_name, ": name expression '", expression,
                          "' does not name a __global__ function or variable in the source"),
                  out.log);
    }
    out.lowered_names.emplace(expression, lowered);
  }
  if (request.output == OutputKind::cubin) out.resources = parse_ptxas_resources(out.log);
  out.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace

std::unique_ptr<Compiler> make_nvrtc_compiler(NvrtcSettings settings) {
  return std::make_unique<NvrtcCompiler>(settings);
}

}  // namespace kjit::jit
