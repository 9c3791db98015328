// Lexer implementation (see lexer.h). One pass over the source; text is found
// with memchr for '{' so long data regions cost little.
//
// Thread safety: pure function.
#include "jit/template/lexer.h"

#include <cctype>
#include <cstring>
#include <string>

#include "jit/template/template_error.h"

namespace kjit::jit::detail {

const char* describe(Tok kind) {
  switch (kind) {
    case Tok::text: return "template data";
    case Tok::var_begin: return "'{{'";
    case Tok::var_end: return "'}}'";
    case Tok::block_begin: return "'{%'";
    case Tok::block_end: return "'%}'";
    case Tok::name: return "name";
    case Tok::integer: return "integer";
    case Tok::floating: return "float";
    case Tok::string: return "string";
    case Tok::add: return "'+'";
    case Tok::sub: return "'-'";
    case Tok::mul: return "'*'";
    case Tok::div: return "'/'";
    case Tok::floordiv: return "'//'";
    case Tok::mod: return "'%'";
    case Tok::pow: return "'**'";
    case Tok::tilde: return "'~'";
    case Tok::eq: return "'=='";
    case Tok::ne: return "'!='";
    case Tok::lt: return "'<'";
    case Tok::gt: return "'>'";
    case Tok::le: return "'<='";
    case Tok::ge: return "'>='";
    case Tok::assign: return "'='";
    case Tok::dot: return "'.'";
    case Tok::comma: return "','";
    case Tok::colon: return "':'";
    case Tok::pipe: return "'|'";
    case Tok::lparen: return "'('";
    case Tok::rparen: return "')'";
    case Tok::lbracket: return "'['";
    case Tok::rbracket: return "']'";
    case Tok::lbrace: return "'{'";
    case Tok::rbrace: return "'}'";
    case Tok::eof: return "end of template";
  }
  return "token";
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  explicit Lexer(std::string_view src) : m_src(src) {}

  std::vector<Token> run() {
    std::size_t pos = 0;
    const std::size_t n = m_src.size();
    while (pos < n) {
      std::size_t open = find_open(pos);
      if (open == std::string_view::npos) {
        add_text(pos, n);
        break;
      }
      char kind = m_src[open + 1];
      char ctl = open + 2 < n ? m_src[open + 2] : '\0';
      bool strip_before = ctl == '-';
      std::size_t inner = open + 2 + ((ctl == '-' || ctl == '+') ? 1 : 0);
      std::size_t text_end = open;
      if (strip_before)
        while (text_end > pos && is_space(m_src[text_end - 1])) --text_end;
      if (kind == '%') {
        std::size_t after_raw = match_raw_begin(inner);
        if (after_raw != std::string_view::npos) {
          add_text(pos, text_end);
          pos = lex_raw(open, after_raw);
          continue;
        }
      }
      add_text(pos, text_end);
      if (kind == '#') {
        std::size_t close = m_src.find("#}", inner);
        if (close == std::string_view::npos) throw_parse_error("unterminated comment: missing '#}'", open);
        m_lstrip_next = close > inner && m_src[close - 1] == '-';
        pos = close + 2;
        continue;
      }
      pos = lex_tag(open, inner, kind == '{');
    }
    push(Tok::eof, static_cast<std::uint32_t>(n), {});
    return std::move(m_tokens);
  }

 private:
  std::size_t find_open(std::size_t pos) const {
    const char* base = m_src.data();
    const std::size_t n = m_src.size();
    while (pos + 1 < n) {
      const void* p = std::memchr(base + pos, '{', n - pos - 1);
      if (!p) return std::string_view::npos;
      std::size_t at = static_cast<std::size_t>(static_cast<const char*>(p) - base);
      char next = m_src[at + 1];
      if (next == '{' || next == '%' || next == '#') return at;
      pos = at + 1;
    }
    return std::string_view::npos;
  }

  int line_at(std::size_t offset) {
    // Offsets are requested in increasing order, so count incrementally.
    if (offset < m_line_pos) {
      m_line_pos = 0;
      m_line = 1;
    }
    for (; m_line_pos < offset; ++m_line_pos)
      if (m_src[m_line_pos] == '\n') ++m_line;
    return m_line;
  }

  void push(Tok kind, std::size_t offset, std::string_view text) {
    m_tokens.push_back(Token{kind, static_cast<std::uint32_t>(offset), text, line_at(offset)});
  }

  void add_text(std::size_t begin, std::size_t end) {
    if (m_lstrip_next) {
      while (begin < end && is_space(m_src[begin])) ++begin;
      m_lstrip_next = false;
    }
    if (begin < end) push(Tok::text, begin, m_src.substr(begin, end - begin));
  }

  // If a raw block starts at `inner` (just after "{%" and its control char),
  // returns the offset after its "%}", else npos.
  std::size_t match_raw_begin(std::size_t p) const {
    while (p < m_src.size() && is_space(m_src[p])) ++p;
    if (m_src.substr(p, 3) != "raw") return std::string_view::npos;
    p += 3;
    while (p < m_src.size() && is_space(m_src[p])) ++p;
    if (m_src.substr(p, 2) == "%}") return p + 2;
    if (m_src.substr(p, 3) == "-%}") {
      p += 3;
      while (p < m_src.size() && is_space(m_src[p])) ++p;
      return p;
    }
    return std::string_view::npos;
  }

  std::size_t lex_raw(std::size_t open, std::size_t body) {
    std::size_t search = body;
    while (true) {
      std::size_t tag = m_src.find("{%", search);
      if (tag == std::string_view::npos) throw_parse_error("missing '{% endraw %}' for this raw block", open);
      std::size_t p = tag + 2;
      bool strip_before = p < m_src.size() && m_src[p] == '-';
      if (p < m_src.size() && (m_src[p] == '-' || m_src[p] == '+')) ++p;
      while (p < m_src.size() && is_space(m_src[p])) ++p;
      if (m_src.substr(p, 6) != "endraw") {
        search = tag + 2;
        continue;
      }
      p += 6;
      while (p < m_src.size() && is_space(m_src[p])) ++p;
      bool strip_after = false;
      if (m_src.substr(p, 2) == "%}") {
        p += 2;
      } else if (m_src.substr(p, 3) == "-%}") {
        p += 3;
        strip_after = true;
      } else {
        search = tag + 2;
        continue;
      }
      std::size_t end = tag;
      if (strip_before)
        while (end > body && is_space(m_src[end - 1])) --end;
      if (body < end) push(Tok::text, body, m_src.substr(body, end - body));
      m_lstrip_next = strip_after;
      return p;
    }
  }

  // Lexes the inside of {{ }} or {% %}; returns the offset after the closer.
  std::size_t lex_tag(std::size_t open, std::size_t p, bool is_var) {
    push(is_var ? Tok::var_begin : Tok::block_begin, open, m_src.substr(open, 2));
    const char close_char = is_var ? '}' : '%';
    int depth = 0;
    const std::size_t n = m_src.size();
    while (true) {
      while (p < n && is_space(m_src[p])) ++p;
      if (p >= n)
        throw_parse_error(std::string("unexpected end of template: missing '") + (is_var ? "}}" : "%}") +
                              "' to close this tag",
                          open);
      char c = m_src[p];
      if (depth == 0) {
        if (c == '-' && p + 2 < n && m_src[p + 1] == close_char && m_src[p + 2] == '}') {
          push(is_var ? Tok::var_end : Tok::block_end, p, m_src.substr(p, 3));
          m_lstrip_next = true;
          return p + 3;
        }
        if (c == close_char && p + 1 < n && m_src[p + 1] == '}') {
          push(is_var ? Tok::var_end : Tok::block_end, p, m_src.substr(p, 2));
          return p + 2;
        }
      }
      if (is_name_start(c)) {
        std::size_t b = p;
        while (p < n && is_name_char(m_src[p])) ++p;
        push(Tok::name, b, m_src.substr(b, p - b));
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c))) {
        p = lex_number(p);
        continue;
      }
      if (c == '\'' || c == '"') {
        std::size_t b = p++;
        while (p < n && m_src[p] != c) {
          if (m_src[p] == '\\') ++p;
          ++p;
        }
        if (p >= n) throw_parse_error("unterminated string literal", b);
        ++p;
        push(Tok::string, b, m_src.substr(b, p - b));
        continue;
      }
      auto two = m_src.substr(p, 2);
      Tok t;
      std::size_t len = 2;
      if (two == "//") t = Tok::floordiv;
      else if (two == "**") t = Tok::pow;
      else if (two == "==") t = Tok::eq;
      else if (two == "!=") t = Tok::ne;
      else if (two == "<=") t = Tok::le;
      else if (two == ">=") t = Tok::ge;
      else {
        len = 1;
        switch (c) {
          case '+': t = Tok::add; break;
          case '-': t = Tok::sub; break;
          case '*': t = Tok::mul; break;
          case '/': t = Tok::div; break;
          case '%': t = Tok::mod; break;
          case '~': t = Tok::tilde; break;
          case '<': t = Tok::lt; break;
          case '>': t = Tok::gt; break;
          case '=': t = Tok::assign; break;
          case '.': t = Tok::dot; break;
          case ',': t = Tok::comma; break;
          case ':': t = Tok::colon; break;
          case '|': t = Tok::pipe; break;
          case '(': t = Tok::lparen; ++depth; break;
          case '[': t = Tok::lbracket; ++depth; break;
          case '{': t = Tok::lbrace; ++depth; break;
          case ')': t = Tok::rparen; if (depth > 0) --depth; break;
          case ']': t = Tok::rbracket; if (depth > 0) --depth; break;
          case '}': t = Tok::rbrace; if (depth > 0) --depth; break;
          default: {
            std::string msg = "unexpected character '";
            msg += c;
            msg += "'";
            throw_parse_error(msg, p);
          }
        }
      }
      push(t, p, m_src.substr(p, len));
      p += len;
    }
  }

  std::size_t lex_number(std::size_t p) {
    const std::size_t n = m_src.size();
    std::size_t b = p;
    auto digits = [&](auto pred) {
      while (p < n && (pred(m_src[p]) || (m_src[p] == '_' && p + 1 < n && pred(m_src[p + 1])))) ++p;
    };
    auto dec = [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)) != 0; };
    if (m_src[p] == '0' && p + 1 < n && std::strchr("xXoObB", m_src[p + 1]) && m_src[p + 1] != '\0') {
      char base = static_cast<char>(std::tolower(static_cast<unsigned char>(m_src[p + 1])));
      auto pred = [base](char ch) {
        if (base == 'x') return std::isxdigit(static_cast<unsigned char>(ch)) != 0;
        if (base == 'o') return ch >= '0' && ch <= '7';
        return ch == '0' || ch == '1';
      };
      if (p + 2 < n && pred(m_src[p + 2])) {
        p += 2;
        digits(pred);
        push(Tok::integer, b, m_src.substr(b, p - b));
        return p;
      }
    }
    digits(dec);
    bool is_float = false;
    if (p + 1 < n && m_src[p] == '.' && dec(m_src[p + 1])) {
      ++p;
      digits(dec);
      is_float = true;
    }
    if (p < n && (m_src[p] == 'e' || m_src[p] == 'E')) {
      std::size_t q = p + 1;
      if (q < n && (m_src[q] == '+' || m_src[q] == '-')) ++q;
      if (q < n && dec(m_src[q])) {
        p = q;
        digits(dec);
        is_float = true;
      }
    }
    push(is_float ? Tok::floating : Tok::integer, b, m_src.substr(b, p - b));
    return p;
  }

  std::string_view m_src;
  std::vector<Token> m_tokens;
  bool m_lstrip_next = false;
  std::size_t m_line_pos = 0;
  int m_line = 1;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace kjit::jit::detail
