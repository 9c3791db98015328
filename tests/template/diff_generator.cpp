// Differential-test generator (see diff_generator.h). Expressions are typed
// (numbers, strings, lists, dicts, booleans) so most templates are valid;
// the rare errors (division by zero, type errors, undefined values) must
// then fail in both engines.
//
// Thread safety: single-threaded generator state.
#include "diff_generator.h"

#include <algorithm>

namespace kjit::jit::testing {

namespace {

const std::vector<std::string> k_strings = {
    "a",      "Hello",   "héllo",  "ΑΣ",     "straße", "İx",     "ǆemo",   "日本語", "a b  c", "  pad  ",
    "Ab-cD(ef)", "<b>&'\"", "x\\ty\\nz", "١٢٣",  "1_000",  " 42 ",   "0x1f",   "3.5e2",  "inf",    "nan",
    "-7",     "",        "ß",      "ǅ",      "MiXeD cAsE", "tab\\tsep", "a,b,,c", "--x--", "ΣΑΣ ΟΔΟΣ", "ﬀ"};

}  // namespace

std::string DiffGenerator::json_string() {
  std::string s = one_of(k_strings);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += "\\\"";
    else out += c;
  }
  return out + "\"";
}

std::string DiffGenerator::json_value(int depth) {
  if (depth <= 0 || coin(55)) {
    switch (pick(7)) {
      case 0: return std::to_string(pick(41) - 20);
      case 1: return one({"0.1", "2.5", "-0.0", "1e16", "1e-05", "123.456", "1e300", "3.0", "-2.75"});
      case 2: return json_string();
      case 3: return one({"true", "false", "null"});
      case 4: return one({"1099511627776", "-4611686018427387904", "9007199254740993"});
      default: return std::to_string(pick(10));
    }
  }
  if (coin()) {
    std::string s = "[";
    int n = pick(4);
    for (int i = 0; i < n; ++i) s += (i ? ", " : "") + json_value(depth - 1);
    return s + "]";
  }
  std::vector<std::string> keys = {"a", "b", "c", "name", "zeta", "Alpha", "k1", "_x", "é"};
  std::shuffle(keys.begin(), keys.end(), m_rng);
  std::string s = "{";
  int n = pick(4);
  for (int i = 0; i < n; ++i) s += (i ? ", \"" : "\"") + keys[static_cast<std::size_t>(i)] + "\": " + json_value(depth - 1);
  return s + "}";
}

std::string DiffGenerator::context() {
  std::vector<std::string> entries;
  entries.push_back("\"i1\": " + std::to_string(pick(21) - 10));
  entries.push_back("\"i2\": " + one({"-4", "3", "1099511627776", "-7", "250"}));
  entries.push_back("\"f1\": " + one({"2.5", "0.1", "-1.75", "1e16", "3.0", "1e-05"}));
  entries.push_back("\"n0\": 0");
  entries.push_back("\"x\": 1");
  entries.push_back("\"loop_i\": 7");
  entries.push_back("\"s1\": " + json_string());
  entries.push_back("\"s2\": " + json_string());
  entries.push_back(std::string("\"flag\": ") + (coin() ? "true" : "false"));
  {
    std::string l = "[";
    int n = 1 + pick(5);
    for (int i = 0; i < n; ++i) l += (i ? ", " : "") + std::to_string(pick(9) - 2);
    entries.push_back("\"l1\": " + l + "]");
  }
  {
    std::string l = "[";
    int n = 1 + pick(4);
    for (int i = 0; i < n; ++i) l += (i ? ", " : "") + json_string();
    entries.push_back("\"names\": " + l + "]");
  }
  {
    std::vector<std::string> kv = {"\"a\": " + std::to_string(pick(9)), "\"b\": " + std::to_string(pick(9) - 4),
                                   "\"name\": " + json_string(), "\"zeta\": " + json_value(1),
                                   "\"Alpha\": " + json_value(1), "\"c\": " + json_value(2)};
    std::shuffle(kv.begin(), kv.end(), m_rng);
    std::size_t keep = 3 + static_cast<std::size_t>(pick(4));
    std::string d = "{";
    bool first = true;
    for (std::size_t i = 0; i < kv.size(); ++i) {
      if (i >= keep && kv[i].rfind("\"a\"", 0) != 0 && kv[i].rfind("\"b\"", 0) != 0 && kv[i].rfind("\"name\"", 0) != 0)
        continue;
      d += (first ? "" : ", ") + kv[i];
      first = false;
    }
    entries.push_back("\"d1\": " + d + "}");
  }
  entries.push_back("\"d2\": " + json_value(3));
  {
    std::vector<std::string> groups = {"x", "y", "X"};
    std::string u = "[";
    int n = 1 + pick(4);
    for (int i = 0; i < n; ++i) {
      std::vector<std::string> kv = {"\"name\": " + json_string(), "\"age\": " + std::to_string(20 + pick(30)),
                                     "\"group\": \"" + one_of(groups) + "\"",
                                     std::string("\"active\": ") + (coin() ? "true" : "false")};
      std::shuffle(kv.begin(), kv.end(), m_rng);
      if (coin(15)) kv.pop_back();
      std::string d = "{";
      for (std::size_t k = 0; k < kv.size(); ++k) d += (k ? ", " : "") + kv[k];
      u += (i ? ", " : "") + d + "}";
    }
    entries.push_back("\"users\": " + u + "]");
  }
  entries.push_back("\"nested\": [[1, 2], [3, [4, 5]], []]");
  entries.push_back("\"words\": \"the quick  brown fox\"");
  entries.push_back("\"numstrs\": [\"42\", \" 7 \", \"3.9\", \"1_000\", \"0x1f\", \"-0\", \"1e3\", \"abc\", \"١٢\", \"nan\", \"+5\"]");
  entries.push_back("\"e_l\": []");
  entries.push_back("\"e_d\": {}");
  entries.push_back("\"nothing\": null");
  if (coin(20)) {
    int depth = m_wild ? one_of(std::vector<int>{3, 40, 200, 300}) : one_of(std::vector<int>{3, 40, 200});
    std::string deep(static_cast<std::size_t>(depth), '[');
    deep += "1";
    deep += std::string(static_cast<std::size_t>(depth), ']');
    entries.push_back("\"deep\": " + deep);
  }
  for (int i = pick(3); i > 0; --i) entries.push_back("\"extra" + std::to_string(i) + "\": " + json_value(2));
  std::shuffle(entries.begin(), entries.end(), m_rng);
  std::string out = "{";
  for (std::size_t i = 0; i < entries.size(); ++i) out += (i ? ", " : "") + entries[i];
  return out + "}";
}

