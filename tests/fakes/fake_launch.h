// One launch as the fake CUDA driver (fake_cuda.cpp) records it: a plain C
// struct, shared by the fake and the C++ tests that read it (fake_cuda.h);
// Python tests read the same layout with ctypes, so keep field order and
// types as they are.
//
// Thread safety: plain data.
#pragma once

extern "C" struct kjit_fake_launch {
  char entry[128];
  unsigned grid[3];
  unsigned block[3];
  unsigned shared;
  int pdl;
  void* stream;
  void* context;
  int nparams;
  unsigned param_size[64];
  unsigned long long param[64];  // each parameter's bytes, zero-extended
};
