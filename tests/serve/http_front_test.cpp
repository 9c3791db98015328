// The connection front of `kjit serve` (tools/cli/http_front.h) in-process,
// with real sockets on loopback: idle connections hold no worker (issue #19:
// 100 idle connections made every /v1/health probe wait ~10-20 s), caps
// evict the oldest idle connection, slow requests get 408, oversized ones
// 413/431, chunked bodies 411, keep-alive is limited, the reserved worker
// answers health while every worker is busy, and stop() finishes in-flight
// requests.
#include "tools/cli/http_front.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/common/loopback.h"

namespace kjit::tools {
namespace {

using Clock = std::chrono::steady_clock;

using kjit::testing::connect_loopback;

void send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

// Reads until the peer closes, `until` appears, or `timeout_ms` passes.
std::string read_some(int fd, int timeout_ms, const std::string& until = {}) {
  std::string out;
  auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count());
    if (::poll(&p, 1, std::max(left, 0)) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (!until.empty() && out.find(until) != std::string::npos) break;
  }
  return out;
}

// One GET on a fresh connection; returns the response and its latency.
std::pair<std::string, double> get(int port, const std::string& path) {
  auto start = Clock::now();
  int fd = connect_loopback(port);
  if (fd < 0) return {"", 0};
  send_all(fd, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string res = read_some(fd, 30000);
  ::close(fd);
  return {res, std::chrono::duration<double, std::milli>(Clock::now() - start).count()};
}

class FrontFixture : public ::testing::Test {
 protected:
  void start(FrontLimits limits) {
    m_front = std::make_unique<HttpFront>(limits);
    m_front->Get("/v1/health", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{\"status\":\"ok\"}", "application/json");
    });
    m_front->Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content("slow done", "text/plain");
    });
    m_front->Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "text/plain");
    });
    m_port = m_front->bind_to_any_port("127.0.0.1");
    ASSERT_GT(m_port, 0);
    m_front->raise_backlog(1024);
    m_thread = std::thread([this] { m_front->listen_after_bind(); });
    while (!m_front->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  void TearDown() override {
    if (m_front) m_front->stop();
    if (m_thread.joinable()) m_thread.join();
    for (int fd : m_fds) ::close(fd);
  }
  // Opens `n` connections that send `prefix` (nothing: idle) and keeps them.
  void hold(int n, const std::string& prefix = {}) {
    for (int i = 0; i < n; ++i) {
      int fd = connect_loopback(m_port);
      ASSERT_GE(fd, 0);
      if (!prefix.empty()) send_all(fd, prefix);
      m_fds.push_back(fd);
    }
  }
  // p99 latency of `probes` health requests; every one must answer 200.
  double health_p99(int probes) {
    std::vector<double> lat;
    for (int i = 0; i < probes; ++i) {
      auto [res, ms] = get(m_port, "/v1/health");
      EXPECT_EQ(res.rfind("HTTP/1.1 200", 0), 0u) << res;
      lat.push_back(ms);
    }
    std::sort(lat.begin(), lat.end());
    return lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
  }

  std::unique_ptr<HttpFront> m_front;
  std::thread m_thread;
  int m_port = 0;
  std::vector<int> m_fds;
};

TEST_F(FrontFixture, HundredIdleConnectionsDoNotDelayHealth) {
  start({.workers = 4});
  hold(100);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Before: each idle connection held a worker for the 5 s keep-alive
  // timeout; with 4 workers a probe waited ~125 s. Now: milliseconds.
  EXPECT_LT(health_p99(20), 500.0);
  EXPECT_EQ(m_front->counters().open.load(), 100);
}

TEST_F(FrontFixture, SlowlorisHeadersDoNotDelayHealthAndGet408) {
  start({.workers = 2, .header_timeout_ms = 1000});
  hold(50, "GET /v1/heal");
  EXPECT_LT(health_p99(10), 500.0);
  // Each partial request is answered 408 after the header timeout.
  std::string res = read_some(m_fds[0], 5000, "\r\n\r\n");
  EXPECT_EQ(res.rfind("HTTP/1.1 408 Request Timeout", 0), 0u) << res;
  EXPECT_GE(m_front->counters().timed_out.load(), 1u);
}

TEST_F(FrontFixture, PerClientCapEvictsTheOldestIdleConnection) {
  start({.workers = 2, .max_connections_per_client = 64});
  hold(300);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LT(health_p99(10), 500.0);
  EXPECT_LE(m_front->counters().open.load(), 64);
  EXPECT_GE(m_front->counters().evicted.load(), 236u);
  // The first connections were the ones closed.
  EXPECT_EQ(read_some(m_fds[0], 1000), "");
}