std::vector<std::pair<std::string, std::string>> DiffGenerator::include_files() {
  return {
      {"part0.j2", "<p0 {{ s1 }}>\n"},
      {"part1.j2", "{% set s1 = 'shadow' %}{{ s1 }}{% if x is defined %}x{{ x }}{% endif %}"},
      {"part_loop.j2", "[{{ loop.index if loop is defined else 'noloop' }}|{{ i1 is defined }}|{{ tmp is defined }}]"},
      {"part_macro.j2", "{% macro pm(v) %}<{{ v }}>{% endmacro %}{{ pm(i1) }}{{ range(2)|list }}"},
      {"part_set.j2", "{% set tmp = 'inc' %}{{ tmp }}{% for q in [1] %}{{ q }}{% endfor %}"},
  };
}

std::string DiffGenerator::text() {
  static const std::vector<std::string> k = {"x", " ", "\n", "  ", "ab", "\n\n", "\t", "--", "k = ", "; ", " \n ", "é"};
  std::string s;
  int n = 1 + pick(3);
  for (int i = 0; i < n; ++i) s += one_of(k);
  return s;
}

std::string DiffGenerator::literal_forms() {
  if (!m_wild)
    return one({"0x1f", "0X1F", "0o17", "0b101", "1_000", "0_0", "00", "1e3", "1_0.5_0", "1E+2", "2.5e-3",
                "1.5.2 is defined", "[1, [2, 3]].1.0", "12_3e1_0", "9223372036854775807", "-9223372036854775807"});
  return one({"007", "0x1f", "0X1F", "0o17", "0b101", "1_000", "0_0", "00", "1e3", "1_0.5_0", "1E+2", "2.5e-3",
              "1.5.2 is defined", "[1, [2, 3]].1.0", "0b2", "1__0", "1.", "0xg", "1e", ".5", "9223372036854775807",
              "9223372036854775808", "-9223372036854775808", "1e400", "12_3e1_0"});
}

std::string DiffGenerator::string_literal() {
  if (!m_wild)
    return one({"'\\101\\102'", "'\\x41\\x7e'", "'\\u00e9\\U0001F600'", "'\\é'", "'\\q'", "'\\777'", "'\\8'",
                "'a\\\nb'", "'\\t|\\n|\\\\'", "\"it's\"", "'say \"hi\"'", "'\\0\\01\\012x'", "'a' 'b' \"c\"",
                "'\\a\\b\\f\\v'", "'ünï'"});
  return one({"'\\101\\102'", "'\\x41\\x7e'", "'\\u00e9\\U0001F600'", "'\\N{BULLET}'", "'\\é'", "'\\q'",
              "'\\777'", "'\\8'", "'a\\\nb'", "'\\x4'", "'\\ud800'", "'\\t|\\n|\\\\'", "\"it's\"", "'say \"hi\"'",
              "'\\0\\01\\012x'", "'a' 'b' \"c\"", "'\\a\\b\\f\\v'", "'ünï'", "'\\uD83D'", "'\\U00110000'"});
}

std::string DiffGenerator::format_expr() {
  if (!m_wild) {
    // A conversion and an argument that fit together.
    std::string flags;
    for (int i = pick(3); i > 0; --i) flags += one({"-", "+", " ", "#", "0"});
    std::string width = coin(40) ? std::to_string(pick(9)) : "";
    std::string prec = coin(40) ? "." + std::to_string(pick(5)) : "";
    std::string conv, arg;
    switch (pick(4)) {
      case 0: conv = one({"s", "r", "a"}); arg = one({"5", "-2.5", "'héllo'", "'ab'", "none", "true", "[1, 'é']", "s1", "d1"}); break;
      case 1: conv = one({"d", "i", "u", "x", "X", "o"}); arg = one({"5", "-255", "0", "i1", "i2", "true", "65"}); if (conv == "d" || conv == "i") arg = one({arg, "2.7", "-0.5", "f1"}); break;
      case 2: conv = one({"e", "E", "f", "F", "g", "G"}); arg = one({"5", "-2.5", "1e300", "0.1", "f1", "i1", "12345.678"}); break;
      default: conv = "c"; arg = one({"65", "233", "'z'", "'é'"}); flags = ""; prec = ""; break;
    }
    std::string fmt = one({"", "<", "v=", "é:"}) + "%" + flags + width + prec + conv + one({"", ">", "|", "%%"});
    std::string lit = "'" + fmt + "'";
    switch (pick(3)) {
      case 0: return lit + "|format(" + arg + ")";
      case 1: return "(" + lit + " % (" + arg + ",))";
      default: return "'%(k)" + conv + "'|format(k=" + arg + ")";
    }
  }
  std::string spec = "%";
  if (coin(20)) spec += "(k)";
  int nf = pick(3);
  for (int i = 0; i < nf; ++i) spec += one({"-", "+", " ", "#", "0"});
  if (coin(40)) spec += coin(10) ? "*" : std::to_string(pick(9));
  if (coin(40)) spec += "." + (coin(10) ? std::string("*") : std::to_string(pick(5)));
  if (coin(5)) spec += one({"l", "h", "L"});
  spec += one({"s", "s", "d", "i", "x", "X", "o", "e", "E", "f", "F", "g", "G", "r", "a", "c", "%", "u", "y"});
  std::string fmt = one({"", "<", "v=", "é:"}) + spec + one({"", ">", "|", " %s"});
  auto arg = [&]() {
    return one({"5", "-255", "2.5", "-0.5", "'héllo'", "'ab'", "none", "true", "[1, 2]", "1e300", "i1", "f1", "s1",
                "65", "'z'", "255", "(1,)", "{'k': 3}"});
  };
  std::string fmt_lit = "'";
  for (char c : fmt) fmt_lit += c == '\'' ? std::string("\\'") : std::string(1, c);
  fmt_lit += "'";
  switch (pick(5)) {
    case 0: return fmt_lit + "|format(" + arg() + ")";
    case 1: return fmt_lit + "|format(" + arg() + ", " + arg() + ")";
    case 2: return fmt_lit + "|format(k=" + arg() + ")";
    case 3: return "(" + fmt_lit + " % " + arg() + ")";
    default: return "(" + fmt_lit + " % (" + arg() + ", " + arg() + ", " + arg() + "))";
  }
}

