// kjit_launch_bench: host cost of one launch of a tiny kernel, four ways, in
// one process: a raw cuLaunchKernel of the same cubin and function with
// prebuilt arguments, runtime::Kernel::launch (the C++ API), kjit_launch
// (the C API with DLPack-shaped descriptors), and Kernel::launch by name.
// Each way runs `--bursts` bursts of `--burst` back-to-back launches on one
// stream; only the submission loop of a burst is timed, then the stream is
// synchronized (untimed), so the GPU queue never fills and the GPU is not
// the bottleneck. Reports the median over bursts of wall time per launch,
// and the overhead of each API over raw, as JSON on stdout.
//
// Usage: kjit_launch_bench [--name rmsnorm_h128] [--rows 1] [--burst 250] [--bursts 40]
// Needs a GPU (or the fake driver of tests/fakes, for a smoke run).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/api/kernel.h"
#include "jit/capi/kjit.h"
#include "runtime/driver.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string name = "rmsnorm_h4096";
  std::int64_t rows = 1;
  int burst = 250;
  int bursts = 40;
};

template <class F>
double median_us_per_launch(const Options& o, CUstream stream, F&& launch) {
  const kjit::runtime::DriverApi* api = *kjit::runtime::driver_api();
  for (int i = 0; i < o.burst; ++i) launch();  // warm up
  api->cuStreamSynchronize(stream);
  std::vector<double> per;
  for (int b = 0; b < o.bursts; ++b) {
    auto t0 = Clock::now();
    for (int i = 0; i < o.burst; ++i) launch();
    auto t1 = Clock::now();
    api->cuStreamSynchronize(stream);
    per.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / o.burst);
  }
  std::sort(per.begin(), per.end());
  return per[per.size() / 2];
}

