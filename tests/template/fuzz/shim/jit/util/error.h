// Fuzz-build stand-in for jit/util/error.h. clang-14 (needed for libFuzzer)
// cannot compile libstdc++'s std::expected, so the fuzzer builds the engine's
// stages without environment.cpp and uses this header, which provides only the
// parts they need: ErrorCode and Error. Keep the codes in sync with the real
// header (the fuzzer only checks that errors are produced, not their codes).
//
// Thread safety: plain values.
#pragma once

#include <string>

namespace kjit {

enum class ErrorCode {
  invalid_argument,
  not_found,
  parse_error,
  render_error,
  compile_error,
  io_error,
  corruption,
  no_device,
  launch_error,
  mismatch,
  no_template,
  internal,
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::string details;
};

}  // namespace kjit
