// Lexer implementation (see lexer.h). One pass over the source; text is found
// with memchr for '{' so long data regions cost little. Each token rule is
// the corresponding regex of jinja2/lexer.py written out by hand.
//
// Thread safety: pure function.
#include "jit/template/lexer.h"

#include <cstring>
#include <string>

#include "jit/template/template_error.h"
#include "jit/template/unicode.h"

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
    case Tok::semicolon: return "';'";
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

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

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
      if (strip_before) text_end = rstrip(pos, text_end);
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
        if (close == std::string_view::npos) throw_parse_error("Missing end of comment tag", open);
        pos = close + 2;
        if (close > inner && m_src[close - 1] == '-') pos = skip_space(pos);
        continue;
      }
      pos = lex_tag(open, inner, kind == '{');
    }
    push(Tok::eof, n, {});
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

  // Length of the Python whitespace character at `p` (0 if none).
  std::size_t space_len(std::size_t p) const {
    unsigned char c = static_cast<unsigned char>(m_src[p]);
    if (c < 0x80) return py_isspace(c) ? 1 : 0;
    std::size_t i = p;
    std::uint32_t cp = next_cp(m_src, i);
    return py_isspace(cp) ? i - p : 0;
  }

  std::size_t skip_space(std::size_t p) const {
    while (p < m_src.size()) {
      std::size_t l = space_len(p);
      if (l == 0) break;
      p += l;
    }
    return p;
  }

  // End of `[begin, end)` after Python's str.rstrip().
  std::size_t rstrip(std::size_t begin, std::size_t end) const {
    while (end > begin) {
      std::size_t b = end - 1;
      while (b > begin && (static_cast<unsigned char>(m_src[b]) & 0xC0) == 0x80) --b;
      if (space_len(b) != end - b) break;
      end = b;
    }
    return end;
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
    if (begin < end) push(Tok::text, begin, m_src.substr(begin, end - begin));
  }

  bool at_word(std::size_t p, std::string_view w) const { return m_src.substr(p, w.size()) == w; }

  // If a raw block starts at `p` (just after "{%" and its control char),
  // returns the offset after its "%}" (and the whitespace a "-%}" strips),
  // else npos. Jinja: {%(-|+|)\s*raw\s*(?:-%}\s*|%})
  std::size_t match_raw_begin(std::size_t p) const {
    p = skip_space(p);
    if (!at_word(p, "raw")) return std::string_view::npos;
    p = skip_space(p + 3);
    if (at_word(p, "%}")) return p + 2;
    if (at_word(p, "-%}")) return skip_space(p + 3);
    return std::string_view::npos;
  }

  // Jinja: (.*?)((?:{%(-|+|))\s*endraw\s*(?:+%}|-%}\s*|%}))
  std::size_t lex_raw(std::size_t open, std::size_t body) {
    std::size_t search = body;
    while (true) {
      std::size_t tag = m_src.find("{%", search);
      if (tag == std::string_view::npos) throw_parse_error("Missing end of raw directive", open);
      std::size_t p = tag + 2;
      bool strip_before = p < m_src.size() && m_src[p] == '-';
      if (p < m_src.size() && (m_src[p] == '-' || m_src[p] == '+')) ++p;
      p = skip_space(p);
      if (!at_word(p, "endraw")) {
        search = tag + 2;
        continue;
      }
      p = skip_space(p + 6);
      std::size_t after;
      if (at_word(p, "+%}") || at_word(p, "%}")) {
        after = p + (m_src[p] == '+' ? 3 : 2);
      } else if (at_word(p, "-%}")) {
        after = skip_space(p + 3);
      } else {
        search = tag + 2;
        continue;
      }
      std::size_t end = strip_before ? rstrip(body, tag) : tag;
      add_text(body, end);
      return after;
    }
  }

  // Lexes the inside of {{ }} or {% %}; returns the offset after the closer
  // (and the whitespace a '-' closer strips).
  std::size_t lex_tag(std::size_t open, std::size_t p, bool is_var) {
    push(is_var ? Tok::var_begin : Tok::block_begin, open, m_src.substr(open, 2));
    std::vector<char> balance;  // expected closers, as Jinja's balancing stack
    const std::size_t n = m_src.size();
    while (true) {
      if (p >= n)
        throw_parse_error(std::string("unexpected end of template: missing '") + (is_var ? "}}" : "%}") +
                              "' to close this tag",
                          open);
      if (balance.empty()) {
        if (is_var) {
          if (at_word(p, "-}}")) {
            push(Tok::var_end, p, m_src.substr(p, 3));
            return skip_space(p + 3);
          }
          if (at_word(p, "}}")) {
            push(Tok::var_end, p, m_src.substr(p, 2));
            return p + 2;
          }
        } else {
          if (at_word(p, "-%}")) {
            push(Tok::block_end, p, m_src.substr(p, 3));
            return skip_space(p + 3);
          }
          if (at_word(p, "+%}") || at_word(p, "%}")) {
            std::size_t len = m_src[p] == '+' ? 3 : 2;
            push(Tok::block_end, p, m_src.substr(p, len));
            return p + len;
          }
        }
      }
      if (std::size_t l = space_len(p)) {
        p = skip_space(p + l);
        continue;
      }
      char c = m_src[p];
      if (is_digit(c)) {
        std::size_t end = match_float(p);
        if (end != std::string_view::npos) {
          push(Tok::floating, p, m_src.substr(p, end - p));
          p = end;
          continue;
        }
        end = match_integer(p);
        push(Tok::integer, p, m_src.substr(p, end - p));
        p = end;
        continue;
      }
      if (is_name_start(c)) {
        std::size_t b = p;
        while (p < n && is_name_char(m_src[p])) ++p;
        if (p < n && static_cast<unsigned char>(m_src[p]) >= 0x80)
          throw_parse_error("unsupported: non-ASCII characters in names", p);
        push(Tok::name, b, m_src.substr(b, p - b));
        continue;
      }
      if (c == '\'' || c == '"') {
        std::size_t b = p++;
        while (p < n && m_src[p] != c) {
          if (m_src[p] == '\\') ++p;
          ++p;
        }
        if (p >= n) throw_parse_error(std::string("unexpected char '") + c + "' (unterminated string literal)", b);
        ++p;
        push(Tok::string, b, m_src.substr(b, p - b));
        continue;
      }
      p = lex_operator(p, balance);
    }
  }

  std::size_t lex_operator(std::size_t p, std::vector<char>& balance) {
    auto two = m_src.substr(p, 2);
    Tok t;
    std::size_t len = 2;
    char c = m_src[p];
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
        case ';': t = Tok::semicolon; break;
        case '(': t = Tok::lparen; balance.push_back(')'); break;
        case '[': t = Tok::lbracket; balance.push_back(']'); break;
        case '{': t = Tok::lbrace; balance.push_back('}'); break;
        case ')':
        case ']':
        case '}': {
          t = c == ')' ? Tok::rparen : (c == ']' ? Tok::rbracket : Tok::rbrace);
          if (balance.empty()) throw_parse_error(std::string("unexpected '") + c + "'", p);
          if (balance.back() != c)
            throw_parse_error(std::string("unexpected '") + c + "', expected '" + balance.back() + "'", p);
          balance.pop_back();
          break;
        }
        default: {
          if (static_cast<unsigned char>(c) >= 0x80) throw_parse_error("unsupported: non-ASCII characters in names", p);
          std::string msg = "unexpected char '";
          msg += c;
          msg += "'";
          throw_parse_error(msg, p);
        }
      }
    }
    push(t, p, m_src.substr(p, len));
    return p + len;
  }

  // (\d+_)*\d+ : digits with single underscores between them.
  std::size_t digit_part(std::size_t p) const {
    const std::size_t n = m_src.size();
    if (p >= n || !is_digit(m_src[p])) return std::string_view::npos;
    while (p < n && is_digit(m_src[p])) {
      ++p;
      if (p + 1 < n && m_src[p] == '_' && is_digit(m_src[p + 1])) ++p;
    }
    return p;
  }

  // float_re: (?<!\.)(\d+_)*\d+((\.(\d+_)*\d+)?e[+\-]?(\d+_)*\d+|\.(\d+_)*\d+)
  std::size_t match_float(std::size_t p) const {
    if (p > 0 && m_src[p - 1] == '.') return std::string_view::npos;
    std::size_t q = digit_part(p);
    const std::size_t n = m_src.size();
    std::size_t frac = std::string_view::npos;
    if (q < n && m_src[q] == '.') frac = digit_part(q + 1);
    std::size_t e = frac != std::string_view::npos ? frac : q;
    if (e < n && (m_src[e] == 'e' || m_src[e] == 'E')) {
      std::size_t s = e + 1;
      if (s < n && (m_src[s] == '+' || m_src[s] == '-')) ++s;
      std::size_t end = digit_part(s);
      if (end != std::string_view::npos) return end;
    }
    return frac;
  }

  // integer_re: 0b(_?[01])+ | 0o(_?[0-7])+ | 0x(_?[\da-f])+ | [1-9](_?\d)* | 0(_?0)*
  std::size_t match_integer(std::size_t p) const {
    const std::size_t n = m_src.size();
    auto run = [&](std::size_t q, auto pred) {
      // (_?X)+ ; returns npos unless at least one X matched
      std::size_t end = std::string_view::npos;
      while (true) {
        std::size_t r = q;
        if (r < n && m_src[r] == '_') ++r;
        if (r < n && pred(m_src[r])) {
          q = r + 1;
          end = q;
        } else {
          return end;
        }
      }
    };
    if (m_src[p] == '0' && p + 1 < n) {
      char b = static_cast<char>(m_src[p + 1] | 0x20);
      std::size_t end = std::string_view::npos;
      if (b == 'b') end = run(p + 2, [](char ch) { return ch == '0' || ch == '1'; });
      else if (b == 'o') end = run(p + 2, [](char ch) { return ch >= '0' && ch <= '7'; });
      else if (b == 'x')
        end = run(p + 2, [](char ch) { return is_digit(ch) || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f'); });
      if (end != std::string_view::npos) return end;
    }
    if (m_src[p] != '0') {
      std::size_t end = run(p + 1, is_digit);
      return end == std::string_view::npos ? p + 1 : end;
    }
    std::size_t end = run(p + 1, [](char ch) { return ch == '0'; });
    return end == std::string_view::npos ? p + 1 : end;
  }

  std::string_view m_src;
  std::vector<Token> m_tokens;
  std::size_t m_line_pos = 0;
  int m_line = 1;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace kjit::jit::detail
