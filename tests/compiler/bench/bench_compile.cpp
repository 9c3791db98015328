// bench_compile: how long NVRTC takes to compile a representative kernel
// (bf16 RMSNorm, hidden 4096) for sm_90a, next to `nvcc -cubin` of the same
// source, and what makes NVRTC faster or slower (headers, options, PCH).
//
// Usage: kjit_compiler_bench [--iterations N] [--nvcc-iterations N] [--arch A]
//        kjit_compiler_bench --source FILE [--entry NAME] [--iterations ROUNDS] [--arch A]
// Prints a Markdown report on stdout (tools/bench/bench_compile.sh stores it in
// docs/perf/compile.md). Every variant compiles once untimed (warm-up: the
// first NVRTC call in a process loads libnvrtc-builtins), then N timed runs;
// the table shows median and min wall time and median CPU time (CPU time is
// what a loaded, shared machine distorts least). Every timed compile gets a
// source no earlier one had ("// run N" appended), as kjit only compiles on a
// cache miss. nvcc runs as one process per compile (`-cubin`: device code
// only, no host compilation).
//
// Thread safety: single-threaded program.
#include <nvrtc.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/compiler/compiler.h"
#include "jit/compiler/toolkit.h"

namespace {

using namespace kjit::jit;

// Element type helpers: either cuda_bf16.h or a header-free equivalent built
// on PTX cvt instructions (sm_80+), so the kernel body is identical.
constexpr const char* k_types_header = R"(#include <cuda_bf16.h>
typedef __nv_bfloat16 bf16;
__device__ __forceinline__ float to_float(bf16 v) { return __bfloat162float(v); }
__device__ __forceinline__ bf16 to_bf16(float v) { return __float2bfloat16(v); }
)";

constexpr const char* k_types_header_fp16_too = R"(#include <cuda_bf16.h>
#include <cuda_fp16.h>
typedef __nv_bfloat16 bf16;
__device__ __forceinline__ float to_float(bf16 v) { return __bfloat162float(v); }
__device__ __forceinline__ bf16 to_bf16(float v) { return __float2bfloat16(v); }
)";

constexpr const char* k_types_plain = R"(struct __align__(2) bf16 { unsigned short bits; };
__device__ __forceinline__ float to_float(bf16 v) { return __uint_as_float(static_cast<unsigned>(v.bits) << 16); }
__device__ __forceinline__ bf16 to_bf16(float v) {
  bf16 r;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r.bits) : "f"(v));
  return r;
}
)";

// One block per row; 256 threads; each thread loads 16 elements as two
// 16-byte vectors; warp shuffle + shared-memory block reduction.
constexpr const char* k_kernel = R"(
constexpr int k_hidden = 4096;
constexpr int k_threads = 256;
constexpr int k_vec = 8;  // bf16 per 16-byte load
constexpr int k_per_thread = k_hidden / k_threads;
constexpr int k_loads = k_per_thread / k_vec;

struct __align__(16) vec8 { bf16 v[k_vec]; };

__device__ __forceinline__ float warp_sum(float x) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) x += __shfl_xor_sync(0xffffffffu, x, offset);
  return x;
}

__device__ __forceinline__ float block_sum(float x) {
  __shared__ float partial[k_threads / 32];
  __shared__ float total;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  x = warp_sum(x);
  if (lane == 0) partial[warp] = x;
  __syncthreads();
  if (warp == 0) {
    x = lane < k_threads / 32 ? partial[lane] : 0.f;
    x = warp_sum(x);
    if (lane == 0) total = x;
  }
  __syncthreads();
  return total;
}

extern "C" __global__ void __launch_bounds__(k_threads)
rmsnorm_kernel(const bf16* __restrict__ x, const bf16* __restrict__ w, bf16* __restrict__ y, int rows, float eps) {
  const int row = blockIdx.x;
  if (row >= rows) return;
  const vec8* xr = reinterpret_cast<const vec8*>(x + static_cast<long long>(row) * k_hidden);
  const vec8* wr = reinterpret_cast<const vec8*>(w);
  vec8* yr = reinterpret_cast<vec8*>(y + static_cast<long long>(row) * k_hidden);
  float v[k_per_thread];
  float sq = 0.f;
#pragma unroll
  for (int i = 0; i < k_loads; ++i) {
    const vec8 in = xr[i * k_threads + threadIdx.x];
#pragma unroll
    for (int j = 0; j < k_vec; ++j) {
      v[i * k_vec + j] = to_float(in.v[j]);
      sq += v[i * k_vec + j] * v[i * k_vec + j];
    }
  }
  const float scale = rsqrtf(block_sum(sq) / k_hidden + eps);
#pragma unroll
  for (int i = 0; i < k_loads; ++i) {
    const vec8 wv = wr[i * k_threads + threadIdx.x];
    vec8 out;
#pragma unroll
    for (int j = 0; j < k_vec; ++j) out.v[j] = to_bf16(v[i * k_vec + j] * scale * to_float(wv.v[j]));
    yr[i * k_threads + threadIdx.x] = out;
  }
}
)";

