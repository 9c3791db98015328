// Definition schema rules; see validate.h. Each check appends Issues and
// keeps going so one run reports everything wrong with a file.
//
// Thread safety: pure functions; the Checker lives on the caller's stack.
#include "jit/definition/validate.h"

#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "jit/definition/dtype.h"
#include "jit/definition/names.h"

namespace kjit::jit {
namespace {

// The parameter names of Python's `def run(`, given the text right after the
// '(' : per comma-separated item at bracket depth 0, the identifier after
// optional '*'s (annotations and defaults, which may hold brackets and commas,
// are skipped), up to the ')' that closes the list. Empty when the list is
// not closed. (No std::regex: it is slow to build and match, and definitions
// are parsed on every cold start.)
std::optional<std::set<std::string>> parameter_names(std::string_view text) {
  std::set<std::string> names;
  auto is_start = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
  auto is_part = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  int depth = 0;
  std::size_t item = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    const bool closes_list = c == ')' && depth == 0;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (!closes_list && (c != ',' || depth > 0)) continue;
    std::size_t b = item;
    while (b < i && (std::isspace(static_cast<unsigned char>(text[b])) || text[b] == '*')) ++b;
    std::size_t e = b;
    if (e < i && is_start(text[e]))
      while (e < i && is_part(text[e])) ++e;
    if (e > b) names.emplace(text.substr(b, e - b));
    if (closes_list) return names;
    item = i + 1;
  }
  return std::nullopt;
}

using Json = nlohmann::ordered_json;

// The largest const axis value: CUDA kernels index with 32-bit ints.
constexpr std::uint64_t k_max_const_axis = 2147483647;

std::string type_name(const Json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "an array";
  return "an object";
}

std::string dtype_list() {
  std::string out;
  for (int i = 0; i < k_dtype_count; ++i) {
    if (i) out += ", ";
    out += dtype_name(static_cast<Dtype>(i));
  }
  return out;
}

class Checker {
 public:
  explicit Checker(std::filesystem::path file) : m_file(std::move(file)) {}

  void error(std::string pointer, std::string message) {
    m_issues.push_back({Severity::error, m_file, std::move(pointer), std::move(message)});
  }
  void warning(std::string pointer, std::string message) {
    m_issues.push_back({Severity::warning, m_file, std::move(pointer), std::move(message)});
  }

  void check(const Json& doc) {
    if (!doc.is_object()) {
      error("", "a definition must be a JSON object, found " + type_name(doc) +
                    "; start the file with { \"name\": ..., \"op_type\": ..., ... }");
      return;
    }
    if (required_string(doc, "name")) file_name(doc, "name");
    if (required_string(doc, "op_type")) file_name(doc, "op_type");
    optional_string(doc, "description");
    string_list(doc, "tags");
    string_list(doc, "constraints");
    std::set<std::string> axis_names = axes(doc);
    std::set<std::string> input_names = tensors(doc, "inputs", axis_names);
    std::set<std::string> output_names = tensors(doc, "outputs", axis_names);
    for (const auto& name : output_names)
      if (input_names.contains(name))
        error("/outputs/" + json_pointer_token(name),
              "'" + name + "' is both an input and an output; rename one of them (an in-place update is an "
              "input plus an output with a different name)");
    reference(doc, input_names);
  }

  std::vector<Issue> take() { return std::move(m_issues); }

 private:
  // True when `key` holds a non-empty string.
  bool required_string(const Json& doc, const std::string& key) {
    auto it = doc.find(key);
    if (it == doc.end()) {
      error("/" + key, "missing required field '" + key + "'; add it as a non-empty string");
    } else if (!it->is_string()) {
      error("/" + key, "'" + key + "' must be a string, found " + type_name(*it));
    } else if (it->get_ref<const std::string&>().empty()) {
      error("/" + key, "'" + key + "' must not be empty");
    } else {
      return true;
    }
    return false;
  }

  // `name` and `op_type` become path components and command-line words (names.h).
  void file_name(const Json& doc, const std::string& key) {
    const std::string& value = doc.at(key).get_ref<const std::string&>();
    std::string problem = definition_name_problem(value);
    if (!problem.empty())
      error("/" + key, "'" + key + "' '" + printable_name(value) + "' is not a valid name: " + problem +
                           "; use 1-200 characters from A-Z a-z 0-9 _ . - not starting with '-' or '.'");
  }

  // Axis and tensor names are emitted into CUDA source and plan JSON (names.h).
  void identifier(const std::string& ptr, const std::string& kind, const std::string& name) {
    if (name.empty() || is_valid_identifier(name)) return;
    error(ptr, kind + " name '" + printable_name(name) +
                   "' is not an identifier; use at most 64 characters from A-Z a-z 0-9 _, not starting with a digit "
                   "(it becomes a CUDA parameter name)");
  }

