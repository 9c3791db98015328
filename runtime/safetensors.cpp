// safetensors parsing, validation, decoding and writing; see safetensors.h
// for the grammar and the validation rules.
#include "runtime/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "jit/util/json_limits.h"

namespace kjit::runtime {
namespace {

// Header lengths above this are rejected (the reference implementation's
// limit), so a corrupt length cannot make us allocate gigabytes.
constexpr std::uint64_t k_max_header_len = 100'000'000;

struct DtypeInfo {
  std::string_view name;
  int bits;
  std::optional<Dtype> dtype;
};

constexpr DtypeInfo k_dtypes[] = {
    {"F32", 32, Dtype::float32},        {"F16", 16, Dtype::float16},
    {"BF16", 16, Dtype::bfloat16},      {"F8_E4M3", 8, Dtype::float8_e4m3fn},
    {"F8_E5M2", 8, Dtype::float8_e5m2}, {"F4", 4, Dtype::float4_e2m1},
    {"I8", 8, Dtype::int8},             {"I16", 16, Dtype::int16},
    {"I32", 32, Dtype::int32},          {"I64", 64, Dtype::int64},
    {"BOOL", 8, Dtype::boolean},        {"F64", 64, std::nullopt},
    {"U8", 8, std::nullopt},            {"U16", 16, std::nullopt},
    {"U32", 32, std::nullopt},          {"U64", 64, std::nullopt},
    {"F8_E8M0", 8, std::nullopt},       {"F6_E2M3", 6, std::nullopt},
    {"F6_E3M2", 6, std::nullopt},
};

const DtypeInfo* find_dtype(std::string_view name) {
  for (const auto& d : k_dtypes) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::unexpected<Error> corrupt(std::string_view origin, const std::string& what) {
  return fail(ErrorCode::corruption, std::string(origin) + ": " + what,
              "the file is not a valid safetensors file; re-create it");
}

Result<std::vector<std::uint8_t>> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(ErrorCode::not_found, path.string() + ": no such safetensors file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, path.string() + ": cannot open for reading");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    return fail(ErrorCode::io_error, path.string() + ": read failed");
  }
  return bytes;
}

Result<HostTensor> decode_entry(std::span<const std::uint8_t> file, const SafetensorsHeader& header,
                                const SafetensorsEntry& entry, std::string_view origin) {
  const DtypeInfo* info = find_dtype(entry.dtype);
  if (!info || !info->dtype) {
    return fail(ErrorCode::invalid_argument,
                std::string(origin) + ": tensor '" + entry.name + "' has dtype " + entry.dtype +
                    ", which kjit cannot load (supported: F32 F16 BF16 F8_E4M3 F8_E5M2 F4 I8 I16 "
                    "I32 I64 BOOL)");
  }
  HostTensor t;
  t.dtype = *info->dtype;
  t.shape = entry.shape;
  const auto* begin = file.data() + header.data_start + entry.begin;
  t.bytes.assign(begin, begin + (entry.end - entry.begin));
  return t;
}

}  // namespace

const SafetensorsEntry* SafetensorsHeader::find(std::string_view name) const {
  for (const auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::string_view safetensors_dtype_name(Dtype dtype) {
  for (const auto& d : k_dtypes) {
    if (d.dtype == dtype) return d.name;
  }
  return "?";
}

std::optional<Dtype> parse_safetensors_dtype(std::string_view name) {
  const DtypeInfo* d = find_dtype(name);
  return d ? d->dtype : std::nullopt;
}

Result<SafetensorsHeader> parse_safetensors_header(std::span<const std::uint8_t> file,
                                                   std::string_view origin) {
  if (file.size() < 8) {
    return corrupt(origin, "file has " + std::to_string(file.size()) +
                               " bytes, fewer than the 8-byte header length");
  }
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | file[static_cast<std::size_t>(i)];
  if (header_len > k_max_header_len || header_len > file.size() - 8) {
    return corrupt(origin, "header length " + std::to_string(header_len) + " exceeds the file (" +
                               std::to_string(file.size()) + " bytes)");
  }
  const auto* text = reinterpret_cast<const char*>(file.data() + 8);
  // Outside input: nesting bounded like every JSON (jit/util/json_limits.h).
  if (auto over = check_json_limits(std::string_view(text, static_cast<std::size_t>(header_len))))
    return corrupt(origin, "header " + over->message);
  nlohmann::json json = nlohmann::json::parse(text, text + header_len, nullptr, false);
  if (json.is_discarded()) return corrupt(origin, "header is not valid JSON");
  if (!json.is_object()) return corrupt(origin, "header is not a JSON object");

  SafetensorsHeader header;
  header.data_start = static_cast<std::int64_t>(8 + header_len);
  const auto data_size = static_cast<std::int64_t>(file.size()) - header.data_start;
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& v = it.value();
    if (key == "__metadata__") {
      if (!v.is_object()) return corrupt(origin, "__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) {
          return corrupt(origin, "__metadata__ value for '" + m.key() + "' is not a string");
        }
        header.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + key + "'";
    if (!v.is_object()) return corrupt(origin, where + " is not an object");
    if (!v.contains("dtype") || !v["dtype"].is_string()) {
      return corrupt(origin, where + " has no string 'dtype'");
    }
    SafetensorsEntry e;
    e.name = key;
    e.dtype = v["dtype"].get<std::string>();
    const DtypeInfo* info = find_dtype(e.dtype);
    if (!info) return corrupt(origin, where + " has unknown dtype '" + e.dtype + "'");
    if (!v.contains("shape") || !v["shape"].is_array()) {
      return corrupt(origin, where + " has no 'shape' array");
    }
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned()) return corrupt(origin, where + " has a shape entry that is not a non-negative integer");
      const auto dim = d.get<std::uint64_t>();
      if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return corrupt(origin, where + " has a dimension too large");
      }
      e.shape.push_back(static_cast<std::int64_t>(dim));
    }
    const auto& off = v.contains("data_offsets") ? v["data_offsets"] : nlohmann::json();
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned()) {
      return corrupt(origin, where + " has no 'data_offsets' pair of non-negative integers");
    }
    const auto b = off[0].get<std::uint64_t>(), en = off[1].get<std::uint64_t>();
    if (b > en) {
      return corrupt(origin, where + " has data_offsets [" + std::to_string(b) + ", " +
                                 std::to_string(en) + "] with begin after end");
    }
    if (en > static_cast<std::uint64_t>(data_size)) {
      return corrupt(origin, where + " ends at byte " + std::to_string(en) +
                                 " beyond the data section (" + std::to_string(data_size) + " bytes)");
    }
    e.begin = static_cast<std::int64_t>(b);
    e.end = static_cast<std::int64_t>(en);
    const std::int64_t numel = shape_numel(e.shape);
    if (numel < 0 || numel > std::numeric_limits<std::int64_t>::max() / 64) {
      return corrupt(origin, where + " has a shape whose element count overflows");
    }
    const std::int64_t bits = numel * info->bits;
    if (bits % 8 != 0) {
      return corrupt(origin, where + " (" + e.dtype + ", " + std::to_string(numel) +
                                 " elements) does not fill whole bytes");
    }
    if (bits / 8 != e.end - e.begin) {
      return corrupt(origin, where + " has shape " + shape_to_string(e.shape) + " of " + e.dtype +
                                 " (" + std::to_string(bits / 8) + " bytes) but data_offsets span " +
                                 std::to_string(e.end - e.begin) + " bytes");
    }
    header.entries.push_back(std::move(e));
  }

  std::vector<const SafetensorsEntry*> sorted;
  for (const auto& e : header.entries) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  std::int64_t expected = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const auto* e : sorted) {
    if (e->begin < expected) {
      return corrupt(origin, "tensor '" + e->name + "' [" + std::to_string(e->begin) + ", " +
                                 std::to_string(e->end) + ") overlaps tensor '" + previous->name +
                                 "' [" + std::to_string(previous->begin) + ", " +
                                 std::to_string(previous->end) + ")");
    }
    if (e->begin > expected) {
      return corrupt(origin, "bytes [" + std::to_string(expected) + ", " + std::to_string(e->begin) +
                                 ") of the data section belong to no tensor (before '" + e->name + "')");
    }
    expected = e->end;
    previous = e;
  }
  if (expected != data_size) {
    return corrupt(origin, "data section has " + std::to_string(data_size) +
                               " bytes but the tensors cover " + std::to_string(expected));
  }
  return header;
}

