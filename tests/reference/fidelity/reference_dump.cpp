// kjit_reference_dump: writes a fidelity case for tools/dev/reference_fidelity.py.
//
//   kjit_reference_dump DEFINITION.json OUT_DIR [--batch N] [--q-len N]
//                       [--kv-len N] [--m N] [--seed N] [--threads N]
//
// Generates seeded inputs (random_inputs.h), runs the C++ reference and
// writes OUT_DIR/inputs.safetensors (each input in its declared dtype;
// scalars as 0-d tensors) and OUT_DIR/expected.safetensors (each output as
// F64, before any dtype cast). Both carry __metadata__ with the definition
// name and path and the bound axes (JSON). A small local safetensors writer
// keeps this program independent of the runtime's safetensors module.
//
// Thread safety: single-threaded program (the reference spreads itself).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/definition/parse.h"
#include "runtime/reference/reference.h"
#include "tests/reference/fidelity/random_inputs.h"

namespace {

namespace fs = std::filesystem;
using kjit::jit::Dtype;
using kjit::runtime::reference::RefTensor;

struct Entry {
  std::string name;
  std::string dtype;  // safetensors name: F64, F32, F16, BF16, I32, I64
  std::vector<std::int64_t> shape;
  std::string bytes;
};

template <class T>
void append(std::string& bytes, T value) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));  // little-endian hosts only (x86-64, AArch64)
  bytes.append(raw, sizeof(T));
}

// Encodes `t` as `dtype`; empty dtype name when the dtype is not supported.
Entry encode(const std::string& name, const RefTensor& t, Dtype dtype) {
  Entry e{name, {}, t.shape, {}};
  for (double v : t.data) {
    switch (dtype) {
      case Dtype::float32: e.dtype = "F32"; append(e.bytes, static_cast<float>(v)); break;
      case Dtype::bfloat16:
        e.dtype = "BF16";
        append(e.bytes, kjit::runtime::reference::fidelity::float_to_bf16_bits(static_cast<float>(v)));
        break;
      case Dtype::float16:
        e.dtype = "F16";
        append(e.bytes, kjit::runtime::reference::fidelity::float_to_half_bits(static_cast<float>(v)));
        break;
      case Dtype::int32: e.dtype = "I32"; append(e.bytes, static_cast<std::int32_t>(v)); break;
      case Dtype::int64: e.dtype = "I64"; append(e.bytes, static_cast<std::int64_t>(v)); break;
      default: return Entry{name, {}, {}, {}};
    }
  }
  if (t.data.empty()) e.dtype = dtype == Dtype::int32 ? "I32" : dtype == Dtype::int64 ? "I64" : "F32";
  return e;
}

Entry encode_f64(const std::string& name, const RefTensor& t) {
  Entry e{name, "F64", t.shape, {}};
  for (double v : t.data) append(e.bytes, v);
  return e;
}

// safetensors: u64 LE header size, JSON header (padded with spaces to a
// multiple of 8), then the tensors' bytes back to back.
bool write_safetensors(const fs::path& path, const std::vector<Entry>& entries, const nlohmann::json& metadata) {
  nlohmann::ordered_json header;
  header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& e : entries) {
    header[e.name] = {{"dtype", e.dtype}, {"shape", e.shape}, {"data_offsets", {offset, offset + e.bytes.size()}}};
    offset += e.bytes.size();
  }
  std::string text = header.dump();
  while (text.size() % 8 != 0) text.push_back(' ');
  std::ofstream out(path, std::ios::binary);
  std::string size;
  append(size, static_cast<std::uint64_t>(text.size()));
  out << size << text;
  for (const auto& e : entries) out << e.bytes;
  return static_cast<bool>(out.flush());
}

int usage() {
  std::cerr << "usage: kjit_reference_dump DEFINITION.json OUT_DIR [--batch N] [--q-len N] [--kv-len N] [--m N] "
               "[--seed N] [--threads N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const fs::path definition_path = argv[1];
  const fs::path out_dir = argv[2];
  kjit::runtime::reference::fidelity::GenParams params;
  unsigned threads = 0;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const long long value = std::atoll(argv[i + 1]);
    if (flag == "--batch") params.batch = value;
    else if (flag == "--q-len") params.max_q_len = value;
    else if (flag == "--kv-len") params.max_kv_len = value;
    else if (flag == "--m") params.m = value;
    else if (flag == "--seed") params.seed = static_cast<std::uint64_t>(value);
    else if (flag == "--threads") threads = static_cast<unsigned>(value);
    else return usage();
  }
  if ((argc - 3) % 2 != 0) return usage();

  auto def = kjit::jit::load_definition_file(definition_path);
  if (!def) {
    std::cerr << "kjit_reference_dump: " << def.error().full() << "\n";
    return 3;
  }
  if (!kjit::runtime::reference::has_reference(*def)) {
    std::cerr << "kjit_reference_dump: no C++ reference for '" << def->name << "' (op_type " << def->op_type
              << ")\n";
    return 4;
  }
  auto gen = kjit::runtime::reference::fidelity::generate_inputs(*def, params);
  auto outputs = kjit::runtime::reference::run_reference(*def, gen.axes, gen.inputs, {.threads = threads});
  if (!outputs) {
    std::cerr << "kjit_reference_dump: " << outputs.error().full() << "\n";
    return 1;
  }
  nlohmann::json metadata = {{"definition", def->name},
                             {"definition_path", fs::absolute(definition_path).string()},
                             {"axes", nlohmann::json(gen.axes).dump()},
                             {"seed", std::to_string(params.seed)}};
  std::vector<Entry> inputs, expected;
  for (const auto& spec : def->inputs) {
    auto it = gen.inputs.find(spec.name);
    if (it == gen.inputs.end()) continue;
    Entry e = encode(spec.name, it->second, spec.dtype);
    if (e.dtype.empty()) {
      std::cerr << "kjit_reference_dump: input '" << spec.name << "' has a dtype this dump cannot write\n";
      return 1;
    }
    inputs.push_back(std::move(e));
  }
  for (const auto& spec : def->outputs) expected.push_back(encode_f64(spec.name, outputs->at(spec.name)));
  fs::create_directories(out_dir);
  if (!write_safetensors(out_dir / "inputs.safetensors", inputs, metadata) ||
      !write_safetensors(out_dir / "expected.safetensors", expected, metadata)) {
    std::cerr << "kjit_reference_dump: cannot write into " << out_dir << "\n";
    return 1;
  }
  std::cout << nlohmann::json({{"definition", def->name}, {"axes", gen.axes}, {"out_dir", out_dir.string()}}).dump()
            << "\n";
  return 0;
}