std::string DiffGenerator::num(int d) {
  if (d <= 0 || coin(30)) {
    switch (pick(8)) {
      case 0: return std::to_string(pick(21) - 10);
      case 1: return one({"0.5", "1.25", "2.0", "0.1", "3.75", "1e-3", "100.0", "1.5e3", "-2.5"});
      case 2: return one({"i1", "i2", "f1", "n0", "x"});
      case 3: return one({"l1|length", "s1|length", "l1|sum", "l1|max", "l1|min", "l1[0]", "l1[-1]", "d1.a",
                          "d1['b']", "users|length", "d1|length", "names|length"});
      case 4: return one({"numstrs[" + std::to_string(pick(11)) + "]|int", "numstrs[" + std::to_string(pick(11)) + "]|float",
                          "s1|int", "s1|float(-1)", "numstrs[" + std::to_string(pick(11)) + "]|int(base=16)",
                          "'0b11'|int(0, 2)", "' 12 '|int", "'1e3'|int", "'x'|int('no')"});
      case 5: return literal_forms();
      case 6:
        if (!m_wild) return one({"2 ** -1", "10 ** 15", "9007199254740993 // 3", "-7 // 2", "7 % -3"});
        return one({"(2 ** 62) * 2", "9007199254740993 / 1", "7 // 0", "5 % 0", "2 ** -1", "(-8) ** 0.5",
                          "10 ** 20", "-(-9223372036854775807 - 1)"});
      default: return std::to_string(pick(5));
    }
  }
  switch (pick(11)) {
    case 0: return "(" + num(d - 1) + " + " + num(d - 1) + ")";
    case 1: return "(" + num(d - 1) + " - " + num(d - 1) + ")";
    case 2: return "(" + num(d - 1) + " * " + num(d - 1) + ")";
    case 3: return "(" + num(d - 1) + " / " + (m_wild ? one({"2", "4", "3", "0.5", "i1", "0", "-3"}) : one({"2", "4", "3", "0.5", "-3"})) + ")";
    case 4: return "(" + num(d - 1) + " // " + one({"2", "-3", "i1", "i2", "1.5"}) + ")";
    case 5: return "(" + num(d - 1) + " % " + one({"3", "-4", "i1", "2.5"}) + ")";
    case 6: return "(" + one({"2", "3", "-2", "1.5", "i1", m_wild ? "0" : "1"}) + " ** " + std::to_string(pick(5) - 1) + ")";
    case 7: return "(-" + num(d - 1) + ")";
    case 8: return num(d - 1) + "|" + one({"abs", "round", "int", "float", "round(1)", "round(0, 'floor')",
                                         "round(2, 'ceil')", "round(-1)", "round(precision=2)", "string|length"});
    case 9: return one({"range(5)|sum", "[1, 2.5]|sum", "users|sum(attribute='age')", "l1|sum(start=10)",
                        "(l1|first) + (l1|last)", "names|map('length')|max", "'abc'.find('c')", "'a-b-c'.count('-')",
                        "'héllo'.index('l')", "l1.index(l1[0])", "l1.count(1)", "(3).bit_length()", "(2.5).real",
                        "'aXbX'.rfind('X')", "range(10)[2:8:2]|length", "range(3)[-1]", "d1.values()|list|length",
                        "l1|unique|list|length"});
    default: return "(" + num(d - 1) + " if " + boolean(d - 1) + " else " + num(d - 1) + ")";
  }
}

std::string DiffGenerator::str(int d) {
  if (d <= 0 || coin(30)) {
    switch (pick(6)) {
      case 0: return one({"'a'", "\"bc\"", "'x y'", "''", "'it\\'s'", "'A-b c'", "'héllo wörld'", "'ΑΣ'"});
      case 1: return one({"s1", "s2", "names[0]", "d1.name", "words", "users[0].name"});
      case 2: return "(" + num(1) + ")|string";
      case 3: return string_literal();
      case 4: return format_expr();
      default: return "'q'";
    }
  }
  switch (pick(12)) {
    case 0: return "(" + str(d - 1) + " ~ " + any(d - 1) + ")";
    case 1: return "(" + str(d - 1) + " + " + str(d - 1) + ")";
    case 2: return str(d - 1) + "|" +
                   one({"upper", "lower", "capitalize", "title", "trim", "reverse", "replace('a', 'Z')",
                        "replace('b', '', 1)", "center(9)", "indent(2)", "indent(2, true, true)", "truncate(9)",
                        "truncate(12, true, '~', 0)", "wordcount|string", "e", "forceescape", "striptags",
                        "urlencode", "string", "trim('x')", "replace('', '.')", "first", "last", "title|swapcase"});
    case 3: return list(d - 1) + "|join(" + one({"", "', '", "'-'", "attribute='x'"}) + ")";
    case 4: return "(" + str(d - 1) + " if " + boolean(d - 1) + " else " + str(d - 1) + ")";
    case 5: return "(" + str(d - 1) + " * " + std::to_string(pick(3)) + ")";
    case 6: return "(" + str(d - 1) + ")[" + one({"0", "1:", ":2", "::-1", "-1", "1:-1", "::2", "5:", "-2:"}) + "]";
    case 7: return method_expr(d - 1);
    case 8: return format_expr();
    case 9: return filter_expr(d - 1);
    case 10: return markup_expr(d - 1);
    default: return misc_expr(d - 1);
  }
}