TEST_F(FrontFixture, ReservedWorkerAnswersHealthWhileAllWorkersAreBusy) {
  start({.workers = 1});
  std::vector<std::thread> slow;
  for (int i = 0; i < 3; ++i) slow.emplace_back([&] { get(m_port, "/slow"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LT(health_p99(5), 500.0);
  for (auto& t : slow) t.join();
}

TEST_F(FrontFixture, OversizedChunkedAndHugeHeadsAreRefused) {
  start({.workers = 1});
  struct Case {
    std::string request;
    const char* status;
  };
  const Case cases[] = {
      {"POST /echo HTTP/1.1\r\nContent-Length: 70000\r\n\r\n" + std::string(70000, 'x'), "HTTP/1.1 413"},
      {"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "HTTP/1.1 411"},
      {"GET /v1/health HTTP/1.1\r\nX: " + std::string(20000, 'h') + "\r\n\r\n", "HTTP/1.1 431"},
      {"POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "HTTP/1.1 400"},
      {"THIS IS NOT HTTP\r\n\r\n", "HTTP/1.1 400"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.request.substr(0, 40));
    int fd = connect_loopback(m_port);
    send_all(fd, c.request);
    std::string res = read_some(fd, 5000);
    ::close(fd);
    EXPECT_EQ(res.rfind(c.status, 0), 0u) << res.substr(0, 200);
  }
  EXPECT_LT(health_p99(3), 500.0);
}

TEST_F(FrontFixture, KeepAlivePipeliningExpectContinueAndRequestLimit) {
  start({.workers = 2, .max_requests_per_connection = 3});
  int fd = connect_loopback(m_port);
  // Two pipelined requests in one write, then a third: the third is the
  // connection's last (Connection: close).
  send_all(fd, "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  std::string two = read_some(fd, 3000, "hello");
  EXPECT_EQ(two.rfind("HTTP/1.1 200", 0), 0u) << two;
  EXPECT_NE(two.find("{\"status\":\"ok\"}"), std::string::npos) << two;
  EXPECT_NE(two.find("hello"), std::string::npos) << two;
  send_all(fd, "POST /echo HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  std::string cont = read_some(fd, 3000, "\r\n\r\n");
  EXPECT_EQ(cont, "HTTP/1.1 100 Continue\r\n\r\n");
  send_all(fd, "body");
  std::string last = read_some(fd, 3000);
  EXPECT_EQ(last.rfind("HTTP/1.1 200", 0), 0u) << last;
  EXPECT_NE(last.find("Connection: close"), std::string::npos) << last;
  EXPECT_NE(last.find("body"), std::string::npos) << last;
  EXPECT_EQ(last.find("100 Continue"), std::string::npos) << last;
  ::close(fd);
}

TEST_F(FrontFixture, AHalfClosedClientStillGetsItsResponse) {
  start({.workers = 1});
  int fd = connect_loopback(m_port);
  send_all(fd, "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
  ::shutdown(fd, SHUT_WR);
  std::string res = read_some(fd, 3000);
  ::close(fd);
  EXPECT_EQ(res.rfind("HTTP/1.1 200", 0), 0u) << res;
  EXPECT_NE(res.find("Connection: close"), std::string::npos) << res;
}

TEST_F(FrontFixture, IdleKeepAliveConnectionsAreClosedAfterTheIdleTimeout) {
  start({.workers = 1, .idle_timeout_ms = 500});
  int fd = connect_loopback(m_port);
  send_all(fd, "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string res = read_some(fd, 2000, "ok\"}");
  EXPECT_EQ(res.rfind("HTTP/1.1 200", 0), 0u);
  auto start_wait = Clock::now();
  EXPECT_EQ(read_some(fd, 5000), "");  // closed by the server
  double waited = std::chrono::duration<double>(Clock::now() - start_wait).count();
  EXPECT_GT(waited, 0.3);
  EXPECT_LT(waited, 3.0);
  ::close(fd);
}

TEST_F(FrontFixture, StopFinishesInFlightRequests) {
  start({.workers = 1});
  std::string slow_response;
  std::thread client([&] { slow_response = get(m_port, "/slow").first; });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  m_front->stop();
  m_thread.join();
  client.join();
  EXPECT_NE(slow_response.find("slow done"), std::string::npos) << slow_response;
}

TEST(HttpFrontAddressTest, LoopbackIsDecidedOnTheBoundAddress) {
  auto bound = [](const std::string& host) {
    HttpFront f(FrontLimits{});
    if (f.bind_to_any_port(host) <= 0) return std::string("unbound");
    return std::string(f.bound_to_loopback() ? "loopback" : "remote");
  };
  EXPECT_EQ(bound("127.0.0.1"), "loopback");
  EXPECT_EQ(bound("127.0.0.2"), "loopback");
  EXPECT_EQ(bound("localhost"), "loopback");
  EXPECT_EQ(bound("0.0.0.0"), "remote");
  // A name that merely starts with "127." is not an address (the old string
  // test treated it as loopback and skipped the token).
  EXPECT_EQ(bound("127.0.0.1.invalid"), "unbound");
  // A non-loopback interface address of this machine, if it has one.
  ifaddrs* ifs = nullptr;
  if (::getifaddrs(&ifs) == 0) {
    for (ifaddrs* i = ifs; i; i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
      auto* a = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
      if ((ntohl(a->sin_addr.s_addr) >> 24) == 127) continue;
      char host[INET_ADDRSTRLEN];
      ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
      EXPECT_EQ(bound(host), "remote") << host;
      break;
    }
    ::freeifaddrs(ifs);
  }
}

}  // namespace
}  // namespace kjit::tools