std::string source_with(const char* types) { return std::string(types) + k_kernel; }

struct Stats {
  double median = -1, min = -1;  // wall ms
  double cpu_median = -1;        // CPU ms (this process + waited-for children)
};

double cpu_ms() {
  timespec self{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &self);
  rusage children{};
  getrusage(RUSAGE_CHILDREN, &children);
  auto tv_ms = [](const timeval& tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; };
  return self.tv_sec * 1e3 + self.tv_nsec / 1e6 + tv_ms(children.ru_utime) + tv_ms(children.ru_stime);
}

// Runs `once(i)` `iterations` times; each call must compile a source no
// earlier call compiled (callers append "// run i"), so no cache inside
// NVRTC could serve it.
Stats measure(int iterations, const std::function<bool(int)>& once) {
  std::vector<double> wall, cpu;
  for (int i = 0; i < iterations; ++i) {
    const double cpu_start = cpu_ms();
    const auto start = std::chrono::steady_clock::now();
    if (!once(i)) return {};
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    cpu.push_back(cpu_ms() - cpu_start);
  }
  std::ranges::sort(wall);
  std::ranges::sort(cpu);
  return {wall[wall.size() / 2], wall.front(), cpu[cpu.size() / 2]};
}

std::string unique(const std::string& source, int run) { return source + "// run " + std::to_string(run) + "\n"; }

// `nvcc -cubin` of `source` (+ "// run N") written to DIR/STEM.cu: device code only, no host
// compilation; one process per compile. `dir` is a fresh temporary folder of this process.
struct NvccRunner {
  std::filesystem::path dir;
  std::string stem, source, command;
  NvccRunner(std::string stem_, std::string source_, const std::string& arch)
      : dir(std::filesystem::temp_directory_path() / ("kjit_bench_" + std::to_string(::getpid()))),
        stem(std::move(stem_)), source(std::move(source_)) {
    std::filesystem::create_directories(dir);
    command = std::string(KJIT_NVCC) + " -cubin -arch=" + arch + " -std=c++17 -o " + (dir / (stem + ".cubin")).string() +
              " " + (dir / (stem + ".cu")).string();
  }
  bool operator()(int run) const {
    std::ofstream(dir / (stem + ".cu")) << unique(source, run);
    return std::system(command.c_str()) == 0;
  }
};

// A raw NVRTC compile (for options the Compiler deliberately does not
// expose, such as PCH); returns false and prints the log on failure.
bool raw_compile(const std::string& source, const std::vector<std::string>& options) {
  nvrtcProgram program = nullptr;
  nvrtcCreateProgram(&program, source.c_str(), "rmsnorm.cu", 0, nullptr, nullptr);
  std::vector<const char*> argv;
  for (const auto& o : options) argv.push_back(o.c_str());
  const nvrtcResult r = nvrtcCompileProgram(program, static_cast<int>(argv.size()), argv.data());
  std::size_t cubin = 0;
  if (r == NVRTC_SUCCESS) nvrtcGetCUBINSize(program, &cubin);
  if (r != NVRTC_SUCCESS || cubin == 0) {
    std::size_t size = 0;
    nvrtcGetProgramLogSize(program, &size);
    std::string log(size, '\0');
    nvrtcGetProgramLog(program, log.data());
    std::fprintf(stderr, "raw compile failed (%s):\n%s\n", nvrtcGetErrorString(r), log.c_str());
  }
  nvrtcDestroyProgram(&program);
  return r == NVRTC_SUCCESS && cubin > 0;
}

