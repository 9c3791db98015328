// Error helpers: code names, full text, and the CLI exit-code table.
#include "jit/util/error.h"

namespace kjit {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::parse_error: return "parse_error";
    case ErrorCode::render_error: return "render_error";
    case ErrorCode::compile_error: return "compile_error";
    case ErrorCode::io_error: return "io_error";
    case ErrorCode::corruption: return "corruption";
    case ErrorCode::no_device: return "no_device";
    case ErrorCode::launch_error: return "launch_error";
    case ErrorCode::mismatch: return "mismatch";
    case ErrorCode::no_template: return "no_template";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

std::string Error::full() const {
  if (details.empty()) return message;
  return message + "\n" + details;
}

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return 2;
    case ErrorCode::not_found: return 3;
    case ErrorCode::no_template: return 3;
    case ErrorCode::parse_error: return 4;
    case ErrorCode::render_error: return 4;
    case ErrorCode::compile_error: return 4;
    case ErrorCode::mismatch: return 5;
    case ErrorCode::no_device: return 6;
    default: return 1;
  }
}

}  // namespace kjit