std::string DiffGenerator::method_expr(int d) {
  std::string s = str(d);
  if (!m_wild)
    return "(" + s + ")." +
           one({"upper()", "lower()", "strip()", "lstrip('x ')", "rstrip()", "split()", "split(',')", "split(' ', 1)",
                "rsplit(None, 1)", "title()", "capitalize()", "swapcase()", "center(7, '*')", "ljust(6)",
                "rjust(6, '.')", "zfill(5)", "startswith('a')", "endswith(('c', 'x'))", "find('l')", "rfind('l', 1)",
                "count('a')", "replace('l', 'L', 1)", "partition(' ')", "rpartition('-')", "splitlines()",
                "splitlines(true)", "isupper()", "islower()", "istitle()", "isspace()", "removeprefix('a')",
                "removesuffix('c')", "expandtabs(4)", "join(['x', 'y'])", "isascii()", "isprintable()",
                "split(sep='-')", "strip('é ')"});
  std::string m = one({"upper()", "lower()", "strip()", "lstrip('x ')", "rstrip()", "split()", "split(',')",
                       "split(' ', 1)", "rsplit(None, 1)", "title()", "capitalize()", "swapcase()", "casefold()",
                       "center(7, '*')", "ljust(6)", "rjust(6, '.')", "zfill(5)", "startswith('a')",
                       "endswith(('c', 'x'))", "find('l')", "rfind('l', 1)", "count('a')", "replace('l', 'L', 1)",
                       "partition(' ')", "rpartition('-')", "splitlines()", "splitlines(true)", "isdigit()",
                       "isalpha()", "isupper()", "islower()", "istitle()", "isspace()", "isdecimal()",
                       "removeprefix('a')", "removesuffix('c')", "expandtabs(4)", "encode()", "format(1)",
                       "join(['x', 'y'])", "index('zz')", "isidentifier()", "isascii()", "isprintable()",
                       "translate({})", "upper", "split(sep='-')"});
  return "(" + s + ")." + m;
}

std::string DiffGenerator::list(int d) {
  if (d <= 0 || coin(30)) {
    switch (pick(6)) {
      case 0: return "l1";
      case 1: return "names";
      case 2: return "range(" + std::to_string(pick(5)) + ")|list";
      case 3: return "[" + num(0) + ", " + num(0) + "]";
      case 4: return one({"e_l", "nested", "users|map(attribute='age')|list", "d1|list", "d1.keys()|list",
                          "d1.items()|list", "(1, 2, 3)|list", "'héllo'|list"});
      default: return "[" + str(0) + ", " + str(0) + "]";
    }
  }
  switch (pick(14)) {
    case 0: return "(" + list(d - 1) + " + " + list(d - 1) + ")";
    case 1: return list(d - 1) + "|sort";
    case 2: return list(d - 1) + "|reverse|list";
    case 3: return one({"l1|map('string')|list", "names|map('upper')|list", "l1|map('abs')|list",
                        "users|map(attribute='name', default='?')|list", "users|map(attribute='zzz', default=0)|list",
                        "numstrs|map('int')|list", "numstrs|map('float', 1.0)|list"});
    case 4: return "range(" + std::to_string(pick(3)) + ", " + std::to_string(pick(8)) + ", " +
                   one({"1", "2", "-1", "3"}) + ")|list";
    case 5: return one({"l1|select('odd')|list", "l1|reject('even')|list", "users|selectattr('active')|list",
                        "users|rejectattr('age', 'gt', 30)|map(attribute='name')|list", "l1|select|list",
                        "names|select('lower')|list", "l1|select('in', [1, 2])|list", "l1|select('ge', 2)|list",
                        "users|selectattr('name', 'string')|list|length|string|list"});
    case 6: return "[" + any(d - 1) + ", " + any(d - 1) + "]";
    case 7: return one({"l1|unique|list", "names|unique(true)|list", "[1, 1.0, true, 'a', 'A']|unique|list",
                        "users|unique(attribute='group')|list", "[[1], [1]]|unique|list", "l1|batch(2)|list",
                        "l1|batch(2, 0)|list", "l1|slice(2)|list", "l1|slice(3, 'f')|list", "d1|items|list",
                        "d1|dictsort", "d1|dictsort(by='value')", "d1|dictsort(reverse=true)",
                        "users|groupby('group')|list", "users|groupby('group', case_sensitive=true)|map('list')|list",
                        "users|sort(attribute='age')|map(attribute='name')|list", "names|sort(case_sensitive=true)",
                        "names|sort(reverse=true)", "users|sort(attribute='group,age')|map(attribute='age')|list"});
    case 8: return "(" + list(d - 1) + ")[" + one({"1:", ":2", "::-1", "1:-1", "::2", "-2:"}) + "]";
    case 9: return one({"range(10)[2:5]|list", "range(10)[::-3]|list", "range(0, 20, 3)[1:4]|list",
                        "(s1 ~ '')|list", "d2|list", "nested|sum(start=[])", "[l1, names]|first",
                        "(l1 * 2)", "([0] * 3)", "l1|list|reverse|list", "s1.split()|reverse|list"});
    case 10: return str(d - 1) + ".split(" + one({"", "','", "' '", "'l'"}) + ")";
    case 11: return one({"range(3)|map('string')|map('upper')|list", "[3, 1, 2]|sort(reverse=true)",
                         "('a', 'b')|list", "d1.values()|list", "users|map(attribute='age')|select('gt', 25)|list",
                         "l1|map('int')|select|list", "[none, false, 0, '', [], 1]|select|list"});
    case 12: return "(" + list(d - 1) + " if " + boolean(d - 1) + " else " + list(d - 1) + ")";
    default: return "[" + num(d - 1) + ", " + str(d - 1) + ", " + boolean(d - 1) + "]";
  }
}

