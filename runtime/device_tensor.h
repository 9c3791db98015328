// DeviceTensor: a HostTensor's dtype and shape with its bytes in device
// memory; uploads from and downloads to HostTensors.
//
// Thread safety: owned by one thread at a time (like DeviceBuffer).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "jit/util/error.h"
#include "runtime/driver.h"
#include "runtime/host_tensor.h"

namespace kjit::runtime {

struct DeviceTensor {
  std::string name;
  Dtype dtype = Dtype::float32;
  std::vector<std::int64_t> shape;
  DeviceBuffer buffer;

  // Allocates and copies `host` to the device.
  static Result<DeviceTensor> upload(const std::string& name, const HostTensor& host);
  // Allocates room for `shape` elements of `dtype` (uninitialized).
  static Result<DeviceTensor> allocate(const std::string& name, Dtype dtype, std::vector<std::int64_t> shape);
  // Copies the bytes back into a HostTensor of this dtype and shape.
  Result<HostTensor> download() const;
};

}  // namespace kjit::runtime
