// DefinitionBuilder: assembles one flashinfer-trace definition (name, op
// type, axes, inputs, outputs, constraints, tags, description) and its
// reference from an embedded template (references.h), then parses and
// validates it with the same code that loads definition files, so what a
// derivation emits is exactly what `kjit lint` accepts.
//
// Thread safety: a builder is a plain value used by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/definition/definition.h"
#include "jit/model/references.h"
#include "jit/util/error.h"

namespace kjit::jit {

class DefinitionBuilder {
 public:
  DefinitionBuilder(std::string name, std::string op_type, std::string description);

  DefinitionBuilder& tag(std::string tag);  // kept once, in first-added order
  DefinitionBuilder& const_axis(const std::string& name, std::int64_t value, const std::string& description);
  DefinitionBuilder& var_axis(const std::string& name, const std::string& description);
  // `shape` empty optional: a scalar (`"shape": null`).
  DefinitionBuilder& input(const std::string& name, std::optional<std::vector<std::string>> shape,
                           const std::string& dtype, const std::string& description, bool optional = false);
  DefinitionBuilder& output(const std::string& name, std::vector<std::string> shape, const std::string& dtype,
                            const std::string& description);
  DefinitionBuilder& constraint(std::string expression);
  // The reference: template `name` rendered with `values` at build().
  DefinitionBuilder& reference(std::string template_name, ReferenceValues values);

  const std::string& name() const { return m_name; }

  // The document in the dataset's key order.
  Result<nlohmann::ordered_json> to_json() const;
  // to_json(), parsed and validated (`internal` error when invalid: the
  // deriving code is wrong, not the user's input).
  Result<Definition> build() const;

 private:
  std::string m_name, m_op_type, m_description;
  std::vector<std::string> m_tags, m_constraints;
  nlohmann::ordered_json m_axes = nlohmann::ordered_json::object();
  nlohmann::ordered_json m_inputs = nlohmann::ordered_json::object();
  nlohmann::ordered_json m_outputs = nlohmann::ordered_json::object();
  std::string m_template;
  ReferenceValues m_values;
};

// A float for a reference constant, round-trippable and readable ("1e-06",
// "2.5"): %.17g trimmed to the shortest form that parses back exactly.
std::string python_float(double value);

}  // namespace kjit::jit
