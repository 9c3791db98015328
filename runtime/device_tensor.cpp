// DeviceTensor: upload/download between HostTensor and device memory.
//
// Thread safety: see device_tensor.h.
#include "runtime/device_tensor.h"

#include "jit/util/str_cat.h"

namespace kjit::runtime {

Result<DeviceTensor> DeviceTensor::upload(const std::string& name, const HostTensor& host) {
  DeviceTensor tensor = KJIT_TRY(allocate(name, host.dtype, host.shape));
  if (static_cast<std::int64_t>(host.bytes.size()) != host.byte_size())
    return fail(ErrorCode::internal, str_cat("host tensor '", name, "' holds ", host.bytes.size(), " bytes, ",
                                             host.describe(), " needs ", host.byte_size()));
  KJIT_TRY_VOID(tensor.buffer.upload(std::as_bytes(std::span(host.bytes))));
  return tensor;
}

Result<DeviceTensor> DeviceTensor::allocate(const std::string& name, Dtype dtype, std::vector<std::int64_t> shape) {
  std::int64_t numel = shape_numel(shape);
  if (numel < 0)
    return fail(ErrorCode::invalid_argument, str_cat("tensor '", name, "' has an invalid shape ", shape_to_string(shape)));
  DeviceTensor tensor;
  tensor.name = name;
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  tensor.buffer = KJIT_TRY(DeviceBuffer::allocate(static_cast<std::uint64_t>(storage_bytes(dtype, numel)), name));
  return tensor;
}

Result<HostTensor> DeviceTensor::download() const {
  HostTensor host = HostTensor::zeros(dtype, shape);
  KJIT_TRY_VOID(buffer.download(std::as_writable_bytes(std::span(host.bytes))));
  return host;
}

}  // namespace kjit::runtime
