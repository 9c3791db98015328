// Python arithmetic, membership and subscripting on Values: + - * / // % **
// with exact 64-bit integers (overflow is an error, not a wrap), true
// division, floor division toward -inf, Python's modulo sign rule, string and
// list concatenation/repetition, `in`, slicing.
//
// Thread safety: pure functions.
#pragma once

#include <optional>

#include "jit/template/ast.h"
#include "jit/template/value.h"

namespace kjit::jit::detail {

// Largest string or list a repetition or concatenation may build.
inline constexpr std::size_t k_max_sequence_size = 64u << 20;

Value binary_op(BinOp op, const Value& a, const Value& b);
Value negate(const Value& v);
Value unary_plus(const Value& v);
// Python `item in container`.
bool contains(const Value& container, const Value& item);
// Python `obj[start:stop:step]` for lists, tuples and strings.
Value slice(const Value& obj, const std::optional<std::int64_t>& start, const std::optional<std::int64_t>& stop,
            const std::optional<std::int64_t>& step);
// Python `obj[index]` for lists and strings (negative indices count from
// the end); nullopt when out of range or not indexable.
std::optional<Value> index_sequence(const Value& obj, std::int64_t index);

const char* op_symbol(BinOp op);

}  // namespace kjit::jit::detail
