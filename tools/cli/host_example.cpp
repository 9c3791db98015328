// Host example generator; see host_example.h.
#include "tools/cli/host_example.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "runtime/dtype_convert.h"

namespace kjit::tools {
namespace {

using jit::Dtype;

// The fixed part of every program: checks, expression helpers, the
// generator, dtype encoders, NVRTC compile and file loading.
constexpr const char* k_prelude = R"kjit_pre(#include <cuda.h>
#include <nvrtc.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#ifndef KJIT_CUDA_INCLUDE
#define KJIT_CUDA_INCLUDE "/usr/local/cuda/include"
#endif

#define CU_CHECK(call)                                                                   \
  do {                                                                                   \
    CUresult r_ = (call);                                                                \
    if (r_ != CUDA_SUCCESS) {                                                            \
      const char* s_ = nullptr;                                                          \
      cuGetErrorString(r_, &s_);                                                         \
      std::fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call, s_ ? s_ : "?"); \
      std::exit(1);                                                                      \
    }                                                                                    \
  } while (0)

#define NVRTC_CHECK(call)                                                                \
  do {                                                                                   \
    nvrtcResult r_ = (call);                                                             \
    if (r_ != NVRTC_SUCCESS) {                                                           \
      std::fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call, nvrtcGetErrorString(r_)); \
      std::exit(1);                                                                      \
    }                                                                                    \
  } while (0)

[[maybe_unused]] static int64_t kjit_min(int64_t a, int64_t b) { return a < b ? a : b; }
[[maybe_unused]] static int64_t kjit_max(int64_t a, int64_t b) { return a > b ? a : b; }
[[maybe_unused]] static int64_t kjit_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Fixed-seed generator: xorshift64*, N(0,1) by Box-Muller.
struct Rng {
  uint64_t state;
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
  }
  double uniform() { return ((next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
  double normal() { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); }
};

static uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7FFF + ((u >> 16) & 1);  // round to nearest even
  return static_cast<uint16_t>(u >> 16);
}

static uint16_t to_f16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint32_t sign = (u >> 16) & 0x8000;
  int32_t exp = static_cast<int32_t>((u >> 23) & 0xFF) - 127 + 15;
  uint32_t mant = u & 0x7FFFFF;
  if (exp <= 0) return static_cast<uint16_t>(sign);          // tiny: flush to zero
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7BFF);  // large: clamp to max finite
  uint32_t h = sign | (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  if ((mant & 0x1FFF) > 0x1000 || ((mant & 0x1FFF) == 0x1000 && (h & 1))) ++h;
  return static_cast<uint16_t>(h);
}

enum class Kind { f32, f16, bf16, e4m3, e5m2, e2m1, i8, i16, i32, i64, boolean };

static int64_t storage_bytes(Kind kind, int64_t numel) {
  switch (kind) {
    case Kind::f32: case Kind::i32: return numel * 4;
    case Kind::f16: case Kind::bf16: case Kind::i16: return numel * 2;
    case Kind::i64: return numel * 8;
    case Kind::e2m1: return (numel + 1) / 2;
    default: return numel;
  }
}

// Random contents for a tensor of `numel` elements of `kind`.
static std::vector<uint8_t> random_bytes(Kind kind, int64_t numel, Rng& rng) {
  std::vector<uint8_t> out(static_cast<size_t>(storage_bytes(kind, numel)));
  for (int64_t i = 0; i < numel; ++i) {
    float x = static_cast<float>(rng.normal());
    switch (kind) {
      case Kind::f32: std::memcpy(&out[i * 4], &x, 4); break;
      case Kind::f16: { uint16_t h = to_f16(x); std::memcpy(&out[i * 2], &h, 2); break; }
      case Kind::bf16: { uint16_t h = to_bf16(x); std::memcpy(&out[i * 2], &h, 2); break; }
      case Kind::e4m3: case Kind::e5m2: out[i] = static_cast<uint8_t>(rng.next() & 0xBF); break;  // |x| <= 2, no NaN
      case Kind::e2m1: out[i / 2] |= static_cast<uint8_t>((rng.next() & 0xB) << (4 * (i % 2))); break;
      case Kind::i8: out[i] = static_cast<uint8_t>(rng.next()); break;
      case Kind::i16: { int16_t v = static_cast<int16_t>(static_cast<int64_t>(rng.next() % 2048) - 1024); std::memcpy(&out[i * 2], &v, 2); break; }
      case Kind::i32: { int32_t v = static_cast<int32_t>(static_cast<int64_t>(rng.next() % 2048) - 1024); std::memcpy(&out[i * 4], &v, 4); break; }
      case Kind::i64: { int64_t v = static_cast<int64_t>(rng.next() % 2048) - 1024; std::memcpy(&out[i * 8], &v, 8); break; }
      case Kind::boolean: out[i] = static_cast<uint8_t>(rng.next() & 1); break;
    }
  }
  return out;
}

