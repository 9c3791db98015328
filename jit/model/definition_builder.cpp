// DefinitionBuilder; see definition_builder.h.
//
// Thread safety: plain values.
#include "jit/model/definition_builder.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "jit/definition/parse.h"
#include "jit/util/str_cat.h"

namespace kjit::jit {

using nlohmann::ordered_json;

DefinitionBuilder::DefinitionBuilder(std::string name, std::string op_type, std::string description)
    : m_name(std::move(name)), m_op_type(std::move(op_type)), m_description(std::move(description)) {}

DefinitionBuilder& DefinitionBuilder::tag(std::string tag) {
  if (std::find(m_tags.begin(), m_tags.end(), tag) == m_tags.end()) m_tags.push_back(std::move(tag));
  return *this;
}

DefinitionBuilder& DefinitionBuilder::const_axis(const std::string& name, std::int64_t value,
                                                 const std::string& description) {
  m_axes[name] = {{"type", "const"}, {"value", value}, {"description", description}};
  return *this;
}

DefinitionBuilder& DefinitionBuilder::var_axis(const std::string& name, const std::string& description) {
  m_axes[name] = {{"type", "var"}, {"description", description}};
  return *this;
}

DefinitionBuilder& DefinitionBuilder::input(const std::string& name, std::optional<std::vector<std::string>> shape,
                                            const std::string& dtype, const std::string& description,
                                            bool optional) {
  ordered_json spec;
  spec["shape"] = shape ? ordered_json(*shape) : ordered_json(nullptr);
  spec["dtype"] = dtype;
  if (optional) spec["optional"] = true;
  spec["description"] = description;
  m_inputs[name] = std::move(spec);
  return *this;
}

DefinitionBuilder& DefinitionBuilder::output(const std::string& name, std::vector<std::string> shape,
                                             const std::string& dtype, const std::string& description) {
  m_outputs[name] = {{"shape", std::move(shape)}, {"dtype", dtype}, {"description", description}};
  return *this;
}

DefinitionBuilder& DefinitionBuilder::constraint(std::string expression) {
  m_constraints.push_back(std::move(expression));
  return *this;
}

DefinitionBuilder& DefinitionBuilder::reference(std::string template_name, ReferenceValues values) {
  m_template = std::move(template_name);
  m_values = std::move(values);
  return *this;
}

Result<ordered_json> DefinitionBuilder::to_json() const {
  if (m_template.empty()) return fail(ErrorCode::internal, str_cat("definition '", m_name, "' has no reference"));
  std::string reference = KJIT_TRY(render_reference(m_template, m_values));
  ordered_json doc;
  doc["name"] = m_name;
  doc["op_type"] = m_op_type;
  doc["description"] = m_description;
  doc["tags"] = m_tags;
  doc["axes"] = m_axes;
  if (!m_constraints.empty()) doc["constraints"] = m_constraints;
  doc["inputs"] = m_inputs;
  doc["outputs"] = m_outputs;
  doc["reference"] = std::move(reference);
  return doc;
}

Result<Definition> DefinitionBuilder::build() const {
  ordered_json doc = KJIT_TRY(to_json());
  auto parsed = parse_definition(doc, m_name);
  if (!parsed)
    return fail(ErrorCode::internal, str_cat("derived definition '", m_name, "' is invalid: ", parsed.error().message),
                parsed.error().details);
  return parsed;
}

std::string python_float(double value) {
  char text[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  std::string out = text;
  // "1e+06" is valid Python, but "1000000.0" would change an int-looking
  // value's meaning nowhere; keep %g's form and make bare integers floats.
  if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
  return out;
}

}  // namespace kjit::jit
