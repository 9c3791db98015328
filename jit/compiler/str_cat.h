// str_cat: concatenates strings and integers into one std::string.
//
// The toolchain here (g++ 12) has no <format>; this small helper keeps
// message building readable: `str_cat("arch '", text, "': ", why)`.
//
// Thread safety: pure function.
#pragma once

#include <concepts>
#include <string>
#include <string_view>

namespace kjit::jit::detail {

inline void str_append(std::string& out, std::string_view piece) { out += piece; }
inline void str_append(std::string& out, const char* piece) { out += piece; }
inline void str_append(std::string& out, char piece) { out += piece; }
template <std::integral T>
  requires(!std::same_as<T, char> && !std::same_as<T, bool>)
void str_append(std::string& out, T value) {
  out += std::to_string(value);
}

template <class... Pieces>
std::string str_cat(const Pieces&... pieces) {
  std::string out;
  (str_append(out, pieces), ...);
  return out;
}

}  // namespace kjit::jit::detail