Result<std::map<std::string, HostTensor>> decode_safetensors(std::span<const std::uint8_t> file,
                                                             std::string_view origin) {
  const SafetensorsHeader header = KJIT_TRY(parse_safetensors_header(file, origin));
  std::map<std::string, HostTensor> out;
  for (const auto& e : header.entries) out[e.name] = KJIT_TRY(decode_entry(file, header, e, origin));
  return out;
}

Result<std::vector<std::uint8_t>> encode_safetensors(
    const std::map<std::string, HostTensor>& tensors,
    const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::int64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") {
      return fail(ErrorCode::invalid_argument, "a tensor cannot be named '__metadata__'");
    }
    const std::int64_t numel = t.numel();
    if (numel < 0) {
      return fail(ErrorCode::invalid_argument, "tensor '" + name + "' has an invalid shape " +
                                                   shape_to_string(t.shape));
    }
    if (t.dtype == Dtype::float4_e2m1 && numel % 2 != 0) {
      return fail(ErrorCode::invalid_argument,
                  "tensor '" + name + "' has an odd number of fp4 elements (" +
                      std::to_string(numel) + "); safetensors F4 needs whole bytes");
    }
    if (static_cast<std::int64_t>(t.bytes.size()) != t.byte_size()) {
      return fail(ErrorCode::invalid_argument,
                  "tensor '" + name + "' holds " + std::to_string(t.bytes.size()) +
                      " bytes but " + t.describe() + " needs " + std::to_string(t.byte_size()));
    }
    nlohmann::ordered_json entry;
    entry["dtype"] = safetensors_dtype_name(t.dtype);
    entry["shape"] = t.shape;
    entry["data_offsets"] = {offset, offset + t.byte_size()};
    header[name] = std::move(entry);
    offset += t.byte_size();
  }
  std::string text = header.dump();
  while (text.size() % 8 != 0) text.push_back(' ');
  std::vector<std::uint8_t> out;
  out.reserve(8 + text.size() + static_cast<std::size_t>(offset));
  const std::uint64_t len = text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
  out.insert(out.end(), text.begin(), text.end());
  for (const auto& [name, t] : tensors) out.insert(out.end(), t.bytes.begin(), t.bytes.end());
  return out;
}

