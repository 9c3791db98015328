// Error and Result: the one error type of kjit and the fallible-return alias.
//
// Every fallible step returns `Result<T>` (`std::expected<T, Error>`). An
// `Error` carries a stable `ErrorCode`, a one-line message that names the
// thing and the place, and optional multi-line `details` (a compiler log, a
// list of lint errors). The CLI maps codes to exit codes with
// `exit_code_for()`; nothing else switches on codes to decide exit status.
//
// Thread safety: plain value types; safe to copy between threads.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace kjit {

// Stable codes; tests and the CLI's exit codes depend on them.
enum class ErrorCode {
  invalid_argument,  // bad flag, bad value, bad definition field
  not_found,         // unknown definition, missing file
  parse_error,       // malformed JSON or template syntax
  render_error,      // template evaluation failed (undefined variable, ...)
  compile_error,     // NVRTC rejected the source
  io_error,          // filesystem or SQLite failure
  corruption,        // checksum mismatch, malformed blob
  no_device,         // no CUDA driver or device
  launch_error,      // a CUDA Driver API call failed
  mismatch,          // a check found wrong numbers
  no_template,       // no template serves a definition
  internal,          // a bug in kjit
};

std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;  // one line: what, where, what to do
  std::string details;  // optional: logs, lists

  // The message followed by details (if any) on the next lines.
  std::string full() const;
};

template <class T>
using Result = std::expected<T, Error>;

// Makes an unexpected Error; `return fail(ErrorCode::not_found, "...");`.
inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string details = {}) {
  return std::unexpected<Error>(Error{code, std::move(message), std::move(details)});
}

// CLI exit codes from design.md: 0 ok, 1 failure, 2 usage, 3 not found,
// 4 template or compile error, 5 check mismatch, 6 no device.
int exit_code_for(ErrorCode code);

}  // namespace kjit

// Propagates an error: `auto v = KJIT_TRY(step());` (GNU statement
// expression, supported by g++ and clang) or `KJIT_TRY_VOID(step());`.
#define KJIT_TRY(expr)                                              \
  ({                                                                \
    auto&& kjit_try_r_ = (expr);                                    \
    if (!kjit_try_r_) return std::unexpected(kjit_try_r_.error());  \
    std::move(*kjit_try_r_);                                        \
  })

#define KJIT_TRY_VOID(expr)                                         \
  do {                                                              \
    auto&& kjit_try_r_ = (expr);                                    \
    if (!kjit_try_r_) return std::unexpected(kjit_try_r_.error());  \
  } while (0)