std::string DiffGenerator::dict(int d) {
  switch (pick(7)) {
    case 0: return "d1";
    case 1: return "d2";
    case 2: return "{'b': " + num(d) + ", 'a': " + str(d) + ", 1: " + num(0) + "}";
    case 3: return "dict(z=1, a=" + num(d) + ", m=" + str(0) + ")";
    case 4: return one({"dict(d1, extra=1)", "dict([('k', 1), ('j', 2)])", "{(1, 2): 'tuple-key', true: 't'}",
                        "{1: 'a', 1.0: 'b', true: 'c'}", "dict(d1.items())", "e_d"});
    case 5: return one({"{'k': [1, 2.5], 'j': {'n': none}}", "{'é': 'ü', 'a': 'b'}", "users[0]"});
    default: return "{'x': " + any(d > 0 ? d - 1 : 0) + "}";
  }
}

std::string DiffGenerator::boolean(int d) {
  if (d <= 0 || coin(25))
    return one({"true", "false", "flag", "not flag", "i1 is odd", "x is defined", "missing is defined",
                "none is none", "s1 is lower", "s1 is upper", "l1 is iterable", "d1 is mapping", "s1 is string",
                "d1 is sequence", "d1.items() is sequence", "i1 is number", "f1 is float", "i1 is integer",
                "'upper' is filter", "'odd' is test", "(s1|e) is escaped", "s1 is escaped", "range is callable",
                "1 is sameas 1", "none is sameas none", "l1 is sameas l1", "'x' in d1", "'a' in d1",
                "(1, 2) in {(1, 2): 3}", "2 in range(4)", "'é' in s1", "1.0 in l1", "d1.a is divisibleby 2",
                "f1 is divisibleby(0.5)", "loop_i is eq 7", "i1 is gt 0", "i1 is lessthan(3)", "s1 is ne 'a'",
                "(users|first).active is true", "e_l is false", "nothing is none", "missing is undefined"});
  switch (pick(9)) {
    case 0: return "(" + num(d - 1) + " < " + num(d - 1) + ")";
    case 1: return "(" + num(d - 1) + " == " + num(d - 1) + ")";
    case 2: return "(" + boolean(d - 1) + " and " + boolean(d - 1) + ")";
    case 3: return "(" + boolean(d - 1) + " or " + boolean(d - 1) + ")";
    case 4: return "(not " + boolean(d - 1) + ")";
    case 5: return "(" + num(0) + " in " + list(d - 1) + ")";
    case 6: return "(" + str(0) + " in " + str(d - 1) + ")";
    case 7: return "(" + str(d - 1) + " < " + str(d - 1) + ")";
    default: return "(" + num(d - 1) + " is " +
                    one({"even", "odd", "divisibleby 3", "not even", "number", "string", "defined", "ge 2",
                         "in [1, 2, 3]", "sameas 5"}) +
                    ")";
  }
}

std::string DiffGenerator::filter_expr(int d) {
  if (!m_wild) {
    switch (pick(5)) {
      case 0: return one({"d1|tojson(2)", "d2|tojson", "users|tojson", "{'b': [1, 'é<'], 'a': none}|tojson",
                          "[1.5, 1e16, 1e-7]|tojson", "'\\u2028&'|tojson", "{2: 1, 10: 2}|tojson", "d1|tojson('--')",
                          "l1|tojson", "s1|tojson", "names|tojson"});
      case 1: return one({"12345|filesizeformat", "1|filesizeformat", "1024|filesizeformat(true)",
                          "123456789012|filesizeformat", "'3.5e6'|filesizeformat", "-5|filesizeformat",
                          "1e30|filesizeformat", "{'a': 1, 'b': none, 'c': '<x>'}|xmlattr", "'a b&c/d?e=f'|urlencode",
                          "{'q': 'a b', 'n': 1}|urlencode", "[('a', 'x y'), ('b', 'é')]|urlencode", "s1|urlencode",
                          "[3, {'b': 1, 'a': 2}]|pprint", "names|pprint", "s1|pprint", "range(3)|pprint"});
      case 2: return one({"users|groupby('group')|map(attribute='grouper')|join(',')",
                          "users|groupby('group')|map(attribute='list')|map('length')|list",
                          "(users|groupby('group')|first).grouper", "users|max(attribute='age')",
                          "users|min(attribute='age')", "names|max", "names|min(case_sensitive=true)",
                          "users|map(attribute='age', default=0)|sum", "d1|attr('items') is callable",
                          "d1|attr('a') is defined", "users|first|attr('name')"});
      case 3: return str(d) + "|" + one({"string", "length", "list|length", "d('dflt')", "default('x', true)", "count",
                                         "e", "safe|string", "trim", "title", "wordcount", "center(30)", "pprint", "tojson",
                                         "int", "float", "reverse", "list|reverse|list", "list|sort|join", "unique|list",
                                         "select|list", "batch(2)|list", "slice(2)|list", "join(':')", "urlencode",
                                         "upper", "lower", "capitalize", "replace('1', 'one')", "indent", "truncate(5)",
                                         "striptags", "forceescape", "first|default('-')"});
      default: return list(d) + "|" + one({"string", "length", "count", "first|default('-')", "last|default('-')",
                                          "reverse|list", "sort|string", "unique|list", "select|list", "reject|list",
                                          "batch(2)|list", "slice(2)|list", "join(':')", "tojson", "list",
                                          "map('string')|join", "min|default('-')", "max|default('-')"});
    }
  }
  switch (pick(8)) {
    case 0: return any(d) + "|tojson";
    case 1: return one({"d1|tojson(2)", "d2|tojson", "users|tojson", "{'b': [1, 'é<'], 'a': none}|tojson",
                        "[1.5, 1e16, 1e-7]|tojson", "'\\u2028&'|tojson", "{2: 1, 10: 2}|tojson", "d1|tojson('--')"});
    case 2: return one({"d1|pprint", "[3, {'b': 1, 'a': 2}]|pprint", "names|pprint", "s1|pprint",
                        "range(3)|pprint", "users|pprint"});
    case 3: return one({"12345|filesizeformat", "1|filesizeformat", "1024|filesizeformat(true)",
                        "123456789012|filesizeformat", "'3.5e6'|filesizeformat", "-5|filesizeformat",
                        "1e30|filesizeformat"});
    case 4: return one({"{'a': 1, 'b': none, 'c': '<x>'}|xmlattr", "d1|xmlattr(false)", "'a b&c/d?e=f'|urlencode",
                        "{'q': 'a b', 'n': 1}|urlencode", "[('a', 'x y'), ('b', 'é')]|urlencode", "s1|urlencode",
                        "s1|wordwrap", "s1|urlize", "l1|random"});
    case 5: return one({"users|groupby('group')|map(attribute='grouper')|join(',')",
                        "users|groupby('group')|map(attribute='list')|map('length')|list",
                        "(users|groupby('group')|first).grouper", "users|max(attribute='age')",
                        "users|min(attribute='name')", "names|max", "names|min(case_sensitive=true)",
                        "users|map(attribute='age')|sum", "(users|first)|dictsort|first",
                        "d1|attr('items') is callable", "d1|attr('a')", "users|first|attr('name')"});
    case 6: return any(d) + "|" + one({"string", "length", "list|length", "d('dflt')", "default('x', true)", "first",
                                       "last", "count", "e", "safe|string", "trim", "title", "wordcount", "center(30)",
                                       "pprint", "tojson", "int", "float", "abs", "round", "sum", "min", "max",
                                       "reverse|list", "list|reverse|first", "sort|first", "unique|list",
                                       "select|list", "batch(1)|list", "slice(2)|list", "join(':')", "dictsort",
                                       "items|list", "attr('real')", "urlencode", "upper", "lower", "capitalize",
                                       "replace('1', 'one')", "indent", "truncate(5)", "striptags", "forceescape"});
    default: return one({"l1|map('string')|last", "l1|map('string')|first", "l1|map('string')|join('|')",
                         "(d1|items)|last", "[[1], [2]]|unique|list", "{'a': [1]}|unique|list", "''|first",
                         "e_l|first is defined", "e_l|last is defined", "e_l|max is defined", "'abc'|last",
                         "d1|last", "d1.keys()|last", "range(5)|last", "l1|reverse|last"});
  }
}