  void optional_string(const Json& doc, const std::string& key, const std::string& base = "") {
    auto it = doc.find(key);
    if (it != doc.end() && !it->is_null() && !it->is_string())
      error(base + "/" + key, "'" + key + "' must be a string, found " + type_name(*it));
  }

  void string_list(const Json& doc, const std::string& key) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return;
    if (!it->is_array()) {
      error("/" + key, "'" + key + "' must be an array of strings, found " + type_name(*it));
      return;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const Json& item = (*it)[i];
      std::string ptr = "/" + key + "/" + std::to_string(i);
      if (!item.is_string()) error(ptr, "'" + key + "' entries must be strings, found " + type_name(item));
      else if (item.get_ref<const std::string&>().empty()) error(ptr, "'" + key + "' entries must not be empty");
    }
  }

  // The required field `key` of `doc`, an object mapping `kind` names
  // ("axis", "tensor") to spec objects like `example`; null (reported) when
  // it is missing or not an object.
  const Json* named_specs(const Json& doc, const std::string& key, const std::string& kind, const std::string& example) {
    auto it = doc.find(key);
    if (it == doc.end()) {
      error("/" + key, "missing required field '" + key + "'; add an object mapping each " + kind + " name to " + example);
      return nullptr;
    }
    if (!it->is_object()) {
      error("/" + key, "'" + key + "' must be an object mapping " + kind + " names to " + kind + " specs, found " +
                           type_name(*it));
      return nullptr;
    }
    return &*it;
  }

  // Checks one entry of named_specs' object: a non-empty identifier whose
  // spec is an object (`shape`: what it must look like) with an optional
  // string 'description'. False when the spec is not an object.
  bool named_spec(const std::string& ptr, const std::string& kind, const std::string& name, const Json& spec,
                  const std::string& shape) {
    if (name.empty()) error(ptr, kind + " names must not be empty");
    identifier(ptr, kind, name);
    if (!spec.is_object()) {
      error(ptr, kind + " '" + name + "' must be an object " + shape + ", found " + type_name(spec));
      return false;
    }
    optional_string(spec, "description", ptr);
    return true;
  }

  std::set<std::string> axes(const Json& doc) {
    std::set<std::string> names;
    const Json* specs = named_specs(doc, "axes", "axis", "{\"type\": \"const\", \"value\": N} or {\"type\": \"var\"}");
    if (specs == nullptr) {
      m_axes_known = false;
      return names;
    }
    for (const auto& [name, axis] : specs->items()) {
      names.insert(name);
      std::string ptr = "/axes/" + json_pointer_token(name);
      if (!named_spec(ptr, "axis", name, axis, "like {\"type\": \"var\"}")) continue;
      auto type = axis.find("type");
      if (type == axis.end()) {
        error(ptr + "/type", "axis '" + name + "' has no 'type'; set it to \"const\" or \"var\"");
        continue;
      }
      if (!type->is_string() || (*type != "const" && *type != "var")) {
        error(ptr + "/type", "axis '" + name + "' has type " + type->dump() + "; it must be \"const\" or \"var\"");
        continue;
      }
      auto value = axis.find("value");
      if (*type == "const") {
        if (value == axis.end()) {
          error(ptr + "/value", "const axis '" + name + "' needs a 'value' (a non-negative integer)");
        } else if (!value->is_number_integer()) {
          error(ptr + "/value",
                "const axis '" + name + "' has value " + value->dump() + "; it must be a non-negative integer");
        } else if (value->is_number_integer() && !value->is_number_unsigned() && value->get<std::int64_t>() < 0) {
          error(ptr + "/value",
                "const axis '" + name + "' has value " + value->dump() + "; it must be a non-negative integer");
        } else if (value->get<std::uint64_t>() > k_max_const_axis) {
          // Checked before anything converts it to int64 (a value past 2^63 would wrap) or
          // multiplies it (kernels index with 32-bit ints).
          error(ptr + "/value", "const axis '" + name + "' has value " + value->dump() + "; it must be at most " +
                                    std::to_string(k_max_const_axis));
        }
      } else if (value != axis.end()) {
        warning(ptr + "/value", "var axis '" + name + "' has a 'value', which is ignored; remove it, or make "
                                "the axis \"const\"");
      }
    }
    return names;
  }

  std::set<std::string> tensors(const Json& doc, const std::string& key, const std::set<std::string>& axis_names) {
    std::set<std::string> names;
    const Json* specs = named_specs(doc, key, "tensor", "{\"shape\": [axis, ...] or null, \"dtype\": ...}");
    if (specs == nullptr) return names;
    if (key == "outputs" && specs->empty()) error("/outputs", "'outputs' is empty; declare at least one output");
    for (const auto& [name, spec] : specs->items()) {
      names.insert(name);
      std::string ptr = "/" + key + "/" + json_pointer_token(name);
      if (!named_spec(ptr, "tensor", name, spec, "with 'shape' and 'dtype'")) continue;
      shape(spec, ptr, name, axis_names);
      dtype(spec, ptr, name);
      auto opt = spec.find("optional");
      if (opt != spec.end() && !opt->is_boolean())
        error(ptr + "/optional", "'optional' of tensor '" + name + "' must be true or false, found " +
                                     type_name(*opt));
    }
    return names;
  }

