// str_cat: kjit's one string formatter. Concatenates its arguments into one
// std::string (g++ 12 has no <format>): `str_cat("arch '", text, "': ", n)`.
//
// Pieces: anything convertible to std::string_view, a char, an integer
// (decimal), a floating-point number (printf "%g": up to 6 significant
// digits, like an ostream's default), a std::filesystem::path (its native
// string, unquoted). A bool is rejected at compile time: say what it means.
//
// Thread safety: pure function.
#pragma once

#include <concepts>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace kjit {
namespace detail {

inline void str_append(std::string& out, std::string_view piece) { out += piece; }
inline void str_append(std::string& out, const char* piece) { out += piece; }
inline void str_append(std::string& out, char piece) { out += piece; }
template <class P>
  requires std::same_as<P, std::filesystem::path>  // exact: a std::string must not convert to a path
void str_append(std::string& out, const P& piece) {
  out += piece.native();
}
void str_append(std::string& out, bool piece) = delete;
template <std::integral T>
  requires(!std::same_as<T, char> && !std::same_as<T, bool>)
void str_append(std::string& out, T value) {
  out += std::to_string(value);
}
template <std::floating_point T>
void str_append(std::string& out, T value) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%g", static_cast<double>(value));
  out.append(buf, static_cast<std::size_t>(n));
}

}  // namespace detail

template <class... Pieces>
std::string str_cat(const Pieces&... pieces) {
  std::string out;
  (detail::str_append(out, pieces), ...);
  return out;
}

}  // namespace kjit