std::string DiffGenerator::markup_expr(int d) {
  switch (pick(6)) {
    case 0: return "(" + str(d) + "|e) + " + one({"'<'", "'a&b'", "('<i>'|safe)", "s1"});
    case 1: return "('<b>%s</b>'|safe)|format(" + one({"'<x>'", "1", "s1", "'&'", "none"}) + ")";
    case 2: return "(s1|safe + '<>') ~ ('&'|e|e)";
    case 3: return one({"('<a>'|safe).upper()", "('a<b'|e).split('&')", "('x'|safe).join(['<', '>'])",
                        "('<p>'|safe)[1:]", "['<'|e]", "{'k': 'a&b'|e}", "('a'|safe) * 3 + '<'",
                        "('<a> &amp; b'|safe).striptags()", "('x'|e).center(5, '<')", "'%s<'|safe % '<'",
                        "('&lt;'|safe).unescape()", "('<'|e|forceescape)", "('<'|e|length)", "('<x>'|safe)|indent(2, true)"});
    case 4: return "(" + str(d) + "|safe)|" + one({"upper", "lower", "trim", "reverse", "string", "e", "title",
                                                 "replace('a', '<')", "center(7)", "capitalize"});
    default: return "('<em>' ~ " + str(d) + ")|e";
  }
}

std::string DiffGenerator::misc_expr(int d) {
  if (!m_wild) {
    switch (pick(6)) {
      case 0: return one({"[missing]", "{'a': missing}", "[missing]|length", "(missing,)", "[missing]|first is defined",
                          "[1, missing]|last is undefined", "'%r'|format(missing)", "[('x' if false)]",
                          "('x' if false) ~ 'y'", "missing|default(1)"});
      case 1: return one({"range(10)[2:5]", "range(10)[::-1]", "range(0, 10, 3)[1:]", "range(5)", "range(2, 9, 2)",
                          "range(0)", "range(3) == range(0, 3)", "range(5).start", "range(1, 9, 2).stop",
                          "range(5)|length", "range(5)[1:][-1]"});
      case 2: return one({"d1.keys()", "d1.values()", "d1.items()", "d1|list", "d1", "dict(b=1, a=2)", "d2",
                          "d1.get('a')", "d1.get('zz', 'none')", "d1.copy()", "d1.keys() == d1.keys()"});
      case 3: return one({"(1, 2) < (1, 3)", "[1, 'a'] < [1, 'b']", "[] < [1]", "9007199254740993 == 9007199254740992.0",
                          "1 == 1.0 == true", "'a' == 'a'|e", "{'a': 1} == {'a': 1.0}", "(1,) == [1]",
                          "d1.values() == d1.values()"});
      case 4: return one({"cycler(1, 2).next()", "joiner()()", "namespace(a=1).a", "namespace(d1).name",
                          "namespace([('k', 2)]).k", "namespace()", "namespace(a=1)", "range"});
      default: return one({"caller is defined", "varargs is defined", "loop is defined", "(1).denominator",
                           "(2.5).is_integer()", "(3).conjugate()", "(0.5).as_integer_ratio()", "(7).bit_count()",
                           "(2.0).hex()", "(" + str(d) + ").upper is callable"});
    }
  }
  switch (pick(7)) {
    case 0: return one({"[missing]", "{'a': missing}", "[missing]|length", "(missing,)", "[missing]|first is defined",
                        "[1, missing]|last is undefined", "'%r'|format(missing)", "[('x' if false)]",
                        "('x' if false) ~ 'y'", "[missing] == [1]", "missing|default(1)"});
    case 1: return one({"range(10)[2:5]", "range(10)[::-1]", "range(0, 10, 3)[1:]", "range(5)", "range(2, 9, 2)",
                        "range(0)", "range(3) == range(0, 3)", "range(5).start", "range(1, 9, 2).stop",
                        "range(5)|length", "range(5)[1:][-1]"});
    case 2: return one({"d1.keys()", "d1.values()", "d1.items()", "d1|list", "d1", "dict(b=1, a=2)", "d2",
                        "d1.get('a')", "d1.get('zz', 'none')", "d1.copy()", "dict.fromkeys is defined",
                        "d1.keys() == d1.keys()", "d1.items()|first"});
    case 3: return "(" + str(d) + ")." + one({"upper", "strip"}) + " is callable";
    case 4: return one({"(1, 2) < (1, 3)", "[1, 'a'] < [1, 'b']", "1 < 'a'", "none < 1", "[] < [1]",
                        "9007199254740993 == 9007199254740992.0", "1 == 1.0 == true", "'a' == 'a'|e",
                        "{'a': 1} == {'a': 1.0}", "(1,) == [1]", "d1.values() == d1.values()"});
    case 5: return one({"lipsum()", "cycler(1, 2).next()", "joiner()()", "namespace(a=1).a", "namespace(d1).name",
                        "namespace([('k', 2)]).k", "namespace()", "namespace(a=1)", "joiner", "range"});
    default: return one({"self", "caller is defined", "varargs is defined", "kwargs is defined", "loop is defined",
                         "x.__class__", "''.__len__", "(1).denominator", "(2.5).is_integer()", "(3).conjugate()",
                         "(0.5).as_integer_ratio()", "(7).bit_count()", "(2.0).hex()"});
  }
}

