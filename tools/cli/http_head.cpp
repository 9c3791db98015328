// Request-head framing for the connection front; see http_head.h.
//
// Thread safety: pure function.
#include "tools/cli/http_head.h"

#include <algorithm>
#include <cctype>

namespace kjit::tools {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

HeadInfo scan_head(std::string_view buf, std::size_t max_head) {
  HeadInfo h;
  std::string_view view = buf.substr(0, std::min(buf.size(), max_head));
  std::size_t end = std::string_view::npos;
  std::size_t crlf = view.find("\r\n\r\n");
  std::size_t lflf = view.find("\n\n");
  if (crlf != std::string_view::npos) end = crlf + 4;
  if (lflf != std::string_view::npos && (end == std::string_view::npos || lflf + 2 < end)) end = lflf + 2;
  if (end == std::string_view::npos) return h;
  h.complete = true;
  h.head_end = end;
  std::string_view head = view.substr(0, end);

  bool first = true;
  bool have_length = false;
  std::size_t pos = 0;
  while (pos < head.size()) {
    std::size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {
      first = false;
      // METHOD SP TARGET SP VERSION
      std::size_t sp1 = line.find(' ');
      std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
      if (sp2 != std::string_view::npos) {
        std::string_view method = line.substr(0, sp1);
        std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        std::string_view path = target.substr(0, target.find('?'));
        h.light = method == "GET" && (path == "/v1/health" || path == "/metrics");
      }
      continue;
    }
    if (line.empty()) break;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // httplib rejects it
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      std::size_t n = 0;
      bool ok = !value.empty() && value.size() <= 12 &&
                std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (ok)
        for (char c : value) n = n * 10 + static_cast<std::size_t>(c - '0');
      if (!ok || (have_length && n != h.content_length)) h.bad_length = true;
      h.content_length = n;
      have_length = true;
    } else if (iequals(name, "Transfer-Encoding")) {
      h.transfer_encoding = true;
    } else if (iequals(name, "Expect") && iequals(value, "100-continue")) {
      h.expect_continue = true;
      h.expect_offset = static_cast<std::size_t>(name.data() - buf.data());
    }
  }
  if (h.bad_length) h.content_length = 0;
  return h;
}

}  // namespace kjit::tools
