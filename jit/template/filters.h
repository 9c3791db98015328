// Filters and tests: Jinja2 3.1's built-in filters (jinja2/filters.py) and
// tests (jinja2/tests.py), looked up by name at parse time. Filters Jinja2
// has but kjit does not implement resolve to a function that raises
// "unsupported: filter '<name>'" when called. The implementations are split
// by theme: filters_text.cpp (strings, formatting, HTML), filters_seq.cpp
// (sequences, generators, aggregation), filters_num.cpp (numbers), the name
// table in filter_table.cpp, tests in tests.cpp.
//
// Thread safety: the tables are immutable; filters are pure functions apart
// from the renderer's iteration budget and the lazy iterators they return.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jit/template/ast.h"

namespace kjit::jit::detail {

// nullptr when Jinja2 has no such filter / test.
FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);

// An entry of the filter and test name tables.
template <class Fn>
struct NamedFn {
  std::string_view name;
  Fn fn;
};
// The function `name` names in `table`; nullptr when none.
template <class Fn, std::size_t N>
Fn find_named(const NamedFn<Fn> (&table)[N], std::string_view name) {
  for (const auto& e : table)
    if (e.name == name) return e.fn;
  return nullptr;
}

// Jinja's make_attrgetter: "a.b.0" is a getitem chain (digit parts become
// integers); `fallback` replaces undefined steps when not null; with
// `fold_case` strings are lowercased (ignore_case).
Value get_path(Renderer& r, const Value& item, const Value& attribute, const Value* fallback = nullptr,
               bool fold_case = false);
// Python str.lower() for strings, other values unchanged (ignore_case).
Value ignore_case(const Value& v);
// soft_str: strings (and Markup) unchanged, anything else str().
Value soft_str(const Value& v);
// Python float(v) / int(v) conversions used by the float, int and
// filesizeformat filters: nullopt where Python raises ValueError/TypeError.
std::optional<double> py_float(const Value& v);

// Filter implementations (one per Jinja2 filter).
#define KJIT_FILTER(name) Value name(Renderer& r, const Value& v, CallArgs& a)
KJIT_FILTER(f_abs); KJIT_FILTER(f_float); KJIT_FILTER(f_int); KJIT_FILTER(f_round); KJIT_FILTER(f_filesizeformat);
KJIT_FILTER(f_capitalize); KJIT_FILTER(f_center); KJIT_FILTER(f_escape); KJIT_FILTER(f_forceescape);
KJIT_FILTER(f_format); KJIT_FILTER(f_indent); KJIT_FILTER(f_lower); KJIT_FILTER(f_upper); KJIT_FILTER(f_replace);
KJIT_FILTER(f_safe); KJIT_FILTER(f_string); KJIT_FILTER(f_striptags); KJIT_FILTER(f_title); KJIT_FILTER(f_trim);
KJIT_FILTER(f_truncate); KJIT_FILTER(f_wordcount); KJIT_FILTER(f_urlencode); KJIT_FILTER(f_tojson);
KJIT_FILTER(f_pprint); KJIT_FILTER(f_xmlattr);
KJIT_FILTER(f_attr); KJIT_FILTER(f_batch); KJIT_FILTER(f_default); KJIT_FILTER(f_dictsort); KJIT_FILTER(f_first);
KJIT_FILTER(f_groupby); KJIT_FILTER(f_items); KJIT_FILTER(f_join); KJIT_FILTER(f_last); KJIT_FILTER(f_length);
KJIT_FILTER(f_list); KJIT_FILTER(f_map); KJIT_FILTER(f_max); KJIT_FILTER(f_min); KJIT_FILTER(f_reject);
KJIT_FILTER(f_rejectattr); KJIT_FILTER(f_reverse); KJIT_FILTER(f_select); KJIT_FILTER(f_selectattr);
KJIT_FILTER(f_slice); KJIT_FILTER(f_sort); KJIT_FILTER(f_sum); KJIT_FILTER(f_unique);
#undef KJIT_FILTER

}  // namespace kjit::jit::detail
