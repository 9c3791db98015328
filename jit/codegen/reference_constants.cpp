// Extracts `NAME = <number>` assignments from reference source; see
// reference_constants.h.
#include "jit/codegen/reference_constants.h"

#include <cctype>
#include <charconv>
#include <optional>

namespace kjit::jit {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::optional<ReferenceConstant> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool is_int = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c)) || (i == 0 && (c == '-' || c == '+'))) continue;
    if (c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') {
      is_int = false;
      continue;
    }
    return std::nullopt;
  }
  std::string_view body = (s[0] == '+') ? s.substr(1) : s;
  if (is_int) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
    if (ec != std::errc() || p != body.data() + body.size()) return std::nullopt;
    return v;
  }
  double d = 0;
  auto [p, ec] = std::from_chars(body.data(), body.data() + body.size(), d);
  if (ec != std::errc() || p != body.data() + body.size()) return std::nullopt;
  return d;
}

}  // namespace

std::map<std::string, ReferenceConstant, std::less<>> reference_constants(std::string_view reference) {
  std::map<std::string, ReferenceConstant, std::less<>> out;
  while (!reference.empty()) {
    std::size_t nl = reference.find('\n');
    std::string_view line = reference.substr(0, nl);
    reference = nl == std::string_view::npos ? std::string_view{} : reference.substr(nl + 1);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    if (line.find('=', eq + 1) != std::string_view::npos) continue;  // ==, chained
    char before = line[eq - 1];
    if (before == '!' || before == '<' || before == '>' || before == '+' || before == '-' || before == '*' ||
        before == '/')
      continue;  // augmented assignment or comparison
    std::string_view name = trim(line.substr(0, eq));
    if (!is_identifier(name)) continue;
    auto value = parse_number(trim(line.substr(eq + 1)));
    if (!value) continue;
    out.emplace(std::string(name), *value);
  }
  return out;
}

std::optional<double> reference_constant(std::string_view reference, std::string_view name) {
  auto all = reference_constants(reference);
  auto it = all.find(name);
  if (it == all.end()) return std::nullopt;
  return std::visit([](auto v) { return static_cast<double>(v); }, it->second);
}

}  // namespace kjit::jit