std::string DiffGenerator::any(int d) {
  switch (pick(8)) {
    case 0:
    case 1: return num(d);
    case 2:
    case 3: return str(d);
    case 4: return list(d);
    case 5: return boolean(d);
    case 6: return dict(d);
    default: return misc_expr(d);
  }
}

std::string DiffGenerator::body(int depth) {
  std::string s;
  int n = 1 + pick(3);
  for (int i = 0; i < n; ++i) s += stmt(depth - 1);
  return s;
}

std::string DiffGenerator::loop_stmt(int depth) {
  static const std::vector<std::pair<std::string, std::string>> loops = {
      {"x", "l1"}, {"x", "names"}, {"x", "range(3)"}, {"x", "'abé'"}, {"k", "d1"}, {"k, v", "d1.items()"},
      {"x", "[]"}, {"a, b", "[[1, 2], [3, 4]]"}, {"x", "range(1, 7, 2)"}, {"x", "l1|sort"}, {"k", "d2"},
      {"x", "l1|map('string')"}, {"(a, b)", "d1|dictsort"}, {"u", "users"}, {"k, v", "d1|items"},
      {"x", "range(10)[::3]"}, {"x", "l1|reverse"}, {"g", "users|groupby('group')"}, {"a, (b, c)", "[[1, [2, 3]]]"}};
  const auto& [target, iterable] = one_of(loops);
  std::string var = target.substr(target.find_first_not_of("(, "), 1);
  bool recursive = coin(8);
  std::string s = open("{%") + "for " + target + " in " + iterable +
                  (coin(15) ? " if " + one({"loop_i is defined", "x", var + " is defined", "not flag"}) : "") +
                  (recursive ? " recursive" : "") + close("%}");
  if (coin(70))
    s += open("{{") +
         one({"loop.index", "loop.index0", "loop.revindex", "loop.revindex0", "loop.first", "loop.last", "loop.length",
              "loop.cycle('o', 'e')", "loop.changed(" + var + ")", "loop.previtem is defined",
              "loop.nextitem|default('-')", "loop.depth", "loop.depth0", "loop", "loop|length", var}) +
         close("}}");
  if (recursive) s += open("{%") + "if loop.depth < 3 and " + var + " is iterable and " + var + " is not string" +
                      close("%}") + "[{{ loop(" + var + ") }}]" + open("{%") + "endif" + close("%}");
  if (coin(15)) s += open("{%") + "include 'part_loop.j2'" + close("%}");
  s += body(depth);
  if (coin(25)) s += open("{%") + "else" + close("%}") + "empty" + (coin(40) ? "{% set tmp = 1 %}" : "");
  s += open("{%") + "endfor" + close("%}");
  if (coin(20)) s += "{{ tmp is defined }}";
  return s;
}

std::string DiffGenerator::macro_stmt(int depth) {
  std::string name = "m" + std::to_string(m_macros++ % 4);
  std::string params = one({"a, b=" + num(0), "a", "", "a=1, b=a * 2", "caller=none", "a, kwargs=0"});
  std::string inner = one({"[{{ a }}|{{ b }}]", "[{{ a }}]", "[{{ varargs }}]", "[{{ kwargs }}]",
                           "[{{ varargs|length }}|{{ kwargs|dictsort }}]", "[{{ caller() if caller is defined else 'nc' }}]",
                           "[{{ caller(1) }}]", "{{ a is defined }}", "{{ " + name + ".name }}{{ " + name + ".arguments }}"});
  std::string s = open("{%") + "macro " + name + "(" + params + ")" + close("%}") + inner;
  if (depth > 0 && coin(40)) s += body(depth);
  s += open("{%") + "endmacro" + close("%}");
  std::string args = one({any(0), "", any(0) + ", " + str(0), "b=" + str(0), "1, 2, 3", "a=1, z=2", "1, b=2, c=3",
                          "*[1, 2]", "**{'a': 5}", "a=1, a=2"});
  if (coin(25)) {
    s += open("{%") + "call" + (coin(30) ? "(p)" : "") + " " + name + "(" + args + ")" + close("%}") + "body" +
         (coin(30) ? "{{ p }}" : "") + open("{%") + "endcall" + close("%}");
  } else {
    s += open("{{") + name + "(" + args + ")" + close("}}");
  }
  return s;
}

