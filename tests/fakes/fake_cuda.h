// Test access to the fake CUDA driver (fake_cuda.cpp): its record of
// launches and its controls, looked up in the already loaded libcuda.so.1.
// REQUIRES: the process runs with build/fake_cuda first on LD_LIBRARY_PATH
// and kjit has loaded the driver (runtime::driver_api()).
//
// Thread safety: the fake's functions are thread-safe.
#pragma once

#include <dlfcn.h>

#include <stdexcept>

#include "fake_launch.h"


namespace kjit::testing {

struct FakeCuda {
  long (*launch_count)();
  int (*recorded)();
  int (*get_launch)(int, kjit_fake_launch*);
  void (*reset)(int);
  void (*set_capturing)(void*, int);
  void (*fail_launches)(int);
  int (*allocs)();
  int (*relaxed_allocs)();
  int (*memsets)();
  int (*syncs)();

  // The fake, or an exception when the loaded libcuda.so.1 is not it.
  static const FakeCuda& get() {
    static const FakeCuda fake = [] {
      void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
      if (h == nullptr || dlsym(h, "kjit_fake_cuda_reset") == nullptr)
        throw std::runtime_error("libcuda.so.1 is not kjit's fake driver (is build/fake_cuda on LD_LIBRARY_PATH?)");
      FakeCuda f{};
      f.launch_count = reinterpret_cast<long (*)()>(dlsym(h, "kjit_fake_cuda_launch_count"));
      f.recorded = reinterpret_cast<int (*)()>(dlsym(h, "kjit_fake_cuda_recorded"));
      f.get_launch = reinterpret_cast<int (*)(int, kjit_fake_launch*)>(dlsym(h, "kjit_fake_cuda_get_launch"));
      f.reset = reinterpret_cast<void (*)(int)>(dlsym(h, "kjit_fake_cuda_reset"));
      f.set_capturing = reinterpret_cast<void (*)(void*, int)>(dlsym(h, "kjit_fake_cuda_set_capturing"));
      f.fail_launches = reinterpret_cast<void (*)(int)>(dlsym(h, "kjit_fake_cuda_fail_launches"));
      f.allocs = reinterpret_cast<int (*)()>(dlsym(h, "kjit_fake_cuda_allocs"));
      f.relaxed_allocs = reinterpret_cast<int (*)()>(dlsym(h, "kjit_fake_cuda_relaxed_allocs"));
      f.memsets = reinterpret_cast<int (*)()>(dlsym(h, "kjit_fake_cuda_memsets"));
      f.syncs = reinterpret_cast<int (*)()>(dlsym(h, "kjit_fake_cuda_syncs"));
      return f;
    }();
    return fake;
  }

  kjit_fake_launch launch(int index) const {
    kjit_fake_launch l{};
    if (!get_launch(index, &l)) throw std::runtime_error("no such recorded launch");
    return l;
  }
};

}  // namespace kjit::testing
