// HostTensor: a tensor in host memory as raw bytes of one Dtype, with
// element access through the exact conversions of dtype_convert.h.
//
// `shape` counts logical elements for every dtype, fp4 included (PyTorch's
// float4_e2m1fn_x2 instead counts packed bytes); `bytes` holds
// storage_bytes(dtype, numel()) bytes, row-major, fp4 packed two per byte
// with element 2k in the low nibble. A definition scalar (`"shape": null`)
// is a rank-0 tensor with `scalar` set; a 0-D tensor (`"shape": []`) is
// rank 0 with `scalar` clear. Both hold one element.
//
// Thread safety: a plain value; concurrent reads are safe, writes are not.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "jit/util/error.h"
#include "runtime/dtype_convert.h"

namespace kjit::runtime {

struct HostTensor {
  Dtype dtype = Dtype::float32;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> bytes;
  bool scalar = false;  // a definition scalar (shape null)

  // Product of `shape` (1 for rank 0).
  std::int64_t numel() const;
  // Bytes the elements need: storage_bytes(dtype, numel()).
  std::int64_t byte_size() const;
  std::int64_t rank() const { return static_cast<std::int64_t>(shape.size()); }

  // Element `index` (flat, row-major) decoded exactly. REQUIRES: index < numel().
  double get(std::int64_t index) const { return load_element(dtype, bytes.data(), index); }
  // Stores `value` rounded to `dtype` (see round_to_dtype).
  void set(std::int64_t index, double value) { store_element(dtype, bytes.data(), index, value); }
  // Exact integer access (for int64 beyond 2^53).
  std::int64_t get_int(std::int64_t index) const { return load_int(dtype, bytes.data(), index); }
  void set_int(std::int64_t index, std::int64_t value) { store_int(dtype, bytes.data(), index, value); }

  std::vector<double> to_doubles() const;

  // Row-major multi-index of flat `index`.
  std::vector<std::int64_t> unravel(std::int64_t index) const;

  // "bfloat16[4, 32, 128]" / "float32 scalar".
  std::string describe() const;

  // A zero-filled tensor. REQUIRES: every dimension >= 0.
  static HostTensor zeros(Dtype dtype, std::vector<std::int64_t> shape);
  // A tensor of `values` rounded to `dtype`; fails when the count differs
  // from the shape's element count or a dimension is negative.
  static Result<HostTensor> from_doubles(Dtype dtype, std::vector<std::int64_t> shape,
                                         std::span<const double> values);
  // A definition scalar holding `value`.
  static HostTensor make_scalar(Dtype dtype, double value);
};

// Product of `shape`; -1 when a dimension is negative or the product
// overflows int64.
std::int64_t shape_numel(std::span<const std::int64_t> shape);

// "[4, 32, 128]".
std::string shape_to_string(std::span<const std::int64_t> shape);

}  // namespace kjit::runtime