  void shape(const Json& spec, const std::string& ptr, const std::string& name,
             const std::set<std::string>& axis_names) {
    auto it = spec.find("shape");
    if (it == spec.end()) {
      error(ptr + "/shape", "tensor '" + name + "' has no 'shape'; give a list of axis names, or null for a scalar");
      return;
    }
    if (it->is_null()) return;  // scalar
    if (!it->is_array()) {
      error(ptr + "/shape", "'shape' of tensor '" + name + "' must be a list of axis names or null, found " +
                                type_name(*it));
      return;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const Json& dim = (*it)[i];
      std::string dim_ptr = ptr + "/shape/" + std::to_string(i);
      if (!dim.is_string()) {
        error(dim_ptr, "dimension " + std::to_string(i) + " of tensor '" + name +
                           "' must be an axis name (a string), found " + dim.dump());
      } else if (m_axes_known && !axis_names.contains(dim.get<std::string>())) {
        error(dim_ptr, "tensor '" + name + "' uses axis '" + dim.get<std::string>() +
                           "', which is not declared; add it to 'axes' or fix the name");
      }
    }
  }

  void dtype(const Json& spec, const std::string& ptr, const std::string& name) {
    auto it = spec.find("dtype");
    if (it == spec.end()) {
      error(ptr + "/dtype", "tensor '" + name + "' has no 'dtype'; use one of " + dtype_list());
    } else if (!it->is_string() || !parse_dtype(it->get<std::string>())) {
      error(ptr + "/dtype", "tensor '" + name + "' has unknown dtype " + it->dump() + "; use one of " + dtype_list());
    }
  }

  void reference(const Json& doc, const std::set<std::string>& input_names) {
    auto it = doc.find("reference");
    if (it == doc.end()) {
      error("/reference", "missing required field 'reference'; add PyTorch source defining "
                          "`def run(<inputs>)` that returns the outputs");
      return;
    }
    if (!it->is_string()) {
      error("/reference", "'reference' must be a string of Python source, found " + type_name(*it));
      return;
    }
    const std::string& src = it->get_ref<const std::string&>();
    auto pos = src.find("def run(");
    if (pos == std::string::npos) {
      error("/reference", "'reference' does not define `def run(`; the entry point must be a function named run "
                          "taking the inputs");
      return;
    }
    // The parameters of run should be the inputs (order may differ).
    const auto parsed = parameter_names(std::string_view(src).substr(pos + 8));
    if (!parsed) return;
    const std::set<std::string>& run_params = *parsed;
    for (const auto& name : input_names)
      if (!run_params.contains(name))
        warning("/reference", "`run` has no parameter named '" + name + "' (an input); the runner passes inputs "
                              "by name, so rename the parameter");
    for (const auto& name : run_params)
      if (!input_names.contains(name))
        warning("/reference", "`run` parameter '" + name + "' is not an input; declare it under 'inputs' or "
                              "remove it");
  }

  std::filesystem::path m_file;
  std::vector<Issue> m_issues;
  // False when 'axes' itself is missing or malformed: shapes are then not
  // checked against it, so one mistake is reported once.
  bool m_axes_known = true;
};

}  // namespace

std::vector<Issue> validate_definition_json(const nlohmann::ordered_json& doc, const std::filesystem::path& file) {
  Checker checker(file);
  checker.check(doc);
  return checker.take();
}

std::vector<Issue> validate_location(const Definition& definition, const std::filesystem::path& file,
                                     const std::filesystem::path& root) {
  std::vector<Issue> issues;
  std::string stem = file.stem().string();
  if (file.extension() == ".json" && stem != definition.name)
    issues.push_back({Severity::warning, file, "/name",
                      "name '" + definition.name + "' differs from the file name '" + stem +
                          ".json'; rename the file to " + definition.name + ".json so lookups by file find it"});
  if (root.empty()) return issues;
  std::error_code ec;
  auto rel = std::filesystem::relative(file, root, ec);
  if (!ec && std::distance(rel.begin(), rel.end()) == 2) {
    std::string folder = rel.begin()->string();
    if (folder != definition.op_type)
      issues.push_back({Severity::warning, file, "/op_type",
                        "op_type '" + definition.op_type + "' differs from its folder '" + folder +
                            "/'; fine for variants filed with a related op (fused_add_rmsnorm under rmsnorm/), "
                            "otherwise move the file to " + definition.op_type + "/"});
  }
  return issues;
}

}  // namespace kjit::jit
