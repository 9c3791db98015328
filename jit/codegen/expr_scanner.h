// ExprScanner: the character-level reading of launch-plan expressions,
// shared by their two parsers over one grammar (launch_plan.h): the
// evaluator in launch_plan.cpp (jit::eval_expr) and runtime's compiler to
// postfix programs (runtime/plan_program.cpp). It skips white space, takes
// one-character operators, and reads unsigned decimal integers (bounded to
// int64) and C identifiers; the parsers keep the grammar and their messages.
//
// Thread safety: a cursor over a borrowed string_view; one per parse.
#pragma once

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

namespace kjit::jit {

class ExprScanner {
 public:
  explicit ExprScanner(std::string_view text) : m_text(text) {}

  std::string_view text() const { return m_text; }
  std::size_t pos() const { return m_pos; }
  bool at_end() const { return m_pos >= m_text.size(); }
  // REQUIRES: !at_end().
  char peek() const { return m_text[m_pos]; }

  void skip_ws() {
    while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos]))) ++m_pos;
  }
  // Skips white space, then takes `c` if it is next.
  bool eat(char c) {
    skip_ws();
    if (m_pos < m_text.size() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }

  bool at_integer() const { return !at_end() && std::isdigit(static_cast<unsigned char>(peek())); }
  bool at_name() const { return !at_end() && (std::isalpha(static_cast<unsigned char>(peek())) || peek() == '_'); }

  // Reads the digits at the cursor into `value`; false (the caller reports
  // "integer too large") when they do not fit an int64. REQUIRES: at_integer().
  bool integer(std::int64_t& value) {
    value = 0;
    while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) {
      if (value > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return false;
      value = value * 10 + (m_text[m_pos++] - '0');
    }
    return true;
  }
  // Reads the identifier at the cursor. REQUIRES: at_name().
  std::string_view name() {
    const std::size_t start = m_pos;
    while (m_pos < m_text.size() && (std::isalnum(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '_')) ++m_pos;
    return m_text.substr(start, m_pos - start);
  }

 private:
  std::string_view m_text;
  std::size_t m_pos = 0;
};

}  // namespace kjit::jit
