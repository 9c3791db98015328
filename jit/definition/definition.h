// Definition: the flashinfer-trace kernel definition model (axes, typed
// inputs and outputs in file order, constraints, PyTorch reference).
//
// Parsing and validation live in parse.h / validate.h; this header is the
// plain value model every other stage reads.
//
// Thread safety: plain values; immutable once parsed, safe to share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/definition/dtype.h"

namespace kjit::jit {

enum class AxisKind { const_, var };

struct Axis {
  std::string name;
  AxisKind kind = AxisKind::var;
  std::int64_t value = 0;  // meaningful only for AxisKind::const_
  std::string description;
};

// A tensor (or scalar) argument.
// `shape` empty optional = scalar (`"shape": null`); an empty vector = 0-D tensor (`[]`).
struct TensorSpec {
  std::string name;
  std::optional<std::vector<std::string>> shape;
  Dtype dtype = Dtype::float32;
  std::string description;
  bool optional = false;

  bool is_scalar() const { return !shape.has_value(); }
};

struct Definition {
  std::string name;
  std::string op_type;
  std::string description;
  std::vector<std::string> tags;
  std::vector<Axis> axes;             // file order
  std::vector<TensorSpec> inputs;     // file order
  std::vector<TensorSpec> outputs;    // file order
  std::vector<std::string> constraints;
  std::string reference;              // Python source
  nlohmann::ordered_json raw;         // the JSON as read (unknown keys kept here only)
  std::filesystem::path path;         // empty when not loaded from a file

  const Axis* find_axis(std::string_view axis_name) const;
  const TensorSpec* find_input(std::string_view tensor_name) const;
  const TensorSpec* find_output(std::string_view tensor_name) const;
  // Values of the const axes, by name.
  std::optional<std::int64_t> const_value(std::string_view axis_name) const;
  // Tags of the form "key:value"; returns every value for `key`.
  std::vector<std::string> tag_values(std::string_view key) const;
};

}  // namespace kjit::jit
