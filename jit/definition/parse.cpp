// Definition parsing; see parse.h. nlohmann's exceptions are caught here and
// turned into Results/Issues; nothing above this file sees them.
//
// Thread safety: pure functions (file reads aside).
#include "jit/definition/parse.h"

#include "jit/definition/validate.h"
#include "jit/util/json_limits.h"

namespace kjit::jit {
namespace {

using Json = nlohmann::ordered_json;

struct SyntaxError {
  int line = 0;
  int column = 0;
  std::string message;
  bool over_limit = false;  // too deep or too large (json_limits.h), not a syntax error
};

// nlohmann's what() reads "[json.exception.parse_error.101] parse error at
// line 3, column 5: syntax error ..."; keep only the part after the location.
std::string strip_nlohmann_prefix(const std::string& what) {
  auto pos = what.find(": ");
  auto loc = what.find("parse error");
  if (loc != std::string::npos && pos != std::string::npos && pos > loc) return what.substr(pos + 2);
  return what;
}

// Definition files are read whole, after a size check (json_limits.h): a
// huge file, a folder or a device named *.json is an error, never a hang.
Result<std::string> read_text(const std::filesystem::path& file) {
  auto text = read_file_bounded(file, k_json_max_bytes);
  if (text) return text;
  if (text.error().code == ErrorCode::not_found)
    return fail(ErrorCode::not_found, file.string() + ": no such definition file; check the path");
  return std::unexpected(text.error());
}

// Over-deep or over-large documents are refused before nlohmann parses
// them: the loader copies and compares definitions recursively, and a
// 100,000-deep array overflowed the stack (every command crashed).
std::expected<Json, SyntaxError> parse_text(std::string_view text) {
  if (auto over = check_json_limits(text)) {
    auto [line, column] = line_column(text, over->offset);
    return std::unexpected(SyntaxError{line, column, over->message, true});
  }
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // `byte` is 1-based: the position of the character that failed.
    std::size_t offset = e.byte == 0 ? 0 : e.byte - 1;
    auto [line, column] = line_column(text, std::min(offset, text.size()));
    // The message quotes the bytes last read: make them printable (and valid UTF-8 for `lint --json`).
    return std::unexpected(SyntaxError{line, column, ascii_safe(strip_nlohmann_prefix(e.what()))});
  }
}

std::string syntax_message(const SyntaxError& e) {
  if (e.over_limit) return "definition refused: " + e.message;
  return "malformed JSON: " + e.message + "; fix the syntax";
}

std::string string_or_empty(const Json& doc, const char* key) {
  auto it = doc.find(key);
  return (it != doc.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

std::vector<std::string> strings_or_empty(const Json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) return {};
  return it->get<std::vector<std::string>>();
}

TensorSpec build_tensor(const std::string& name, const Json& spec) {
  TensorSpec t;
  t.name = name;
  const Json& shape = spec.at("shape");
  if (!shape.is_null()) t.shape = shape.get<std::vector<std::string>>();
  t.dtype = *parse_dtype(spec.at("dtype").get<std::string>());
  t.description = string_or_empty(spec, "description");
  auto opt = spec.find("optional");
  t.optional = opt != spec.end() && opt->is_boolean() && opt->get<bool>();
  return t;
}

// REQUIRES: `doc` passed validate_definition_json with no errors.
Definition build(const Json& doc) {
  Definition d;
  d.name = doc.at("name").get<std::string>();
  d.op_type = doc.at("op_type").get<std::string>();
  d.description = string_or_empty(doc, "description");
  d.tags = strings_or_empty(doc, "tags");
  d.constraints = strings_or_empty(doc, "constraints");
  for (const auto& [name, spec] : doc.at("axes").items()) {
    Axis axis;
    axis.name = name;
    axis.kind = spec.at("type") == "const" ? AxisKind::const_ : AxisKind::var;
    if (axis.kind == AxisKind::const_) axis.value = spec.at("value").get<std::int64_t>();
    axis.description = string_or_empty(spec, "description");
    d.axes.push_back(std::move(axis));
  }
  for (const auto& [name, spec] : doc.at("inputs").items()) d.inputs.push_back(build_tensor(name, spec));
  for (const auto& [name, spec] : doc.at("outputs").items()) d.outputs.push_back(build_tensor(name, spec));
  d.reference = doc.at("reference").get<std::string>();
  d.raw = doc;
  return d;
}

}  // namespace

std::pair<int, int> line_column(std::string_view text, std::size_t offset) { return text_line_column(text, offset); }

Result<Definition> parse_definition(const nlohmann::ordered_json& doc, std::string_view source_name) {
  std::vector<Issue> issues = validate_definition_json(doc, std::filesystem::path(source_name));
  std::size_t errors = count_issues(issues, Severity::error);
  if (errors > 0) {
    std::string details;
    const Issue* first = nullptr;
    for (const auto& issue : issues) {
      if (issue.severity != Severity::error) continue;
      if (!first) first = &issue;
      if (!details.empty()) details += '\n';
      details += issue.to_string();
    }
    return fail(ErrorCode::invalid_argument,
                "invalid definition (" + std::to_string(errors) + (errors == 1 ? " error" : " errors") +
                    "): " + first->to_string(),
                errors > 1 ? details : std::string());
  }
  return build(doc);
}

Result<nlohmann::ordered_json> read_json_file(const std::filesystem::path& file) {
  std::string text = KJIT_TRY(read_text(file));
  auto doc = parse_text(text);
  if (!doc)
    return fail(ErrorCode::parse_error, file.string() + ":" + std::to_string(doc.error().line) + ":" +
                                            std::to_string(doc.error().column) + ": " + syntax_message(doc.error()));
  return std::move(*doc);
}

Result<Definition> load_definition_file(const std::filesystem::path& file) {
  Json doc = KJIT_TRY(read_json_file(file));
  Definition d = KJIT_TRY(parse_definition(doc, file.string()));
  d.path = file;
  return d;
}

FileParse parse_definition_file(const std::filesystem::path& file) {
  auto text = read_text(file);
  if (!text) {
    FileParse out;
    out.issues.push_back({Severity::error, file, "", text.error().message});
    return out;
  }
  return parse_definition_text(*text, file);
}

FileParse parse_definition_text(std::string_view text, const std::filesystem::path& file) {
  FileParse out;
  auto doc = parse_text(text);
  if (!doc) {
    Issue issue{Severity::error, file, "", syntax_message(doc.error())};
    issue.line = doc.error().line;
    issue.column = doc.error().column;
    out.issues.push_back(std::move(issue));
    return out;
  }
  out.issues = validate_definition_json(*doc, file);
  if (count_issues(out.issues, Severity::error) == 0) {
    out.definition = build(*doc);
    out.definition->path = file;
  }
  return out;
}

}  // namespace kjit::jit
