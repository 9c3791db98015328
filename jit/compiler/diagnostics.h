// Diagnostics: NVRTC's program log turned into structured messages.
//
// NVRTC (EDG front end) writes `file(line): severity: message`, optionally
// `severity #NNN-D:`, followed by the offending source line (indented two
// spaces) and a caret line whose `^` marks the column:
//
//   kernel.cu(3): error: identifier "yy" is undefined
//       x[0] = yy + 1;
//              ^
//
// ptxas problems appear as `ptxas error   : message` / `ptxas fatal   : ...`
// (file "ptxas", line 0). Severities are normalized to `error`, `warning`,
// `remark`, `note` and `fatal` (EDG's "catastrophic error").
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kjit::jit {

struct Diagnostic {
  std::string file;      // "kernel.cu", a header path, or "ptxas"
  int line = 0;          // 1-based; 0 when the log gives none
  int column = 0;        // 1-based, from the caret line; 0 when absent
  std::string severity;  // error | warning | remark | note | fatal
  std::string message;   // text after "severity:", without the "#NNN-D" number
};

// Every diagnostic in `log`, in log order. `source_name` is the name the
// program was created with; its diagnostics are recognized even when the name
// contains parentheses or spaces.
std::vector<Diagnostic> parse_diagnostics(std::string_view log, std::string_view source_name);

// The diagnostic an error message should show: the first error/fatal in
// `source_name`, else the first error/fatal anywhere, else null.
const Diagnostic* first_error(const std::vector<Diagnostic>& diagnostics, std::string_view source_name);

}  // namespace kjit::jit