std::string DiffGenerator::scope_stmt(int depth) {
  switch (pick(8)) {
    case 0: return open("{%") + "set blk" + (coin(30) ? " | upper" : "") + close("%}") + body(depth) +
                   (coin(50) ? "{% set inner = 2 %}" : "") + open("{%") + "endset" + close("%}") +
                   "{{ blk }}{{ inner is defined }}";
    case 1: return open("{%") + "with " + one({"a = 1", "a = i1, b = s1", "a = l1|first", "", "a, b = [1, 2]"}) +
                   close("%}") + body(depth) + "{% set w = 1 %}" + open("{%") + "endwith" + close("%}") +
                   "{{ w is defined }}";
    case 2: return open("{%") + "filter " + one({"upper", "trim|title", "replace('a', 'b')", "indent(2)", "e"}) +
                   close("%}") + body(depth) + open("{%") + "endfilter" + close("%}");
    case 3: return open("{%") + "include '" +
                   one({"part0.j2", "part1.j2", "part_loop.j2", "part_macro.j2", "part_set.j2", "nope.j2"}) + "'" +
                   one({"", " ignore missing", " without context", " with context", " ignore missing without context"}) +
                   close("%}");
    case 4: return open("{%") + "set " + one({"i1", "s1", "t", "flag", "a, b", "(c, d)"}) + " = " +
                   one({any(2), any(1) + ", " + any(1), "[1, 2]", "'xy'"}) + close("%}") + output(1);
    case 5: return "{% for q in [1] %}{% include 'part_set.j2' %}{{ tmp is defined }}{% endfor %}";
    case 6: return open("{%") + "print " + any(1) + (coin() ? ", " + any(1) : "") + close("%}");
    default: return open("{%") + "if " + boolean(2) + close("%}") + "{% set tmp = 'in-if' %}" + body(depth) +
                    open("{%") + "endif" + close("%}") + "{{ tmp|default('none') }}";
  }
}

std::string DiffGenerator::object_stmt() {
  switch (pick(6)) {
    case 0: return "{% set c = cycler('a', 'b', 'c') %}{{ c.next() }}{{ c.next() }}{{ c.current }}{% if " +
                   one({"true", "false"}) + " %}{{ c.reset() }}{% endif %}{{ c.next() }}{{ c.pos }}";
    case 1: return "{% set j = joiner(" + one({"", "'|'", "sep='; '"}) + ") %}{% for x in " + list(1) +
                   " %}{{ j() }}{{ x }}{% endfor %}";
    case 2: return "{% set ns = namespace(n=0, items=[]) %}{% for x in " + list(1) +
                   " %}{% set ns.n = ns.n + 1 %}{% set _ = ns.items.append(x) %}{% endfor %}{{ ns.n }}{{ ns.items }}{{ ns }}";
    case 3: return "{% set l = [3, 1] %}{{ l.append(2) }}{{ l.extend([0]) }}{{ l.insert(0, 9) }}{{ l.pop() }}{{ l }}"
                   "{{ l.sort() }}{{ l }}{{ l.reverse() }}{{ l.remove(9) }}{{ l }}{{ l.copy() }}{{ l.count(1) }}";
    case 4: return "{% set d = {'b': 1} %}{{ d.update(a=2) }}{{ d.setdefault('c', 3) }}{{ d.pop('b') }}{{ d }}"
                   "{{ d.popitem() }}{{ d.keys() }}{% set v = d.values() %}{{ d.update({'z': 0}) }}{{ v }}";
    default: return "{% set ns = namespace(x=1) %}{% set ns.x = ns.x + 1 %}{% set ns.y = 'n' %}{{ ns.x }}{{ ns.y }}"
                    "{{ ns.missing is defined }}{% set d = {} %}{% set d.x = 1 %}";
  }
}

std::string DiffGenerator::deep_stmt() {
  int n = m_wild ? one_of(std::vector<int>{3, 30, 200, 300, 2000}) : one_of(std::vector<int>{3, 30, 200});
  switch (pick(4)) {
    case 0: return "{% set ns = namespace(x=[]) %}{% for i in range(" + std::to_string(n) +
                   ") %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x|string|length }}";
    case 1: return "{% set ns = namespace(x=1) %}{% for i in range(" + std::to_string(n) +
                   ") %}{% set ns.x = {'k': ns.x} %}{% endfor %}{{ ns.x == ns.x }}{{ ns.x|tojson|length }}";
    case 2: return "{% set l = [] %}{{ l.append(l) }}{{ l }}{% set d = {} %}{{ d.update(a=d) }}{{ d }}";
    default: return "{{ deep|default([])|string|length }}";
  }
}

std::string DiffGenerator::stmt(int depth) {
  int choice = depth <= 0 ? pick(4) : pick(16);
  switch (choice) {
    case 0: return text();
    case 1:
    case 2: return output(2 + pick(2));
    case 3: return "{# c #}" + text();
    case 4: {
      std::string s = open("{%") + "if " + boolean(2) + close("%}") + body(depth);
      if (coin()) s += open("{%") + "elif " + boolean(1) + close("%}") + body(depth);
      if (coin()) s += open("{%") + "else" + close("%}") + body(depth);
      return s + open("{%") + "endif" + close("%}");
    }
    case 5:
    case 6: return loop_stmt(depth);
    case 7: return macro_stmt(depth);
    case 8:
    case 9: return scope_stmt(depth);
    case 10: return object_stmt();
    case 11: return coin(30) ? deep_stmt() : output(3);
    case 12: return "{% raw %}{{ r }}{% endraw %}" + text();
    case 13: return open("{{") + literal_forms() + close("}}");
    case 14: return open("{{") + string_literal() + close("}}");
    default: return output(3);
  }
}

DiffCase DiffGenerator::next() {
  DiffCase c;
  m_macros = 0;
  m_wild = coin(25);
  int n = m_wild ? 2 + pick(5) : 1 + pick(4);
  for (int i = 0; i < n; ++i) c.source += stmt(2);
  c.context_json = context();
  return c;
}

}  // namespace kjit::jit::testing
