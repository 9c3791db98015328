// scan_head: what the connection front (http_front.h) needs to know about a
// request before handing it to a worker: where the head ends, how long the
// body is, whether the body is chunked (refused), whether the client waits
// for "100 Continue", and whether it is a light request (GET /v1/health or
// GET /metrics, served by the reserved worker). httplib parses the request
// again, fully; this scan only frames it.
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <string_view>

namespace kjit::tools {

struct HeadInfo {
  bool complete = false;            // the blank line ending the head was found
  std::size_t head_end = 0;         // bytes up to and including the blank line
  std::size_t content_length = 0;   // 0 when absent
  bool bad_length = false;          // unparsable, over 2^40, or two different values
  bool transfer_encoding = false;   // any Transfer-Encoding header
  bool expect_continue = false;     // "Expect: 100-continue"
  std::size_t expect_offset = 0;    // offset of that header's name
  bool light = false;               // GET /v1/health or GET /metrics
};

// Scans the first `max_head` bytes of `buf` (a head ends with CRLF CRLF, or
// LF LF). Header names are case-insensitive; values are trimmed.
HeadInfo scan_head(std::string_view buf, std::size_t max_head);

}  // namespace kjit::tools
