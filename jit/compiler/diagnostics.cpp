// NVRTC log parsing (see diagnostics.h for the grammar).
// Thread safety: pure functions.
#include "jit/compiler/diagnostics.h"

#include <array>
#include <charconv>

namespace kjit::jit {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// EDG spelling -> normalized severity.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> k_severities = {{
    {"catastrophic error", "fatal"},
    {"error", "error"},
    {"warning", "warning"},
    {"remark", "remark"},
    {"note", "note"},
    {"fatal", "fatal"},
}};

// Parses "severity[ #NNN-D]: message" into `d`; false if `rest` is not that.
bool parse_severity_message(std::string_view rest, Diagnostic& d) {
  for (auto [spelling, normalized] : k_severities) {
    if (!rest.starts_with(spelling)) continue;
    std::string_view after = rest.substr(spelling.size());
    if (after.starts_with(" #")) {  // diagnostic number, e.g. " #177-D"
      auto colon = after.find(':');
      if (colon == std::string_view::npos) return false;
      after = after.substr(colon);
    }
    if (!after.starts_with(":")) continue;
    d.severity = normalized;
    d.message = std::string(trim(after.substr(1)));
    return true;
  }
  return false;
}

// "file(line): severity: message" with `file` = everything before the last
// "(digits): " on the line.
bool parse_edg_line(std::string_view line, std::string_view source_name, Diagnostic& d) {
  std::size_t open = std::string_view::npos;
  if (!source_name.empty() && line.starts_with(source_name) && line.substr(source_name.size()).starts_with("(")) {
    open = source_name.size();
  } else {
    for (auto pos = line.find("): "); pos != std::string_view::npos; pos = line.find("): ", pos + 1)) {
      auto candidate = line.rfind('(', pos);
      if (candidate != std::string_view::npos && candidate > 0) {
        open = candidate;
        break;
      }
    }
  }
  if (open == std::string_view::npos) return false;
  auto close = line.find(')', open);
  if (close == std::string_view::npos || close == open + 1 || !line.substr(close).starts_with("): ")) return false;
  int number = 0;
  auto digits = line.substr(open + 1, close - open - 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (ec != std::errc{} || ptr != digits.data() + digits.size()) return false;
  if (!parse_severity_message(line.substr(close + 3), d)) return false;
  d.file = std::string(line.substr(0, open));
  d.line = number;
  return true;
}

// "ptxas error   : message" / "ptxas fatal   : message" / "ptxas warning : message".
bool parse_ptxas_line(std::string_view line, Diagnostic& d) {
  if (!line.starts_with("ptxas ")) return false;
  std::string_view rest = line.substr(6);
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view severity = trim(rest.substr(0, colon));
  if (severity != "error" && severity != "fatal" && severity != "warning") return false;
  d.file = "ptxas";
  d.severity = std::string(severity);
  d.message = std::string(trim(rest.substr(colon + 1)));
  return true;
}

}  // namespace

std::vector<Diagnostic> parse_diagnostics(std::string_view log, std::string_view source_name) {
  std::vector<Diagnostic> out;
  const auto lines = split_lines(log);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    Diagnostic d;
    if (parse_edg_line(lines[i], source_name, d)) {
      // The source excerpt and caret line follow: "  <source>" then "  <spaces>^".
      if (i + 2 < lines.size() && lines[i + 1].starts_with("  ") && lines[i + 2].starts_with("  ")) {
        auto caret = lines[i + 2].find('^');
        if (caret != std::string_view::npos && trim(lines[i + 2]) == "^") {
          d.column = static_cast<int>(caret) - 2 + 1;
          i += 2;
        }
      }
      out.push_back(std::move(d));
    } else if (parse_ptxas_line(lines[i], d)) {
      out.push_back(std::move(d));
    }
  }
  return out;
}

const Diagnostic* first_error(const std::vector<Diagnostic>& diagnostics, std::string_view source_name) {
  const Diagnostic* any = nullptr;
  for (const auto& d : diagnostics) {
    if (d.severity != "error" && d.severity != "fatal") continue;
    if (d.file == source_name) return &d;
    if (any == nullptr) any = &d;
  }
  return any;
}

}  // namespace kjit::jit
