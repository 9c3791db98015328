// TemplateError: the exception used inside the template engine (never leaves
// it: Environment converts it to kjit::Error), plus location helpers.
//
// An error carries a byte offset into the source of the template unit where it
// happened; line:column is computed from the offset only when the message is
// formatted. Code that does not know the offset (value operations) throws with
// `k_no_offset` and the evaluator fills in the offset of the node it was
// evaluating.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jit/util/error.h"

namespace kjit::jit::detail {

inline constexpr std::uint32_t k_no_offset = 0xffffffffu;

struct Unit;  // one loaded template (renderer.h)

struct TemplateError {
  ErrorCode code = ErrorCode::render_error;
  std::string message;
  std::uint32_t offset = k_no_offset;
  const Unit* unit = nullptr;
};

[[noreturn]] inline void throw_render_error(std::string message, std::uint32_t offset = k_no_offset) {
  throw TemplateError{ErrorCode::render_error, std::move(message), offset, nullptr};
}

[[noreturn]] inline void throw_parse_error(std::string message, std::uint32_t offset) {
  throw TemplateError{ErrorCode::parse_error, std::move(message), offset, nullptr};
}

struct LineColumn {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

// Line and column of byte `offset` in `source` (clamped to its size).
LineColumn line_column(std::string_view source, std::uint32_t offset);

// `name:line:col: message`.
std::string format_location(std::string_view name, std::string_view source, std::uint32_t offset,
                            std::string_view message);

}  // namespace kjit::jit::detail