int fail(const std::string& what) {
  std::fprintf(stderr, "kjit_launch_bench: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--name") o.name = argv[i + 1];
    else if (a == "--rows") o.rows = std::atoll(argv[i + 1]);
    else if (a == "--burst") o.burst = std::atoi(argv[i + 1]);
    else if (a == "--bursts") o.bursts = std::atoi(argv[i + 1]);
    else return fail("unknown option " + a);
  }
  using namespace kjit;
  auto device = runtime::Device::open(0);
  if (!device) return fail(device.error().full());
  const runtime::DriverApi* api = *runtime::driver_api();
  auto jit_opened = jit::Jit::open(Config::from_env());
  if (!jit_opened) return fail(jit_opened.error().full());
  std::shared_ptr<jit::Jit> jit(std::move(*jit_opened));
  auto kernel = jit::open_kernel(jit, o.name);
  if (!kernel) return fail(kernel.error().full());
  const runtime::KernelSignature& sig = (*kernel)->signature();
  if (sig.tensors().size() != 3 || !sig.scalars().empty()) return fail("the bench takes an rmsnorm-shaped definition (x, w -> y)");
  const std::int64_t h = sig.axes()[static_cast<std::size_t>(sig.tensors()[1].axis[0])].value;

  std::vector<std::int64_t> xs{o.rows, h}, ws{h};
  auto x = runtime::DeviceBuffer::allocate(static_cast<std::uint64_t>(o.rows * h * 2), "x");
  auto w = runtime::DeviceBuffer::allocate(static_cast<std::uint64_t>(h * 2), "w");
  auto y = runtime::DeviceBuffer::allocate(static_cast<std::uint64_t>(o.rows * h * 2), "y");
  if (!x || !w || !y) return fail("allocation failed");
  if (!x->fill(0) || !w->fill(0)) return fail("fill failed");
  auto stream = runtime::Stream::create();
  if (!stream) return fail(stream.error().full());
  const CUstream s = stream->get();
  const jit::Dtype dt = sig.tensors()[0].dtype;
  std::vector<runtime::TensorArg> args{{x->ptr(), xs.data(), nullptr, 2, dt}, {w->ptr(), ws.data(), nullptr, 1, dt},
                                       {y->ptr(), xs.data(), nullptr, 2, dt}};

  // Raw: the same cubin and function, geometry from resolve, arguments prebuilt.
  auto resolved = (*kernel)->resolve(args, {});
  if (!resolved) return fail(resolved.error().full());
  const runtime::ResolvedKernel& rk = resolved->launches.at(0);
  auto module = runtime::Module::load((*kernel)->artifact().cubin, o.name);
  if (!module) return fail(module.error().full());
  auto fn = module->function(rk.entry);
  if (!fn) return fail(fn.error().full());
  if (rk.shared_bytes > 48 * 1024 && !runtime::set_max_dynamic_shared(*fn, static_cast<int>(rk.shared_bytes), rk.entry))
    return fail("shared memory opt-in failed");
  std::vector<std::uint64_t> slots;
  for (const auto& a : rk.args) slots.push_back(a.bits);
  std::vector<void*> params;
  for (auto& v : slots) params.push_back(&v);
  CUresult raw_rc = CUDA_SUCCESS;
  const double raw = median_us_per_launch(o, s, [&] {
    CUresult r = api->cuLaunchKernel(*fn, rk.grid[0], rk.grid[1], rk.grid[2], rk.block[0], rk.block[1], rk.block[2],
                                     rk.shared_bytes, s, params.data(), nullptr);
    if (r != CUDA_SUCCESS) raw_rc = r;
  });

  bool ok = true;
  const runtime::Kernel& k = **kernel;
  const double cpp = median_us_per_launch(o, s, [&] { ok = k.launch(args, {}, s).has_value() && ok; });
  std::vector<runtime::NamedTensor> named{{"weight", args[1]}, {sig.tensors()[0].name, args[0]}, {sig.tensors()[2].name, args[2]}};
  named[0].name = sig.tensors()[1].name;
  const double cpp_named = median_us_per_launch(o, s, [&] { ok = k.launch(named, {}, s).has_value() && ok; });

  // The C API through a DLPack-shaped descriptor.
  kjit_handle* handle = nullptr;
  kjit_kernel* ck = nullptr;
  if (kjit_open(nullptr, nullptr, &handle) != KJIT_OK || kjit_get_kernel(handle, o.name.c_str(), nullptr, &ck) != KJIT_OK)
    return fail(std::string("C API: ") + kjit_last_error());
  kjit_dtype cdt{static_cast<std::uint8_t>(dt == jit::Dtype::bfloat16 ? KJIT_DL_BFLOAT : KJIT_DL_FLOAT), 16, 1};
  kjit_tensor ct[3] = {{reinterpret_cast<void*>(x->ptr()), {KJIT_DL_CUDA, 0}, 2, cdt, xs.data(), nullptr, 0},
                       {reinterpret_cast<void*>(w->ptr()), {KJIT_DL_CUDA, 0}, 1, cdt, ws.data(), nullptr, 0},
                       {reinterpret_cast<void*>(y->ptr()), {KJIT_DL_CUDA, 0}, 2, cdt, xs.data(), nullptr, 0}};
  const double capi = median_us_per_launch(o, s, [&] { ok = kjit_launch(ck, ct, 3, nullptr, 0, s) == KJIT_OK && ok; });
  if (!ok || raw_rc != CUDA_SUCCESS) return fail(std::string("a launch failed: ") + kjit_last_error());
  kjit_kernel_free(ck);
  kjit_close(handle);

  nlohmann::ordered_json j{{"definition", o.name},
                           {"rows", o.rows},
                           {"device", device->get()->info().name},
                           {"burst", o.burst},
                           {"bursts", o.bursts},
                           {"us_per_launch", {{"raw_cuLaunchKernel", raw}, {"cpp_kernel_launch", cpp}, {"cpp_kernel_launch_by_name", cpp_named}, {"c_kjit_launch", capi}}},
                           {"overhead_us_over_raw", {{"cpp", cpp - raw}, {"cpp_by_name", cpp_named - raw}, {"c", capi - raw}}}};
  std::printf("%s\n", j.dump().c_str());
  return 0;
}
