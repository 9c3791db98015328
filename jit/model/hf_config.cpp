// HfConfig accessors; see hf_config.h. nlohmann's exceptions are caught here
// (parsing) or avoided (type checks before every get), so none escape.
//
// Thread safety: immutable after load().
#include "jit/model/hf_config.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "jit/util/json_limits.h"
#include "jit/util/str_cat.h"

namespace kjit::jit {

using nlohmann::json;

namespace {

std::string describe(const json& v) {
  std::string text = v.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// An integral value held as an integer or as a float with no fraction.
std::optional<std::int64_t> as_integer(const json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

}  // namespace

Result<HfConfig> HfConfig::load(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    return fail(ErrorCode::not_found, str_cat(file, ": no such config file; give the path of the model's config.json"));
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, str_cat(file, ": cannot open for reading; check its permissions"));
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    auto [line, column] = text_line_column(text, e.byte == 0 ? 0 : e.byte - 1);
    return fail(ErrorCode::parse_error, str_cat(file, ":", line, ":", column, ": malformed JSON; fix the syntax"));
  }
  return from_json(std::move(doc), file.filename().string());
}

Result<HfConfig> HfConfig::from_json(json doc, std::string source) {
  if (!doc.is_object())
    return fail(ErrorCode::invalid_argument,
                str_cat(source, ": a config.json must be a JSON object, found ", describe(doc)));
  std::string model_type;
  auto it = doc.find("model_type");
  if (it != doc.end() && it->is_string()) model_type = it->get<std::string>();
  auto owned = std::make_shared<const json>(std::move(doc));
  const json* node = owned.get();
  return HfConfig(std::move(owned), node, std::move(source), "", std::move(model_type));
}

Result<std::string> HfConfig::model_type() const {
  auto it = m_node->find("model_type");
  if (it == m_node->end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    return fail(ErrorCode::invalid_argument,
                str_cat(m_source, ": missing field '", m_prefix, "model_type'; a Hugging Face config.json names its "
                        "architecture there (e.g. \"llama\", \"qwen3_moe\", \"deepseek_v3\")"));
  return it->get<std::string>();
}

HfConfig HfConfig::text() const {
  auto it = m_node->find("text_config");
  if (it == m_node->end() || !it->is_object()) return *this;
  return HfConfig(m_doc, &*it, m_source, m_prefix + "text_config.", m_model_type);
}

const json* HfConfig::find(std::string_view field) const {
  auto it = m_node->find(std::string(field));
  if (it == m_node->end() || it->is_null()) return nullptr;
  return &*it;
}

bool HfConfig::has(std::string_view field) const { return find(field) != nullptr; }

std::string HfConfig::where(std::string_view field) const {
  return str_cat(m_source, ": field '", m_prefix, field, "'");
}

std::unexpected<Error> HfConfig::error(std::string_view field, std::string_view message) const {
  return fail(ErrorCode::invalid_argument, str_cat(where(field), ": ", message));
}

Result<const json*> HfConfig::required(std::string_view field) const {
  const json* v = find(field);
  if (v == nullptr)
    return fail(ErrorCode::invalid_argument,
                str_cat(m_source, ": missing field '", m_prefix, field, "' (model_type '", m_model_type,
                        "' needs it to derive the kernels); copy it from the model's config.json"));
  return v;
}

Result<std::int64_t> HfConfig::positive(std::string_view field) const {
  const json* v = KJIT_TRY(required(field));
  auto n = as_integer(*v);
  if (!n || *n <= 0) return error(field, str_cat("must be a positive integer, found ", describe(*v)));
  return *n;
}

Result<std::int64_t> HfConfig::count(std::string_view field) const {
  const json* v = KJIT_TRY(required(field));
  auto n = as_integer(*v);
  if (!n || *n < 0) return error(field, str_cat("must be a non-negative integer, found ", describe(*v)));
  return *n;
}

Result<double> HfConfig::number(std::string_view field) const {
  const json* v = KJIT_TRY(required(field));
  if (!v->is_number() || !std::isfinite(v->get<double>()))
    return error(field, str_cat("must be a number, found ", describe(*v)));
  return v->get<double>();
}

Result<bool> HfConfig::boolean(std::string_view field) const {
  const json* v = KJIT_TRY(required(field));
  if (!v->is_boolean()) return error(field, str_cat("must be true or false, found ", describe(*v)));
  return v->get<bool>();
}

Result<std::string> HfConfig::string(std::string_view field) const {
  const json* v = KJIT_TRY(required(field));
  if (!v->is_string()) return error(field, str_cat("must be a string, found ", describe(*v)));
  return v->get<std::string>();
}

Result<std::vector<std::int64_t>> HfConfig::integers(std::string_view field) const {
  const json* v = KJIT_TRY(required(field));
  if (!v->is_array()) return error(field, str_cat("must be a list of integers, found ", describe(*v)));
  std::vector<std::int64_t> out;
  for (const auto& item : *v) {
    auto n = as_integer(item);
    if (!n) return error(field, str_cat("must be a list of integers, found the entry ", describe(item)));
    out.push_back(*n);
  }
  return out;
}

Result<std::vector<std::string>> HfConfig::strings(std::string_view field) const {
  const json* v = KJIT_TRY(required(field));
  if (!v->is_array()) return error(field, str_cat("must be a list of strings, found ", describe(*v)));
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) return error(field, str_cat("must be a list of strings, found the entry ", describe(item)));
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace kjit::jit
