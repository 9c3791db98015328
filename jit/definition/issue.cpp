// Issue formatting; see issue.h.
//
// Thread safety: pure functions.
#include "jit/definition/issue.h"

#include <algorithm>

namespace kjit::jit {

std::string_view to_string(Severity severity) { return severity == Severity::error ? "error" : "warning"; }

std::string Issue::to_string() const {
  std::string out = file.string();
  if (line > 0) {
    out += ":" + std::to_string(line) + ":" + std::to_string(column);
  } else {
    out += ": ";
    out += pointer.empty() ? "/" : pointer;
  }
  out += ": ";
  if (severity == Severity::warning) out += "warning: ";
  out += message;
  return out;
}

nlohmann::ordered_json Issue::to_json() const {
  nlohmann::ordered_json j;
  j["severity"] = std::string(kjit::jit::to_string(severity));
  j["file"] = file.string();
  j["pointer"] = pointer;
  j["message"] = message;
  if (line > 0) {
    j["line"] = line;
    j["column"] = column;
  }
  return j;
}

std::string json_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::size_t count_issues(const std::vector<Issue>& issues, Severity severity) {
  return static_cast<std::size_t>(
      std::count_if(issues.begin(), issues.end(), [&](const Issue& i) { return i.severity == severity; }));
}

}  // namespace kjit::jit
