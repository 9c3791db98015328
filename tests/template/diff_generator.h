// Random template + context generator for the differential test against
// Python Jinja2 (differential_test.cpp). Each case is a template source and
// a JSON context (objects with shuffled key orders). The generator combines
// the constructs kjit must render byte-identically to Jinja2 3.1: literals
// and their escapes and integer forms, arithmetic and comparisons, every
// built-in filter and test, str/list/dict methods, Python %-formatting,
// loops (loop.* including changed/cycle/previtem/nextitem, for-else,
// filtered and recursive loops), set / block set / with / filter blocks,
// namespaces, cycler, joiner, macros with defaults, varargs, kwargs and call
// blocks, includes with and without context, Markup values, undefined values
// inside containers and deeply nested values. It never generates kjit's own
// raise() (Jinja2 has none).
//
// Thread safety: a generator is single-threaded state.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace kjit::jit::testing {

struct DiffCase {
  std::string source;
  std::string context_json;  // a JSON object
};

class DiffGenerator {
 public:
  explicit DiffGenerator(std::uint64_t seed) : m_rng(seed) {}
  DiffCase next();

  // Files the generated templates include (name -> source).
  static std::vector<std::pair<std::string, std::string>> include_files();

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(m_rng); }
  bool coin(int percent = 50) { return pick(100) < percent; }
  template <class T>
  const T& one_of(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))];
  }
  std::string one(std::initializer_list<std::string> v) {
    auto it = v.begin();
    std::advance(it, pick(static_cast<int>(v.size())));
    return *it;
  }

  std::string context();
  std::string json_value(int depth);
  std::string json_string();

  std::string open(const char* d) { return std::string(d) + (coin(10) ? "-" : "") + " "; }
  std::string close(const char* d) { return std::string(" ") + (coin(10) ? "-" : "") + d; }

  std::string text();
  std::string num(int d);
  std::string str(int d);
  std::string list(int d);
  std::string dict(int d);
  std::string boolean(int d);
  std::string any(int d);
  std::string literal_forms();
  std::string string_literal();
  std::string format_expr();
  std::string method_expr(int d);
  std::string filter_expr(int d);
  std::string markup_expr(int d);
  std::string misc_expr(int d);

  std::string output(int d) { return open("{{") + any(d) + close("}}"); }
  std::string body(int depth);
  std::string stmt(int depth);
  std::string loop_stmt(int depth);
  std::string macro_stmt(int depth);
  std::string scope_stmt(int depth);
  std::string object_stmt();
  std::string deep_stmt();

  std::mt19937_64 m_rng;
  int m_macros = 0;
  // Wild templates use every construct, including ones that fail or are
  // unsupported; the others (most) stick to constructs that render, so most
  // templates compare real output.
  bool m_wild = false;
};

}  // namespace kjit::jit::testing
