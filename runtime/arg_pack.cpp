// Kernel argument packing (see arg_pack.h).
//
// Thread safety: plain values.
#include "runtime/arg_pack.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "jit/util/str_cat.h"

namespace kjit::runtime {
namespace {

// Each argument gets an 8-byte aligned slot: every ABI type (pointer,
// int64_t, float, int32_t, ...) is at most 8 bytes and 8-byte alignment
// satisfies all of them.
constexpr std::size_t k_slot = 8;

// Round-to-nearest-even float32 -> bfloat16/float16 bit patterns, for scalar
// inputs of those types (rare; the definitions' scalars are float32/int).
std::uint16_t to_bf16(float value) {
  std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  if (std::isnan(value)) return 0x7fc0;
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<std::uint16_t>(bits >> 16);
}

std::uint16_t to_fp16(float value) { return std::bit_cast<std::uint16_t>(static_cast<_Float16>(value)); }

}  // namespace

ScalarArg ScalarArg::from_double(jit::Dtype dtype, double value) {
  ScalarArg arg;
  arg.dtype = dtype;
  using jit::Dtype;
  switch (dtype) {
    case Dtype::float32: arg.bits = std::bit_cast<std::uint32_t>(static_cast<float>(value)); break;
    case Dtype::float16: arg.bits = to_fp16(static_cast<float>(value)); break;
    case Dtype::bfloat16: arg.bits = to_bf16(static_cast<float>(value)); break;
    case Dtype::int8: arg.bits = static_cast<std::uint8_t>(static_cast<std::int8_t>(value)); break;
    case Dtype::int16: arg.bits = static_cast<std::uint16_t>(static_cast<std::int16_t>(value)); break;
    case Dtype::int32: arg.bits = static_cast<std::uint32_t>(static_cast<std::int32_t>(value)); break;
    case Dtype::int64: arg.bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(value)); break;
    case Dtype::boolean: arg.bits = value != 0 ? 1 : 0; break;
    // fp8/fp4 scalars do not occur in the schema's definitions; pass the
    // raw low byte so the kernel sees exactly what the caller gave.
    case Dtype::float8_e4m3fn:
    case Dtype::float8_e5m2:
    case Dtype::float4_e2m1: arg.bits = static_cast<std::uint8_t>(value); break;
  }
  return arg;
}

std::size_t ScalarArg::size() const {
  int bits = jit::dtype_bits(dtype);
  return bits <= 8 ? 1 : static_cast<std::size_t>(bits / 8);
}

PackedArgs::PackedArgs(const PackedArgs& other) : m_storage(other.m_storage), m_args(other.m_args) { rebuild_params(); }

PackedArgs& PackedArgs::operator=(const PackedArgs& other) {
  if (this != &other) {
    m_storage = other.m_storage;
    m_args = other.m_args;
    rebuild_params();
  }
  return *this;
}

void PackedArgs::append(std::string name, ArgKind kind, const void* value, std::size_t size) {
  std::size_t offset = m_storage.size();
  m_storage.resize(offset + k_slot, std::byte{0});
  std::memcpy(m_storage.data() + offset, value, size);
  m_args.push_back(PackedArg{std::move(name), kind, offset, size});
  rebuild_params();
}

void PackedArgs::overwrite(std::size_t index, const void* value, std::size_t size) {
  std::memcpy(m_storage.data() + m_args[index].offset, value, std::min(size, m_args[index].size));
}

void PackedArgs::rebuild_params() {
  m_params.clear();
  for (const PackedArg& arg : m_args) m_params.push_back(m_storage.data() + arg.offset);
}

Result<PackedArgs> pack_args(const jit::ResolvedLaunch& launch, const ArgTable& table) {
  PackedArgs packed;
  for (const std::string& name : launch.args) {
    if (auto it = table.tensors.find(name); it != table.tensors.end()) {
      packed.append(name, ArgKind::tensor, &it->second, sizeof(std::uint64_t));
    } else if (auto it = table.scalars.find(name); it != table.scalars.end()) {
      packed.append(name, ArgKind::scalar, &it->second.bits, it->second.size());
    } else if (auto it = table.values.find(name); it != table.values.end()) {
      std::int64_t value = it->second;
      packed.append(name, ArgKind::integer, &value, sizeof value);
    } else if (auto it = table.workspace.find(name); it != table.workspace.end()) {
      packed.append(name, ArgKind::workspace, &it->second, sizeof(std::uint64_t));
    } else {
      return fail(ErrorCode::invalid_argument,
                  str_cat("launch plan: argument '", name, "' of kernel '", launch.entry,
                          "' is not a tensor, scalar, axis, let or workspace buffer of the definition"));
    }
  }
  return packed;
}

}  // namespace kjit::runtime
