// Workloads: flashinfer-trace workload records (`.jsonl`, one Trace record
// per line) and axis text from the command line.
//
// A line: {"definition": NAME, "workload": {"uuid"?: STR,
//   "axes": {AXIS: INT...}, "inputs": {INPUT: {"type": "random"} |
//   {"type": "scalar", "value": NUMBER|BOOL} |
//   {"type": "safetensors", "path": STR, "tensor_key": STR}}}, ...}.
// Other top-level keys ("solution", "evaluation") are ignored; blank lines
// are skipped. Errors name FILE:LINE. Inputs a workload does not mention are
// random (flashinfer-bench's gen_inputs).
//
// Thread safety: functions only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "jit/util/error.h"

namespace kjit::runtime {

// Var-axis values by name.
using AxisValues = std::map<std::string, std::int64_t>;

struct WorkloadInput {
  enum class Kind { random, scalar, safetensors };
  Kind kind = Kind::random;
  double value = 0.0;      // Kind::scalar
  std::string path;        // Kind::safetensors, as written (often relative)
  std::string tensor_key;  // Kind::safetensors
};

struct Workload {
  std::string definition;
  std::string uuid;  // may be empty
  AxisValues axes;
  std::map<std::string, WorkloadInput> inputs;
  std::filesystem::path file;  // where it was read from (may be empty)
  int line = 0;                // 1-based line in `file`

  // "FILE:LINE" (or "workload" when not from a file).
  std::string origin() const;
};

// Parses one line's text; `file` and `line` name it in errors.
Result<Workload> parse_workload_line(std::string_view text, const std::filesystem::path& file,
                                     int line);

// Reads every record of a `.jsonl` file.
Result<std::vector<Workload>> load_workloads(const std::filesystem::path& file);

// Parses `--axes` text: "k=v,k2=v2" (spaces around items allowed; values
// are non-negative decimal integers; a name may appear once).
Result<AxisValues> parse_axes_text(std::string_view text);

// Resolves a workload's safetensors path: absolute paths as they are,
// relative ones against `root` (the trace-set root, e.g. the folder holding
// `workloads/`).
std::filesystem::path resolve_blob_path(const WorkloadInput& input, const std::filesystem::path& root);

}  // namespace kjit::runtime
