// Line/column computation for template error messages (see template_error.h).
//
// Thread safety: pure functions.
#include "jit/template/template_error.h"

#include <algorithm>

namespace kjit::jit::detail {

LineColumn line_column(std::string_view source, std::uint32_t offset) {
  std::size_t end = std::min<std::size_t>(offset, source.size());
  LineColumn lc;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < end; ++i) {
    if (source[i] == '\n') {
      ++lc.line;
      line_start = i + 1;
    }
  }
  lc.column = static_cast<int>(end - line_start) + 1;
  return lc;
}

std::string format_location(std::string_view name, std::string_view source, std::uint32_t offset,
                            std::string_view message) {
  std::string out(name);
  if (offset != k_no_offset) {
    LineColumn lc = line_column(source, offset);
    out += ':' + std::to_string(lc.line) + ':' + std::to_string(lc.column);
  }
  out += ": ";
  out += message;
  return out;
}

}  // namespace kjit::jit::detail