Result<std::map<std::string, HostTensor>> read_safetensors(const std::filesystem::path& path) {
  const auto bytes = KJIT_TRY(read_file(path));
  return decode_safetensors(bytes, path.string());
}

Result<HostTensor> read_safetensors_tensor(const std::filesystem::path& path, std::string_view key) {
  const auto bytes = KJIT_TRY(read_file(path));
  const SafetensorsHeader header = KJIT_TRY(parse_safetensors_header(bytes, path.string()));
  const SafetensorsEntry* e = header.find(key);
  if (!e) {
    std::string names;
    for (const auto& x : header.entries) names += (names.empty() ? "" : ", ") + x.name;
    return fail(ErrorCode::not_found, path.string() + ": no tensor '" + std::string(key) +
                                          "' (tensors: " + names + ")");
  }
  return decode_entry(bytes, header, *e, path.string());
}

Result<SafetensorsHeader> read_safetensors_header(const std::filesystem::path& path) {
  const auto bytes = KJIT_TRY(read_file(path));
  return parse_safetensors_header(bytes, path.string());
}

Result<void> write_safetensors(const std::filesystem::path& path,
                               const std::map<std::string, HostTensor>& tensors,
                               const std::map<std::string, std::string>& metadata) {
  const auto bytes = KJIT_TRY(encode_safetensors(tensors, metadata));
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail(ErrorCode::io_error, tmp.string() + ": cannot open for writing");
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return fail(ErrorCode::io_error, tmp.string() + ": write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return fail(ErrorCode::io_error, path.string() + ": cannot rename the temp file into place: " + ec.message());
  }
  return {};
}

}  // namespace kjit::runtime
