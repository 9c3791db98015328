// HostTensor: construction, element access helpers and descriptions.
#include "runtime/host_tensor.h"

#include <limits>

namespace kjit::runtime {

std::int64_t shape_numel(std::span<const std::int64_t> shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<std::int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

std::string shape_to_string(std::span<const std::int64_t> shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::int64_t HostTensor::numel() const { return shape_numel(shape); }

std::int64_t HostTensor::byte_size() const { return storage_bytes(dtype, numel()); }

std::vector<double> HostTensor::to_doubles() const {
  const std::int64_t n = numel();
  std::vector<double> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = get(i);
  return out;
}

std::vector<std::int64_t> HostTensor::unravel(std::int64_t index) const {
  std::vector<std::int64_t> idx(shape.size(), 0);
  for (std::size_t k = shape.size(); k-- > 0;) {
    const std::int64_t d = shape[k];
    if (d <= 0) break;
    idx[k] = index % d;
    index /= d;
  }
  return idx;
}

std::string HostTensor::describe() const {
  std::string s(jit::dtype_name(dtype));
  if (scalar) return s + " scalar";
  return s + shape_to_string(shape);
}

HostTensor HostTensor::zeros(Dtype dtype, std::vector<std::int64_t> shape) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  const std::int64_t n = t.numel();
  t.bytes.assign(static_cast<std::size_t>(n < 0 ? 0 : storage_bytes(dtype, n)), 0);
  return t;
}

Result<HostTensor> HostTensor::from_doubles(Dtype dtype, std::vector<std::int64_t> shape,
                                            std::span<const double> values) {
  const std::int64_t n = shape_numel(shape);
  if (n < 0) {
    return fail(ErrorCode::invalid_argument,
                "invalid tensor shape " + shape_to_string(shape) + ": dimensions must be >= 0");
  }
  if (static_cast<std::size_t>(n) != values.size()) {
    return fail(ErrorCode::invalid_argument,
                "tensor shape " + shape_to_string(shape) + " holds " + std::to_string(n) +
                    " elements but " + std::to_string(values.size()) + " values were given");
  }
  HostTensor t = zeros(dtype, std::move(shape));
  for (std::int64_t i = 0; i < n; ++i) t.set(i, values[static_cast<std::size_t>(i)]);
  return t;
}

HostTensor HostTensor::make_scalar(Dtype dtype, double value) {
  HostTensor t = zeros(dtype, {});
  t.scalar = true;
  t.set(0, value);
  return t;
}

}  // namespace kjit::runtime