// Where one compile spends its time, from NVRTC's own trace
// (--fdevice-time-trace): front end, NVVM, ptxas, and the headers parsed.
std::string phase_breakdown(const std::string& source, std::vector<std::string> options,
                            const std::filesystem::path& dir) {
  const auto trace = dir / "trace";
  options.push_back("--fdevice-time-trace=" + trace.string());
  if (!raw_compile(source, options)) return "trace failed\n";
  std::filesystem::path file = trace;
  if (!std::filesystem::exists(file)) file += ".json";  // NVRTC appends ".json"
  std::ifstream in(file);
  const auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded() || !json.contains("traceEvents")) return "trace unreadable\n";
  std::string out = "| phase | ms |\n| --- | ---: |\n";
  for (const auto& event : json["traceEvents"]) {
    if (event.value("ph", "") != "X") continue;
    const std::string name = event.value("name", "");
    const double ms = event.value("dur", 0.0) / 1000.0;
    std::string detail;
    if (event.contains("args") && event["args"].contains("detail")) detail = event["args"]["detail"].get<std::string>();
    const bool phase = name == "CUDA C++ Front-End" || name == "LibNVVM" || name == "NVVM Optimizer" ||
                       name == "NVVM CodeGen" || name == "Total PTXAS Time";
    const bool header = name == "Processing Header File" && ms >= 2.0;
    if (!phase && !header) continue;
    char line[512];
    std::snprintf(line, sizeof line, "| %s%s%s | %.1f |\n", header ? "&nbsp;&nbsp;header " : "", name == "Processing Header File" ? "" : name.c_str(),
                  header ? ("`" + std::filesystem::path(detail).filename().string() + "`").c_str() : "", ms);
    out += line;
  }
  return out;
}

struct Variant {
  std::string name, note;
  std::function<bool(int)> run;
};

struct Row {
  std::string variant;
  Stats stats;
  std::string note;
};

// Warms every variant up once, then runs them round-robin (variant 1..N, N
// times) so drift in machine load hits every row alike.
std::vector<Row> measure_interleaved(const std::vector<Variant>& variants, int iterations) {
  std::vector<bool> ok(variants.size());
  for (std::size_t v = 0; v < variants.size(); ++v) ok[v] = variants[v].run(-1);
  std::vector<std::vector<double>> wall(variants.size()), cpu(variants.size());
  for (int i = 0; i < iterations; ++i) {
    for (std::size_t v = 0; v < variants.size(); ++v) {
      if (!ok[v]) continue;
      Stats one = measure(1, [&](int) { return variants[v].run(i); });
      if (one.median < 0) {
        ok[v] = false;
        continue;
      }
      wall[v].push_back(one.median);
      cpu[v].push_back(one.cpu_median);
    }
  }
  std::vector<Row> rows;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    Stats stats;
    if (ok[v]) {
      std::ranges::sort(wall[v]);
      std::ranges::sort(cpu[v]);
      stats = {wall[v][wall[v].size() / 2], wall[v].front(), cpu[v][cpu[v].size() / 2]};
    }
    rows.push_back({variants[v].name, stats, ok[v] ? variants[v].note : "failed (see stderr): " + variants[v].note});
  }
  return rows;
}

}  // namespace

// --source mode: a rendered kjit source (e.g. `kjit render rmsnorm_h4096`)
// compiled by the kjit Compiler in this warm process (as `kjit serve` and
// `kjit warmup` compile every kernel after their first), interleaved round by
// round with `nvcc -cubin` of the same file; ratios are per round, then the
// median. The first NVRTC compile of the process is reported on its own (what
// a one-shot `kjit compile` pays, minus dlopen).
int source_mode(const std::string& path, const std::string& entry, const std::string& arch, int rounds) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read --source %s\n", path.c_str());
    return 2;
  }
  const std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto compiler = make_nvrtc_compiler();
  CompileRequest request;
  request.arch = arch;
  request.source_name = std::filesystem::path(path).filename().string();
  if (!entry.empty()) request.name_expressions = {entry};
  auto nvrtc_once = [&](int run) {
    CompileRequest r = request;
    r.source = unique(source, run);
    auto out = compiler->compile(r);
    if (!out) std::fprintf(stderr, "%s\n", out.error().full().c_str());
    return out.has_value();
  };
  const Stats first = measure(1, nvrtc_once);  // run 0: the process's first compile
  if (first.median < 0) return 1;
  const NvccRunner nvcc_once("k", source, arch);
  std::vector<double> nv, nc, ratio;
  for (int i = 0; i < rounds; ++i) {
    const Stats a = measure(1, [&](int) { return nvrtc_once(1 + i); });
    const Stats b = measure(1, [&](int) { return nvcc_once(1 + i); });
    if (a.median < 0 || b.median < 0) {
      std::fprintf(stderr, "round %d failed (nvcc: %s)\n", i, nvcc_once.command.c_str());
      return 1;
    }
    nv.push_back(a.median);
    nc.push_back(b.median);
    ratio.push_back(b.median / a.median);
  }
  std::filesystem::remove_all(nvcc_once.dir);
  auto med = [](std::vector<double> v) {
    std::ranges::sort(v);
    return v[v.size() / 2];
  };
  auto mn = [](const std::vector<double>& v) { return *std::ranges::min_element(v); };
  std::printf("| source | NVRTC first compile of the process ms | NVRTC warm process median (min) ms | nvcc -cubin median (min) ms | nvcc / NVRTC warm, median of %d rounds |\n", rounds);
  std::printf("| --- | ---: | ---: | ---: | ---: |\n");
  std::printf("| `%s` (%s) | %.1f | %.1f (%.1f) | %.1f (%.1f) | %.2fx |\n", path.c_str(), arch.c_str(), first.median,
              med(nv), mn(nv), med(nc), mn(nc), med(ratio));
  return 0;
}

