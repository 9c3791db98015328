// Filters and tests: the built-in Jinja2 filters (abs, capitalize, default/d,
// first, float, int, join, last, length/count, list, lower, map, max, min,
// replace, reverse, round, sort, string, sum, trim, upper, tojson, select,
// reject, selectattr, rejectattr, unique, batch, indent, items, dictsort,
// title, center, format, wordcount) and tests (defined, undefined, none,
// even, odd, divisibleby, number, string, ...), looked up by name at parse
// time.
//
// Thread safety: the tables are immutable; functions are pure apart from the
// renderer's iteration budget.
#pragma once

#include <string_view>

#include "jit/template/ast.h"

namespace kjit::jit::detail {

// nullptr when there is no such filter / test.
FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);

}  // namespace kjit::jit::detail