static CUdeviceptr upload(const void* data, size_t bytes) {
  CUdeviceptr p = 0;
  CU_CHECK(cuMemAlloc(&p, bytes ? bytes : 1));
  if (bytes) CU_CHECK(cuMemcpyHtoD(p, data, bytes));
  return p;
}

static CUdeviceptr alloc_zeroed(size_t bytes) {
  CUdeviceptr p = 0;
  CU_CHECK(cuMemAlloc(&p, bytes ? bytes : 1));
  CU_CHECK(cuMemsetD8(p, 0, bytes ? bytes : 1));
  return p;
}

static std::vector<char> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path);
    std::exit(1);
  }
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Compiles the embedded source for the target arch with NVRTC; returns the cubin.
static std::vector<char> compile_source(const char* source, const char* name, const char* arch) {
  nvrtcProgram prog;
  NVRTC_CHECK(nvrtcCreateProgram(&prog, source, name, 0, nullptr, nullptr));
  std::string arch_opt = std::string("-arch=") + arch;
  const char* opts[] = {arch_opt.c_str(), "-std=c++17", "-I" KJIT_CUDA_INCLUDE, "-I" KJIT_CUDA_INCLUDE "/cccl"};
  nvrtcResult rc = nvrtcCompileProgram(prog, 4, opts);
  size_t log_size = 0;
  nvrtcGetProgramLogSize(prog, &log_size);
  if (rc != NVRTC_SUCCESS) {
    std::string log(log_size, '\0');
    nvrtcGetProgramLog(prog, &log[0]);
    std::fprintf(stderr, "NVRTC failed:\n%s\n", log.c_str());
    std::exit(1);
  }
  size_t size = 0;
  NVRTC_CHECK(nvrtcGetCUBINSize(prog, &size));
  std::vector<char> cubin(size);
  NVRTC_CHECK(nvrtcGetCUBIN(prog, cubin.data()));
  nvrtcDestroyProgram(&prog);
  return cubin;
}
)kjit_pre";

std::string kind_of(Dtype d) {
  switch (d) {
    case Dtype::float32: return "Kind::f32";
    case Dtype::float16: return "Kind::f16";
    case Dtype::bfloat16: return "Kind::bf16";
    case Dtype::float8_e4m3fn: return "Kind::e4m3";
    case Dtype::float8_e5m2: return "Kind::e5m2";
    case Dtype::float4_e2m1: return "Kind::e2m1";
    case Dtype::int8: return "Kind::i8";
    case Dtype::int16: return "Kind::i16";
    case Dtype::int32: return "Kind::i32";
    case Dtype::int64: return "Kind::i64";
    case Dtype::boolean: return "Kind::boolean";
  }
  return "Kind::f32";
}

// A C identifier fragment for `name` (definition names are identifiers
// already; anything else becomes '_').
std::string ident(std::string_view name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  return out;
}

// A raw-string delimiter that does not occur in `text`.
std::string raw_delimiter(const std::string& text) {
  std::string d = "kjit_src";
  for (int i = 0; text.find(")" + d + "\"") != std::string::npos; ++i) d = "kjit_src" + std::to_string(i);
  return d;
}

std::string dims_expr(const jit::TensorSpec& spec) {
  if (!spec.shape || spec.shape->empty()) return "1";
  std::string out;
  for (const auto& dim : *spec.shape) {
    if (!out.empty()) out += " * ";
    bool numeric = !dim.empty() && std::all_of(dim.begin(), dim.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    out += numeric ? "int64_t(" + dim + ")" : "v_" + ident(dim);
  }
  return out;
}

const char* int_ctype(Dtype d) {
  switch (d) {
    case Dtype::int8: return "int8_t";
    case Dtype::int16: return "int16_t";
    case Dtype::int32: return "int32_t";
    case Dtype::int64: return "int64_t";
    case Dtype::boolean: return "uint8_t";
    default: return nullptr;
  }
}

}  // namespace

