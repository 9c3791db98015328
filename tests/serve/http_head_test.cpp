// Request-head framing for the connection front (tools/cli/http_head.h).
#include "tools/cli/http_head.h"

#include <gtest/gtest.h>

#include <string>

namespace kjit::tools {
namespace {

TEST(HttpHeadTest, IncompleteHeadIsNotComplete) {
  EXPECT_FALSE(scan_head("GET /v1/health HTTP/1.1\r\nHost: x\r\n", 16384).complete);
  EXPECT_FALSE(scan_head("", 16384).complete);
}

TEST(HttpHeadTest, FramesHeadAndBody) {
  std::string req = "POST /v1/kernels/a/compile HTTP/1.1\r\ncontent-length:  12 \r\nHost: x\r\n\r\n{\"arch\": 1}";
  HeadInfo h = scan_head(req, 16384);
  ASSERT_TRUE(h.complete);
  EXPECT_EQ(h.head_end, req.find("\r\n\r\n") + 4);
  EXPECT_EQ(h.content_length, 12u);
  EXPECT_FALSE(h.bad_length);
  EXPECT_FALSE(h.light);
}

TEST(HttpHeadTest, LightRequestsAreHealthAndMetricsGets) {
  EXPECT_TRUE(scan_head("GET /v1/health HTTP/1.1\r\n\r\n", 100).light);
  EXPECT_TRUE(scan_head("GET /metrics?x=1 HTTP/1.1\r\n\r\n", 100).light);
  EXPECT_FALSE(scan_head("POST /v1/health HTTP/1.1\r\n\r\n", 100).light);
  EXPECT_FALSE(scan_head("GET /v1/healthz HTTP/1.1\r\n\r\n", 100).light);
}

TEST(HttpHeadTest, LengthProblemsAreFlagged) {
  EXPECT_TRUE(scan_head("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 100).bad_length);
  EXPECT_TRUE(scan_head("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 100).bad_length);
  EXPECT_FALSE(scan_head("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", 100).bad_length);
  EXPECT_TRUE(scan_head("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 100).bad_length);
  EXPECT_TRUE(scan_head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 100).transfer_encoding);
}

TEST(HttpHeadTest, ExpectContinueIsLocated) {
  std::string req = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  HeadInfo h = scan_head(req, 1000);
  ASSERT_TRUE(h.expect_continue);
  EXPECT_EQ(req.substr(h.expect_offset, 6), "Expect");
}

TEST(HttpHeadTest, OnlyTheFirstMaxHeadBytesAreScanned) {
  std::string req = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n";
  EXPECT_FALSE(scan_head(req, 50).complete);
  EXPECT_TRUE(scan_head(req, 1000).complete);
}

}  // namespace
}  // namespace kjit::tools
