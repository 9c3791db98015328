// HttpFront: the connection front of `kjit serve`. cpp-httplib parses
// requests, routes them and writes responses; this class decides which
// connection gets a worker, and when.
//
// Why: httplib gives every connection a pool thread for its whole life,
// waiting up to the keep-alive timeout for the next request, so 100 idle
// connections from one client starved the 32 threads and every /v1/health
// probe waited ~20 s. Here one event thread (epoll) owns every connection
// while it is idle or still sending its request; a worker gets a connection
// only when a complete request (head and body) is buffered, serves that one
// request, and hands the connection back. So:
//   * idle and slow ("slowloris") connections cost a file descriptor and a
//     buffer, never a worker;
//   * time limits: a new connection must send a complete request head within
//     `header_timeout_ms`, a keep-alive connection must start its next request
//     within `idle_timeout_ms`, a body must arrive within `body_timeout_ms`
//     of its head, a response must drain within `write_timeout_ms`; a partly
//     sent request then gets 408, an idle connection is closed;
//   * caps: `max_connections` in all and `max_connections_per_client` per
//     peer address. At a cap the connection that no worker holds and that
//     has been quiet longest (accept, last byte received, last response) is
//     closed to make room, so a flood of idle or slow connections cannot lock
//     out a new client (a health probe from the same host included: it is
//     the most recently active); only when every connection is busy is the
//     new one refused with 503;
//   * keep-alive: at most `max_requests_per_connection` requests, then
//     "Connection: close";
//   * a reserved worker serves `GET /v1/health` and `GET /metrics` (routed by
//     the request line), so probes are answered while every other worker is
//     compiling; other requests beyond `max_queued` waiting get 503;
//   * request heads are at most `max_head_bytes` (431), bodies at most
//     `max_body_bytes` (413); `Transfer-Encoding` request bodies are refused
//     (411: send Content-Length), and `Expect: 100-continue` is answered here.
// The front's own error responses are JSON {"error": ...} followed by a
// lingering close (the socket is half-closed and drained for up to a second,
// so the client reads the response instead of a reset).
//
// Use: construct, register handlers as on any httplib::Server, bind, call
// raise_backlog(), then listen_after_bind(). stop() (httplib's) ends the
// accept loop; queued and running requests finish, then every connection is
// closed and listen_after_bind() returns.
//
// Thread safety: the accept loop (httplib, the listening thread) only hands
// sockets over through a locked inbox; the event thread alone owns the
// connection table; a worker owns a connection between hand-out and return;
// counters are atomics.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <httplib.h>

namespace kjit::tools {

struct FrontLimits {
  std::size_t workers = 32;                      // Default: 32 (plus one reserved for health/metrics)
  std::size_t max_connections = 1024;            // Default: 1024 open connections in all
  std::size_t max_connections_per_client = 256;  // Default: 256 per peer address
  int header_timeout_ms = 5000;                  // Default: 5 s from connect / first byte to a complete head
  int body_timeout_ms = 10000;                   // Default: 10 s from the head to the end of the body
  int idle_timeout_ms = 15000;                   // Default: 15 s between keep-alive requests
  int write_timeout_ms = 10000;                  // Default: 10 s for a response to drain
  std::size_t max_requests_per_connection = 1000;  // Default: 1000
  std::size_t max_head_bytes = 16 * 1024;        // Default: 16 KiB request line + headers
  std::size_t max_body_bytes = 64 * 1024;        // Default: 64 KiB
  std::size_t max_queued = 256;                  // Default: 256 requests waiting for a worker
};

struct FrontCounters {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> evicted{0};        // closed to make room at a cap
  std::atomic<std::uint64_t> refused_busy{0};   // 503: every connection busy, or the queue full
  std::atomic<std::uint64_t> timed_out{0};      // 408 or idle close
  std::atomic<std::uint64_t> rejected{0};       // 411 / 413 / 431 from the front
  std::atomic<std::int64_t> open{0};
};

class HttpFront : public httplib::Server {
 public:
  explicit HttpFront(FrontLimits limits);
  ~HttpFront() override;
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  // httplib listens with a backlog of 5; raise it (after bind).
  void raise_backlog(int backlog);
  // True when the bound listening address is a loopback address (127.0.0.0/8,
  // ::1, or ::ffff:127.x.y.z); false when unbound or any other address,
  // including the wildcard 0.0.0.0 / ::.
  bool bound_to_loopback() const;

  const FrontCounters& counters() const { return m_counters; }

  class Engine;  // the event thread and the workers (http_front.cpp)

 private:
  // httplib calls this (through the inline task queue, on the accepting
  // thread) for every accepted socket: the socket goes to the event thread.
  bool process_and_close_socket(socket_t sock) override;
  // One request through httplib's parser, router and writer (a worker calls it).
  bool run_request(httplib::Stream& stream, bool close_connection, bool& connection_closed);

  friend class Engine;
  FrontLimits m_limits;
  FrontCounters m_counters;
  std::unique_ptr<Engine> m_engine;
};

}  // namespace kjit::tools
