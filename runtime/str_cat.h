// str_cat: concatenates strings and numbers into one std::string (g++ 12 has
// no <format>). Floating-point values print with up to 6 significant digits.
//
// Thread safety: pure function.
#pragma once

#include <sstream>
#include <string>
#include <utility>

namespace kjit::runtime {

template <class... Args>
std::string str_cat(Args&&... args) {
  std::ostringstream out;
  (out << ... << std::forward<Args>(args));
  return std::move(out).str();
}

}  // namespace kjit::runtime
