// text::format: a tiny stand-in for std::format (absent from g++ 12's
// library): each "{}" in `pattern` is replaced by the next argument, written
// with operator<< (paths are written with .string(), not quoted).
//
// Thread safety: pure function.
#pragma once

#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>

namespace kjit::cache::text {
namespace detail {

template <class T>
void put(std::ostringstream& out, const T& v) {
  if constexpr (std::is_same_v<T, std::filesystem::path>) out << v.string();
  else out << v;
}

inline void rest(std::ostringstream& out, std::string_view pattern) { out << pattern; }

template <class T, class... Args>
void rest(std::ostringstream& out, std::string_view pattern, const T& first, const Args&... more) {
  auto at = pattern.find("{}");
  if (at == std::string_view::npos) {
    out << pattern;
    return;
  }
  out << pattern.substr(0, at);
  put(out, first);
  rest(out, pattern.substr(at + 2), more...);
}

}  // namespace detail

template <class... Args>
std::string format(std::string_view pattern, const Args&... args) {
  std::ostringstream out;
  detail::rest(out, pattern, args...);
  return out.str();
}

}  // namespace kjit::cache::text
