// safetensors reading and writing (our own implementation of the format).
//
// File grammar (all integers little-endian):
//   file   := u64 header_len, header (header_len bytes of UTF-8 JSON), data
//   header := { "__metadata__"?: {string: string},
//               name: {"dtype": DTYPE, "shape": [u64...],
//                      "data_offsets": [begin, end]}... }
// Offsets are relative to the start of `data`. As in the reference
// implementation (huggingface/safetensors), the tensors' byte ranges, sorted
// by begin, must tile `data` exactly: the first begins at 0, each begins where
// the previous ended, the last ends at the end of the file; every range's
// length must equal numel * element size. The writer pads the header with
// spaces to a multiple of 8 bytes and lays tensors out in name order.
//
// DTYPE names and kjit dtypes: F32 float32, F16 float16, BF16 bfloat16,
// F8_E4M3 float8_e4m3fn, F8_E5M2 float8_e5m2, I8, I16, I32, I64, BOOL, and
// F4 float4_e2m1 (safetensors >= 0.6: shape counts fp4 elements, two per byte,
// element 2k in the low nibble; the element count must be even). Other
// official names (F64, U8, U16, U32, U64, F8_E8M0, F6_E2M3, F6_E3M2) are
// validated in the header but cannot be loaded as a HostTensor.
//
// Errors name the file: a malformed file is ErrorCode::corruption, a missing
// file or key ErrorCode::not_found, a read/write failure ErrorCode::io_error.
//
// Thread safety: functions only; concurrent reads of one file are safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jit/util/error.h"
#include "runtime/host_tensor.h"

namespace kjit::runtime {

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // the file's DTYPE name, e.g. "BF16"
  std::vector<std::int64_t> shape;
  std::int64_t begin = 0;  // byte offsets into the data section
  std::int64_t end = 0;
};

struct SafetensorsHeader {
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsEntry> entries;  // in file (JSON) order
  std::int64_t data_start = 0;            // 8 + header_len

  const SafetensorsEntry* find(std::string_view name) const;
};

// "BF16" for bfloat16, "F4" for float4_e2m1, ...
std::string_view safetensors_dtype_name(Dtype dtype);
// The kjit dtype of a DTYPE name; empty for names kjit cannot hold.
std::optional<Dtype> parse_safetensors_dtype(std::string_view name);

// Parses and validates the header of a whole file's bytes; `origin` names the
// file in errors.
Result<SafetensorsHeader> parse_safetensors_header(std::span<const std::uint8_t> file,
                                                   std::string_view origin);

// Decodes every tensor of a whole file's bytes.
Result<std::map<std::string, HostTensor>> decode_safetensors(std::span<const std::uint8_t> file,
                                                             std::string_view origin);

// Serializes `tensors` (name order) with optional `metadata`.
Result<std::vector<std::uint8_t>> encode_safetensors(
    const std::map<std::string, HostTensor>& tensors,
    const std::map<std::string, std::string>& metadata = {});

// Reads every tensor of the file at `path`.
Result<std::map<std::string, HostTensor>> read_safetensors(const std::filesystem::path& path);
// Reads the tensor `key` of the file at `path`.
Result<HostTensor> read_safetensors_tensor(const std::filesystem::path& path, std::string_view key);
// Reads only the validated header of the file at `path`.
Result<SafetensorsHeader> read_safetensors_header(const std::filesystem::path& path);

// Writes `tensors` to `path` (a temp file beside it, then rename).
Result<void> write_safetensors(const std::filesystem::path& path,
                               const std::map<std::string, HostTensor>& tensors,
                               const std::map<std::string, std::string>& metadata = {});

}  // namespace kjit::runtime
