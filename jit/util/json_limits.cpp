// Bounded JSON parsing; see json_limits.h. nlohmann's parse exceptions are
// caught here and become Results.
//
// Thread safety: pure functions.
#include "jit/util/json_limits.h"

#include <fstream>
#include <iterator>

#include "jit/util/str_cat.h"

namespace kjit {
namespace {

// nlohmann's what() reads "[json.exception.parse_error.101] parse error at
// line 3, column 5: syntax error ..."; keep the part after the location.
std::string strip_nlohmann_prefix(const std::string& what) {
  auto loc = what.find("parse error");
  auto pos = what.find(": ", loc == std::string::npos ? 0 : loc);
  if (loc != std::string::npos && pos != std::string::npos) return what.substr(pos + 2);
  return what;
}

}  // namespace

std::string ascii_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      static constexpr char k_hex[] = "0123456789abcdef";
      out += "\\x";
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out;
}

namespace {

std::string located(std::string_view text, std::string_view what, std::size_t offset, std::string_view message) {
  auto [line, column] = text_line_column(text, offset);
  return str_cat(what, ":", line, ":", column, ": ", message);
}

template <class Json>
Result<Json> parse_bounded(std::string_view text, std::string_view what, const JsonLimits& limits) {
  if (auto over = check_json_limits(text, limits))
    return fail(ErrorCode::parse_error, located(text, what, over->offset, over->message));
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    std::size_t offset = e.byte == 0 ? 0 : e.byte - 1;  // `byte` is 1-based
    return fail(ErrorCode::parse_error,
                located(text, what, std::min(offset, text.size()),
                        "malformed JSON: " + ascii_safe(strip_nlohmann_prefix(e.what()))));
  } catch (const nlohmann::json::exception& e) {
    // out_of_range: a number too large for a double (`1e1111`; found by the
    // launch_plan fuzzer), which nlohmann reports by an exception of its own.
    return fail(ErrorCode::parse_error, str_cat(what, ": ", ascii_safe(strip_nlohmann_prefix(e.what()))));
  }
}

}  // namespace

std::optional<JsonLimitError> check_json_limits(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes)
    return JsonLimitError{0, str_cat("document of ", text.size(), " bytes is over the limit of ", limits.max_bytes,
                                     " bytes")};
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // skip the escaped character
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > limits.max_depth)
          return JsonLimitError{i, str_cat("arrays/objects nested deeper than ", limits.max_depth,
                                           " levels; flatten the document")};
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return std::nullopt;
}

std::pair<int, int> text_line_column(std::string_view text, std::size_t offset) {
  int line = 1;
  int column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

Result<nlohmann::json> parse_json(std::string_view text, std::string_view what, const JsonLimits& limits) {
  return parse_bounded<nlohmann::json>(text, what, limits);
}

Result<nlohmann::ordered_json> parse_ordered_json(std::string_view text, std::string_view what,
                                                  const JsonLimits& limits) {
  return parse_bounded<nlohmann::ordered_json>(text, what, limits);
}

Result<std::string> read_file_bounded(const std::filesystem::path& file, std::size_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(file, ec);
  if (ec || !fs::exists(st)) return fail(ErrorCode::not_found, str_cat(file, ": no such file"));
  if (!fs::is_regular_file(st))
    return fail(ErrorCode::invalid_argument, str_cat(file, ": not a regular file (a folder, device or pipe)"));
  const auto size = fs::file_size(file, ec);
  if (ec) return fail(ErrorCode::io_error, str_cat(file, ": cannot read its size: ", ec.message()));
  if (size > max_bytes)
    return fail(ErrorCode::invalid_argument,
                str_cat(file, ": ", size, " bytes is over the limit of ", max_bytes, " bytes"));
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, str_cat(file, ": cannot open for reading; check its permissions"));
  std::string text;
  text.resize(static_cast<std::size_t>(size));
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) return fail(ErrorCode::io_error, str_cat(file, ": read failed"));
  // A file that grew after the size check is read only up to the checked size;
  // one that shrank is read as it is now.
  return text;
}

}  // namespace kjit
