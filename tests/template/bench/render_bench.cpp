// Render benchmark: a generated 500-line template with 50 substitutions, 10
// loops and 3 includes, rendered many times through one Environment (parsed
// templates are cached by content hash, so each render reads and hashes the
// files but does not parse). Prints wall p50/p99/mean and thread-CPU p50/p99
// in microseconds.
// Usage: kjit_template_bench [iterations=5000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <time.h>

#include "jit/template/environment.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  int iterations = argc > 1 ? std::atoi(argv[1]) : 5000;
  fs::path dir = fs::temp_directory_path() / "kjit_template_bench";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string src;
  int lines = 0, subs = 0, loops = 0;
  for (int inc = 0; inc < 3; ++inc) {
    std::ofstream(dir / ("inc" + std::to_string(inc) + ".cuh"))
        << "// include " << inc << "\n__device__ inline float helper" << inc
        << "(float x) { return x * {{ scale }}f; }\n";
    src += "{% include 'inc" + std::to_string(inc) + ".cuh' %}\n";
    ++lines;
  }
  while (lines < 500) {
    if (loops < 10 && lines % 45 == 10) {
      src += "{% for t in tensors %}\n  // {{ loop.index }}: {{ t.name }} {{ t.shape|join('x') }}\n{% endfor %}\n";
      lines += 3;
      ++loops;
    } else if (subs < 50 && lines % 9 == 0) {
      src += "constexpr int k" + std::to_string(subs) + " = {{ hidden * " + std::to_string(subs + 1) +
             " }}; // {{ name|upper }}\n";
      ++lines;
      ++subs;
    } else {
      src += "  float acc" + std::to_string(lines) + " = 0.0f; // plain CUDA line, no substitution\n";
      ++lines;
    }
  }
  std::ofstream(dir / "main.cu.j2") << src;
  nlohmann::json ctx = {{"name", "rmsnorm"}, {"hidden", 4096}, {"scale", 0.5},
                        {"tensors", {{{"name", "x"}, {"shape", {"batch", 4096}}},
                                     {{"name", "w"}, {"shape", {4096}}},
                                     {{"name", "y"}, {"shape", {"batch", 4096}}}}}};
  kjit::jit::Environment env;
  auto first = env.render_file(dir / "main.cu.j2", ctx);
  if (!first) {
    std::fprintf(stderr, "render failed: %s\n", first.error().message.c_str());
    return 1;
  }
  // Wall time, and thread CPU time (robust when the machine is shared).
  auto cpu_us = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  std::vector<double> us, cpu;
  us.reserve(static_cast<std::size_t>(iterations));
  cpu.reserve(static_cast<std::size_t>(iterations));
  for (int i = 0; i < iterations; ++i) {
    double c0 = cpu_us();
    auto t0 = std::chrono::steady_clock::now();
    auto r = env.render_file(dir / "main.cu.j2", ctx);
    auto t1 = std::chrono::steady_clock::now();
    cpu.push_back(cpu_us() - c0);
    if (!r) return 1;
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  std::sort(cpu.begin(), cpu.end());
  double mean = 0;
  for (double u : us) mean += u;
  mean /= static_cast<double>(us.size());
  std::printf("template: %d lines, %d substitutions, %d loops, 3 includes; output %zu bytes, %zu lines\n", lines,
              subs, loops, first->text.size(), first->line_map.size());
  std::printf("renders: %d  p50: %.1f us  p99: %.1f us  mean: %.1f us\n", iterations,
              us[us.size() / 2], us[us.size() * 99 / 100], mean);
  std::printf("thread CPU time: p50: %.1f us  p99: %.1f us\n", cpu[cpu.size() / 2], cpu[cpu.size() * 99 / 100]);
  fs::remove_all(dir);
  return 0;
}
