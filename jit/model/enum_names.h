// Enum name tables: one constant list of (value, name) pairs per enum, so that
// naming a value, parsing a name and listing the choices in an error message
// all read the same list (derive.h's --quant and --projections values,
// dedup.h's status words).
//
// Thread safety: pure functions over constant data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kjit::jit {

template <class E>
using EnumName = std::pair<E, std::string_view>;

// The name of `value`; the first entry's name for a value the table lacks
// (an enum value cast from an out-of-range integer).
template <class E, std::size_t N>
constexpr std::string_view enum_name(const EnumName<E> (&names)[N], E value) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  return names[0].second;
}

// The value named `text`, if any.
template <class E, std::size_t N>
constexpr std::optional<E> enum_value(const EnumName<E> (&names)[N], std::string_view text) {
  for (const auto& [v, name] : names)
    if (name == text) return v;
  return std::nullopt;
}

// "a, b or c": the names, for an error message.
template <class E, std::size_t N>
std::string enum_choices(const EnumName<E> (&names)[N]) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += i + 1 == N ? " or " : ", ";
    out += names[i].second;
  }
  return out;
}

}  // namespace kjit::jit
