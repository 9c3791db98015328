// Name rules; see names.h.
//
// Thread safety: pure functions.
#include "jit/definition/names.h"

#include <cstdio>

namespace kjit::jit {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

}  // namespace

std::string definition_name_problem(std::string_view name) {
  if (name.empty()) return "it is empty";
  if (name.size() > k_max_name_length)
    return "it has " + std::to_string(name.size()) + " characters (at most " + std::to_string(k_max_name_length) + ")";
  if (name.front() == '-') return "it starts with '-' (it would read as an option)";
  if (name.front() == '.') return "it starts with '.' (a hidden or parent folder)";
  for (char c : name) {
    if (is_name_char(c)) continue;
    if (c == '/' || c == '\\') return "it contains a path separator";
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return "it contains a control character";
    return std::string("it contains '") + (u < 0x80 ? std::string(1, c) : printable_name(std::string_view(&c, 1))) +
           "'";
  }
  return {};
}

bool is_valid_definition_name(std::string_view name) { return definition_name_problem(name).empty(); }

bool is_valid_identifier(std::string_view name) {
  if (name.empty() || name.size() > k_max_identifier_length) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name.front())) return false;
  for (char c : name)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

std::string printable_name(std::string_view name) {
  constexpr std::size_t k_shown = 80;
  std::string out;
  for (std::size_t i = 0; i < name.size() && i < k_shown; ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (name.size() > k_shown) out += "...(" + std::to_string(name.size()) + " characters)";
  return out;
}

Result<void> check_definition_name(std::string_view name, std::string_view what) {
  std::string problem = definition_name_problem(name);
  if (problem.empty()) return {};
  return fail(ErrorCode::invalid_argument,
              std::string(what) + " '" + printable_name(name) + "' is not a valid name: " + problem +
                  "; use 1-200 characters from A-Z a-z 0-9 _ . - not starting with '-' or '.'");
}

}  // namespace kjit::jit
