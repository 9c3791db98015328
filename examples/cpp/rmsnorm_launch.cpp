// rmsnorm_launch: kjit's C++ launch API. Opens kjit, gets the rmsnorm_h4096
// kernel, shows what it would launch for 4 rows (resolve: no GPU needed),
// then, when a GPU is present, launches it on the current CUDA context's
// default stream and checks one row on the host. Exit: 0 ok, 5 wrong
// numbers, 6 no GPU (after printing the resolved launch).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "jit/api/kernel.h"
#include "runtime/driver.h"

int main() {
  using namespace kjit;
  auto opened = jit::Jit::open(Config::from_env());
  if (!opened) return std::fprintf(stderr, "%s\n", opened.error().full().c_str()), exit_code_for(opened.error().code);
  std::shared_ptr<jit::Jit> jit(std::move(*opened));
  auto kernel = jit::open_kernel(jit, "rmsnorm_h4096");
  if (!kernel) return std::fprintf(stderr, "%s\n", kernel.error().full().c_str()), exit_code_for(kernel.error().code);

  constexpr std::int64_t rows = 4, h = 4096;
  std::int64_t xs[] = {rows, h}, ws[] = {h};
  auto tensors = [&](std::uint64_t x, std::uint64_t w, std::uint64_t y) {
    return std::vector<runtime::TensorArg>{{x, xs, nullptr, 2, jit::Dtype::bfloat16},
                                           {w, ws, nullptr, 1, jit::Dtype::bfloat16},
                                           {y, xs, nullptr, 2, jit::Dtype::bfloat16}};
  };
  auto plan = (*kernel)->resolve(tensors(0x10000, 0x20000, 0x30000), {});  // pointers are only reported
  if (!plan) return std::fprintf(stderr, "%s\n", plan.error().message.c_str()), 2;
  std::printf("resolved: %s\n", plan->to_json().dump().c_str());

  auto device = runtime::Device::open(0);  // retains device 0's primary context and makes it current
  if (!device) return std::fprintf(stderr, "%s\n", device.error().message.c_str()), 6;
  std::vector<std::uint16_t> x(rows * h), w(h), y(rows * h);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<std::uint16_t>(0x3f80 + i * 37 % 101);  // bf16 in [1, 1.8)
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<std::uint16_t>(0x3f00 + i % 64);        // bf16 in [0.5, 0.62)
  auto dx = runtime::DeviceBuffer::allocate(x.size() * 2, "x"), dw = runtime::DeviceBuffer::allocate(w.size() * 2, "w"),
       dy = runtime::DeviceBuffer::allocate(y.size() * 2, "y");
  if (!dx || !dw || !dy || !dx->upload(std::as_bytes(std::span(x))) || !dw->upload(std::as_bytes(std::span(w))))
    return std::fprintf(stderr, "device memory failed\n"), 1;
  if (auto r = (*kernel)->launch(tensors(dx->ptr(), dw->ptr(), dy->ptr()), {}, nullptr); !r)
    return std::fprintf(stderr, "%s\n", r.error().message.c_str()), exit_code_for(r.error().code);
  if (!(*device)->synchronize() || !dy->download(std::as_writable_bytes(std::span(y)))) return std::fprintf(stderr, "sync failed\n"), 1;
  auto bf = [](std::uint16_t v) { std::uint32_t u = std::uint32_t{v} << 16; float f; std::memcpy(&f, &u, 4); return double{f}; };
  double ss = 0, worst = 0;
  for (std::int64_t i = 0; i < h; ++i) ss += bf(x[i]) * bf(x[i]);
  for (std::int64_t i = 0; i < h; ++i) {
    const double ref = bf(x[i]) / std::sqrt(ss / h + 1e-5) * bf(w[i]);
    worst = std::max(worst, std::abs(bf(y[i]) - ref) / (std::abs(ref) + 1e-2));
  }
  std::printf("rmsnorm_h4096 row 0 through Kernel::launch: worst relative error %.5f\n", worst);
  return worst < 1e-2 ? 0 : 5;
}