Result<std::string> plan_expr_to_cpp(std::string_view expr, const std::function<bool(std::string_view)>& known) {
  std::string out;
  std::size_t i = 0;
  while (i < expr.size()) {
    char c = expr[i];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[j])) || expr[j] == '_')) ++j;
      std::string_view name = expr.substr(i, j - i);
      if (name == "min" || name == "max" || name == "ceil_div") {
        out += "kjit_" + std::string(name);
      } else if (known(name)) {
        out += "v_" + std::string(name);
      } else {
        return fail(ErrorCode::invalid_argument,
                    "launch plan expression '" + std::string(expr) + "' uses unknown name '" + std::string(name) + "'");
      }
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      while (j < expr.size() && std::isdigit(static_cast<unsigned char>(expr[j]))) ++j;
      out += "int64_t(" + std::string(expr.substr(i, j - i)) + ")";
      i = j;
    } else if (std::string_view("+-*/%(), \t").find(c) != std::string_view::npos) {
      out += c;
      ++i;
    } else {
      return fail(ErrorCode::invalid_argument,
                  "launch plan expression '" + std::string(expr) + "': unexpected character '" + std::string(1, c) + "'");
    }
  }
  return out.empty() ? std::string("int64_t(0)") : out;
}

Result<std::string> generate_host_example(const HostExampleSpec& spec) {
  const jit::Definition& def = *spec.definition;
  const jit::LaunchPlan& plan = *spec.plan;
  const runtime::InputSet& inputs = *spec.inputs;
  std::set<std::string, std::less<>> names = {"num_sms"};
  auto known = [&](std::string_view n) { return names.contains(n); };
  std::ostringstream o;
  o << "// Invocation example generated by `kjit export` for " << def.name << " (" << def.op_type << ", "
    << spec.arch << ").\n"
    << "// Build: g++ -std=c++17 -I/usr/local/cuda/include example.cpp -L/usr/local/cuda/lib64 -lnvrtc -lcuda\n"
    << "// Run:   ./a.out [kernel.cubin]   (no argument: compiles the embedded source_code with NVRTC)\n"
    << "// Axes: " << spec.axes_origin << ". Launch geometry comes from the kjit launch plan.\n"
    << k_prelude << "\n";
  std::string delim = raw_delimiter(spec.source);
  o << "static const char* const k_source = R\"" << delim << "(" << spec.source << ")" << delim << "\";\n";
  o << "static const char* const k_arch = \"" << spec.arch << "\";\n\n";

  // Embedded integer tensors.
  constexpr std::int64_t k_embed_limit = 1 << 20;
  std::set<std::string> embedded;
  for (const auto& [name, t] : inputs.inputs) {
    const char* ct = int_ctype(t.dtype);
    if (t.scalar || !ct || t.numel() > k_embed_limit) continue;
    o << "static const " << ct << " k_" << ident(name) << "[" << std::max<std::int64_t>(1, t.numel()) << "] = {";
    for (std::int64_t i = 0; i < t.numel(); ++i) o << (i ? (i % 16 ? ", " : ",\n    ") : "") << t.get_int(i);
    if (t.numel() == 0) o << "0";
    o << "};\n";
    embedded.insert(name);
  }

  o << "\nint main(int argc, char** argv) {\n"
    << "  CU_CHECK(cuInit(0));\n"
    << "  CUdevice dev;\n  CU_CHECK(cuDeviceGet(&dev, 0));\n"
    << "  CUcontext ctx;\n  CU_CHECK(cuDevicePrimaryCtxRetain(&ctx, dev));\n  CU_CHECK(cuCtxSetCurrent(ctx));\n"
    << "  int sm_count = 0;\n"
    << "  CU_CHECK(cuDeviceGetAttribute(&sm_count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));\n"
    << "  const int64_t v_num_sms = sm_count;\n  (void)v_num_sms;\n"
    << "  std::vector<char> image = argc > 1 ? read_file(argv[1]) : compile_source(k_source, \"" << ident(def.name)
    << ".cu\", k_arch);\n"
    << "  CUmodule module;\n  CU_CHECK(cuModuleLoadData(&module, image.data()));\n\n  // Axes.\n";
  for (const auto& axis : def.axes) {
    auto it = inputs.binding.values.find(axis.name);
    if (it == inputs.binding.values.end())
      return fail(ErrorCode::internal, "axis '" + axis.name + "' of " + def.name + " is not bound");
    o << "  const int64_t v_" << ident(axis.name) << " = " << it->second << ";  // "
      << (axis.kind == jit::AxisKind::const_ ? "const" : "var") << "\n";
    names.insert(axis.name);
  }
  if (!plan.params.empty()) o << "\n  // Launch parameters (launch plan \"params\"): the plan's defaults; set your own (e.g. a seed).\n";
  for (const auto& param : plan.params) {
    auto e = KJIT_TRY(plan_expr_to_cpp(param.default_value, known));
    o << "  const int64_t v_" << ident(param.name) << " = " << e << ";"
      << (param.advance.empty() ? "" : "  // advance by " + param.advance + " per launch for fresh random numbers") << "\n";
    names.insert(param.name);
  }
  if (!plan.lets.empty()) o << "\n  // Lets (launch plan).\n";
  for (const auto& let : plan.lets) {
    auto e = KJIT_TRY(plan_expr_to_cpp(let.expr, known));
    o << "  const int64_t v_" << ident(let.name) << " = " << e << ";\n";
    names.insert(let.name);
  }

  o << "\n  // Inputs.\n  Rng rng{0x9E3779B97F4A7C15ULL};\n";
  std::set<std::string, std::less<>> tensors, scalars, workspaces;
  for (const auto& spec_in : def.inputs) {
    const runtime::HostTensor* t = inputs.find(spec_in.name);
    std::string id = ident(spec_in.name);
    if (spec_in.is_scalar()) {
      scalars.insert(spec_in.name);
      double v = t ? t->get(0) : 0.0;
      std::string ct(dtype_cuda_type(spec_in.dtype));
      if (spec_in.dtype == Dtype::float32) {
        std::ostringstream num;
        num.precision(9);
        num << v;
        std::string text = num.str();
        // "1" + "f" is no C++ literal: keep a decimal point (1.0f) where the number has none.
        if (text.find_first_of(".eEnN") == std::string::npos) text += ".0";
        o << "  float s_" << id << " = " << text << "f;\n";
      } else if (const char* ic = int_ctype(spec_in.dtype)) {
        o << "  " << ic << " s_" << id << " = " << (t ? t->get_int(0) : 0) << ";\n";
      } else {  // 16-bit or narrower float scalar: its exact bits
        o << "  unsigned char s_" << id << "[" << (t ? t->bytes.size() : 2) << "] = {";
        if (t)
          for (std::size_t i = 0; i < t->bytes.size(); ++i) o << (i ? ", " : "") << int(t->bytes[i]);
        o << "};  // " << ct << " bits\n";
      }
      continue;
    }
    tensors.insert(spec_in.name);
    o << "  const int64_t n_" << id << " = " << dims_expr(spec_in) << ";\n";
    if (embedded.contains(spec_in.name)) {
      o << "  CUdeviceptr d_" << id << " = upload(k_" << id << ", sizeof(k_" << id << "[0]) * size_t(n_" << id
        << "));  // " << dtype_name(spec_in.dtype) << ", index/integer data from kjit\n";
    } else {
      o << "  std::vector<uint8_t> h_" << id << " = random_bytes(" << kind_of(spec_in.dtype) << ", n_" << id
        << ", rng);\n  CUdeviceptr d_" << id << " = upload(h_" << id << ".data(), h_" << id << ".size());  // "
        << dtype_name(spec_in.dtype) << "\n";
    }
  }
  o << "\n  // Outputs (zeroed).\n";
  for (const auto& out : def.outputs) {
    std::string id = ident(out.name);
    tensors.insert(out.name);
    o << "  const int64_t n_" << id << " = " << dims_expr(out) << ";\n"
      << "  CUdeviceptr d_" << id << " = alloc_zeroed(size_t(storage_bytes(" << kind_of(out.dtype) << ", n_" << id
      << ")));  // " << dtype_name(out.dtype) << "\n";
  }
  if (!plan.workspace.empty()) o << "\n  // Workspace (launch plan).\n";
  for (const auto& ws : plan.workspace) {
    auto e = KJIT_TRY(plan_expr_to_cpp(ws.bytes, known));
    std::string id = ident(ws.name);
    o << "  CUdeviceptr d_" << id << " = 0;\n  CU_CHECK(cuMemAlloc(&d_" << id << ", size_t(kjit_max(1, " << e
      << "))));\n";
    if (ws.zero) o << "  CU_CHECK(cuMemsetD8(d_" << id << ", 0, size_t(kjit_max(1, " << e << "))));\n";
    workspaces.insert(ws.name);
  }

  o << "\n  // Launches, in order, on the default stream.\n";
  int index = 0;
  for (const auto& l : plan.launches) {
    o << "  {\n    CUfunction fn;\n    CU_CHECK(cuModuleGetFunction(&fn, module, \"" << l.entry << "\"));\n";
    const char* axes3[] = {"x", "y", "z"};
    for (int d = 0; d < 3; ++d) {
      o << "    const int64_t grid_" << axes3[d] << " = " << KJIT_TRY(plan_expr_to_cpp(l.grid[d], known)) << ";\n";
    }
    for (int d = 0; d < 3; ++d) {
      o << "    const int64_t block_" << axes3[d] << " = " << KJIT_TRY(plan_expr_to_cpp(l.block[d], known)) << ";\n";
    }
    o << "    const int64_t shared_bytes = " << KJIT_TRY(plan_expr_to_cpp(l.shared_bytes, known)) << ";\n";
    o << "    void* params[] = {";
    bool first = true;
    for (const auto& arg : l.args) {
      std::string id = ident(arg);
      std::string ref;
      if (tensors.contains(arg) || workspaces.contains(arg)) ref = "&d_" + id;
      else if (scalars.contains(arg)) ref = "&s_" + id;
      else if (names.contains(arg) && arg != "num_sms") ref = "const_cast<int64_t*>(&v_" + id + ")";
      else
        return fail(ErrorCode::invalid_argument, "launch " + std::to_string(index) + " (" + l.entry + ") argument '" +
                                                     arg + "' is not a tensor, scalar, axis, let or workspace of " +
                                                     def.name);
      o << (first ? "" : ", ") << ref;
      first = false;
    }
    if (first) o << "nullptr";
    o << "};\n"
      << "    if (grid_x > 0 && grid_y > 0 && grid_z > 0) {  // a zero grid dimension skips the launch\n"
      << "      if (shared_bytes > 48 * 1024)\n"
      << "        CU_CHECK(cuFuncSetAttribute(fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, int(shared_bytes)));\n"
      << "      CU_CHECK(cuLaunchKernel(fn, unsigned(grid_x), unsigned(grid_y), unsigned(grid_z), unsigned(block_x),\n"
      << "                              unsigned(block_y), unsigned(block_z), unsigned(shared_bytes), nullptr, params,\n"
      << "                              nullptr));\n"
      << "    }\n  }\n";
    ++index;
  }
  o << "  CU_CHECK(cuCtxSynchronize());\n\n";
  if (!def.outputs.empty()) {
    std::string id = ident(def.outputs.front().name);
    o << "  // Read back the first output and print a checksum of its bytes.\n"
      << "  std::vector<uint8_t> result(size_t(storage_bytes(" << kind_of(def.outputs.front().dtype) << ", n_" << id
      << ")));\n"
      << "  if (!result.empty()) CU_CHECK(cuMemcpyDtoH(result.data(), d_" << id << ", result.size()));\n"
      << "  uint64_t checksum = 1469598103934665603ULL;\n"
      << "  for (uint8_t b : result) checksum = (checksum ^ b) * 1099511628211ULL;\n"
      << "  std::printf(\"" << def.name << ": %zu launch(es) ok; " << def.outputs.front().name
      << " %zu bytes, fnv1a %016llx\\n\", size_t(" << plan.launches.size()
      << "), result.size(), (unsigned long long)checksum);\n\n";
  }
  o << "  // Release.\n";
  for (const auto& n : tensors) o << "  CU_CHECK(cuMemFree(d_" << ident(n) << "));\n";
  for (const auto& n : workspaces) o << "  CU_CHECK(cuMemFree(d_" << ident(n) << "));\n";
  o << "  CU_CHECK(cuModuleUnload(module));\n  CU_CHECK(cuDevicePrimaryCtxRelease(dev));\n  return 0;\n}\n";
  return o.str();
}

}  // namespace kjit::tools