int main(int argc, char** argv) {
  int iterations = 15, nvcc_iterations = 5;
  std::string arch = "sm_90a", source_path, entry;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--iterations") iterations = std::atoi(argv[i + 1]);
    else if (flag == "--nvcc-iterations") nvcc_iterations = std::atoi(argv[i + 1]);
    else if (flag == "--arch") arch = argv[i + 1];
    else if (flag == "--source") source_path = argv[i + 1];
    else if (flag == "--entry") entry = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s [--iterations N] [--nvcc-iterations N] [--arch A] [--source FILE [--entry NAME]]\n", argv[0]);
      return 2;
    }
  }
  iterations = std::max(iterations, 1);
  nvcc_iterations = std::max(nvcc_iterations, 1);
  if (!source_path.empty()) return source_mode(source_path, entry, arch, iterations);

  auto compiler = make_nvrtc_compiler();
  const auto& toolkit = default_toolkit();
  if (!toolkit) {
    std::fprintf(stderr, "%s\n", toolkit.error().full().c_str());
    return 1;
  }
  const std::string with_header = source_with(k_types_header);
  const std::string with_fp16 = source_with(k_types_header_fp16_too);
  const std::string plain = source_with(k_types_plain);

  CompileRequest request;
  request.arch = arch;
  request.source_name = "rmsnorm.cu";
  request.name_expressions = {"rmsnorm_kernel"};
  request.source = with_header;
  auto first = compiler->compile(request);  // warm-up, and the resources line
  if (!first || first->resources.empty()) {
    std::fprintf(stderr, "%s\n", first ? "no ptxas resources in the log" : first.error().full().c_str());
    return 1;
  }
  const auto& r = first->resources.front();
  const std::string resources = "registers " + std::to_string(r.registers) + ", spill stores " +
                                std::to_string(r.spill_store_bytes) + " B, stack " + std::to_string(r.stack_bytes) +
                                " B, smem " + std::to_string(r.shared_bytes) + " B, cubin " +
                                std::to_string(first->binary.size()) + " B";

  std::vector<Variant> variants;
  // The kjit Compiler, exactly as the service compiles (name expression, log parsing included).
  auto kjit_variant = [&](std::string name, std::string source, std::string note) {
    variants.push_back({std::move(name), std::move(note), [&, source](int run) {
                          CompileRequest r = request;
                          r.source = unique(source, run);
                          return compiler->compile(r).has_value();
                        }});
  };
  kjit_variant("kjit Compiler, `#include <cuda_bf16.h>` (as templates do)", with_header, "the target case");
  kjit_variant("kjit Compiler, no `#include` (bf16 via PTX `cvt`)", plain, "header cost = row 1 - this");
  auto pch_compiler = make_nvrtc_compiler(NvrtcSettings{.automatic_pch = true});
  variants.push_back({"kjit Compiler, `cuda_bf16.h`, `NvrtcSettings{.automatic_pch = true}`",
                      "PCH built by the untimed warm-up, reused after", [&](int run) {
                        CompileRequest r = request;
                        r.source = unique(with_header, run);
                        return pch_compiler->compile(r).has_value();
                      }});

  // Raw NVRTC with the same normalized options + include paths, plus one extra option.
  std::vector<std::string> base = *compiler->normalized_options(request);
  for (const auto& dir : toolkit->include_dirs) base.push_back("-I" + dir);
  base.push_back("--no-cache");  // as the kjit Compiler does (see nvrtc_compiler.cpp)
  auto raw_variant = [&](std::string name, std::string source, std::vector<std::string> extra, std::string note,
                         bool ptxas_report = true) {
    std::vector<std::string> options = base;
    if (!ptxas_report) std::erase(options, std::string("-Xptxas=-v"));
    options.insert(options.end(), extra.begin(), extra.end());
    variants.push_back({std::move(name), std::move(note),
                        [source, options](int run) { return raw_compile(unique(source, run), options); }});
  };
  raw_variant("raw NVRTC, same options as row 1", with_header, {}, "wrapper overhead = row 1 - this");
  raw_variant("raw NVRTC, `cuda_bf16.h` + `cuda_fp16.h`", with_fp16, {}, "templates include both");
  raw_variant("raw NVRTC, without `-Xptxas=-v`", with_header, {}, "cost of the ptxas report", false);
  raw_variant("raw NVRTC, `-default-device`", with_header, {"-default-device"}, "");
  raw_variant("raw NVRTC, `--minimal`", with_header, {"--minimal"}, "");
  raw_variant("raw NVRTC, `-Ofc=max` (fast-compile)", with_header, {"-Ofc=max"},
              "less optimized code: not for production");
  {
    // NVRTC's own disk cache left on (no --no-cache): with a CUDA driver present
    // it serves sources that differ only in comments from ~/.nv/ComputeCache.
    std::vector<std::string> cached = base;
    std::erase(cached, std::string("--no-cache"));
    variants.push_back({"raw NVRTC, NVRTC's own cache allowed (no `--no-cache`)",
                        "cache hits when a driver is present", [&with_header, cached](int run) {
                          return raw_compile(unique(with_header, run), cached);
                        }});
  }
  std::vector<Row> rows = measure_interleaved(variants, iterations);

  // nvcc -cubin of the same source (device code only; -cubin skips host compilation).
  const NvccRunner run_nvcc("rmsnorm", with_header, arch);
  const auto& dir = run_nvcc.dir;
  if (!run_nvcc(-1)) {
    std::fprintf(stderr, "nvcc failed: %s\n", run_nvcc.command.c_str());
    return 1;
  }
  const Stats nvcc = measure(nvcc_iterations, run_nvcc);
  std::vector<std::string> traced = base;
  const std::string phases = phase_breakdown(unique(with_header, 1000), traced, dir);
  std::filesystem::remove_all(dir);

  std::printf("NVRTC: %s; headers: %s; arch %s; %d timed runs per NVRTC row, %d for nvcc.\n\n",
              compiler->version().c_str(), compiler->header_version().c_str(), arch.c_str(), iterations,
              nvcc_iterations);
  std::printf("Kernel: bf16 RMSNorm, hidden 4096 (constexpr), 256 threads/row; %s.\n\n", resources.c_str());
  std::printf("| variant | wall median ms | wall min ms | CPU median ms | note |\n| --- | ---: | ---: | ---: | --- |\n");
  for (const auto& row : rows) {
    std::printf("| %s | %.1f | %.1f | %.1f | %s |\n", row.variant.c_str(), row.stats.median, row.stats.min,
                row.stats.cpu_median, row.note.c_str());
  }
  std::printf("| `nvcc -cubin -arch=%s -std=c++17` (same source as row 1) | %.1f | %.1f | %.1f | %s |\n",
              arch.c_str(), nvcc.median, nvcc.min, nvcc.cpu_median, "one process per compile");
  std::printf("\nOne compile of row 1's source, NVRTC's own trace (`--fdevice-time-trace`; header rows nest "
              "inside the front end and each other):\n\n%s", phases.c_str());
  const double target = rows.front().stats.median;
  std::printf("\nTarget 1 (NVRTC <= 150 ms, row 1 median): %.1f ms -> %s\n", target,
              target <= 150 ? "met" : "NOT met");
  std::printf("Target 2 (NVRTC >= 8x faster than nvcc, wall medians): %.1fx -> %s (CPU: %.1fx)\n",
              nvcc.median / target, nvcc.median / target >= 8 ? "met" : "NOT met",
              nvcc.cpu_median / rows.front().stats.cpu_median);
  std::printf("With automatic PCH (row 3): %.1f ms, %.1fx faster than nvcc\n", rows[2].stats.median,
              nvcc.median / rows[2].stats.median);
  return 0;
}
