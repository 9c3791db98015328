// The connection front of `kjit serve`; see http_front.h.
//
// Thread safety: the event thread owns `m_conns`, the per-client counts and
// the epoll set; the accepting thread only pushes to `m_inbox`; workers own
// a Conn from dispatch until they push it to `m_done` (both under m_mutex);
// the job queues are under m_mutex with m_work_cv.
#include "tools/cli/http_front.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tools/cli/http_api.h"
#include "tools/cli/http_head.h"

namespace kjit::tools {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// fresh: accepted, nothing received; idle: between keep-alive requests;
// reading: part of a request received; queued/working: a worker has it;
// draining: an error response was sent, the input is read and dropped
// until the peer closes (a lingering close).
enum class ConnState { fresh, idle, reading, queued, working, draining };

struct Conn {
  int fd = -1;
  std::string client;  // peer address without the port: the per-client cap's key
  std::string remote_ip;
  int remote_port = 0;
  std::string local_ip;
  int local_port = 0;
  std::string buf;             // received bytes not yet consumed
  std::size_t head_end = 0;    // bytes of the current request head (0: incomplete)
  std::size_t body_len = 0;    // its Content-Length
  bool light = false;          // GET /v1/health or GET /metrics
  ConnState state = ConnState::fresh;
  Clock::time_point deadline;
  Clock::time_point since;     // last state change
  Clock::time_point last_activity;  // accept, bytes received, response sent (eviction picks the oldest)
  std::size_t requests = 0;
  bool keep = false;           // set by the worker: the connection may be reused
  bool peer_closed = false;    // the client half-closed after sending
  bool in_epoll = false;
};

bool front_owned(ConnState s) { return s != ConnState::queued && s != ConnState::working; }

std::string ip_of(const sockaddr_storage& ss, int* port) {
  char host[INET6_ADDRSTRLEN] = {};
  *port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    *port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    *port = ntohs(a->sin6_port);
  }
  return host;
}

bool is_loopback_address(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && a->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// Best effort: a non-blocking send of a small response; what does not fit in
// the socket buffer is dropped (the connection closes anyway).
void send_canned(int fd, int status, std::string_view message) {
  std::string body = error_body(message);
  std::string text = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
                     "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\nConnection: close\r\n\r\n" + body;
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::send(fd, text.data() + off, text.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
}

// httplib reads the request from this stream (the bytes the event thread
// buffered) and writes the response to the socket, within a deadline.
class ConnStream final : public httplib::Stream {
 public:
  ConnStream(Conn& c, Clock::time_point write_deadline) : m_c(c), m_deadline(write_deadline) {}

  bool is_readable() const override { return m_pos < m_c.buf.size(); }
  bool is_writable() const override { return !m_failed; }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, m_c.buf.size() - m_pos);
    std::memcpy(ptr, m_c.buf.data() + m_pos, n);
    m_pos += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    std::size_t off = 0;
    while (off < size && !m_failed) {
      ssize_t n = ::send(m_c.fd, ptr + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        off += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        auto left = std::chrono::duration_cast<milliseconds>(m_deadline - Clock::now()).count();
        pollfd p{m_c.fd, POLLOUT, 0};
        if (left > 0 && ::poll(&p, 1, static_cast<int>(left)) > 0 && !(p.revents & (POLLERR | POLLHUP))) continue;
      }
      m_failed = true;  // peer gone, or it stopped reading for write_timeout_ms
    }
    return m_failed ? -1 : static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = m_c.remote_ip;
    port = m_c.remote_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = m_c.local_ip;
    port = m_c.local_port;
  }
  socket_t socket() const override { return m_c.fd; }

  std::size_t consumed() const { return m_pos; }
  bool failed() const { return m_failed; }

 private:
  Conn& m_c;
  Clock::time_point m_deadline;
  std::size_t m_pos = 0;
  bool m_failed = false;
};

}  // namespace

class HttpFront::Engine {
 public:
  explicit Engine(HttpFront& front) : m_front(front), m_limits(front.m_limits), m_counters(front.m_counters) {
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = m_wake;
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &ev);
    m_event_thread = std::thread([this] { loop(); });
    for (std::size_t i = 0; i < std::max<std::size_t>(m_limits.workers, 1); ++i)
      m_workers.emplace_back([this] { work(false); });
    m_workers.emplace_back([this] { work(true); });
  }

  ~Engine() { shutdown(); }

  // From the accepting thread.
  void adopt(int fd) {
    int flags = ::fcntl(fd, F_GETFL, 0);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int one = 1;
    // Else Nagle + delayed ACK add ~40 ms to every keep-alive response.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    {
      std::lock_guard lock(m_mutex);
      if (m_stopping) {
        ::close(fd);
        return;
      }
      m_inbox.push_back(fd);
    }
    wake();
  }

  // Finishes queued and running requests, closes every connection, joins.
  void shutdown() {
    {
      std::lock_guard lock(m_mutex);
      if (m_shut) return;
      m_shut = true;
      m_stopping = true;
    }
    wake();
    if (m_event_thread.joinable()) m_event_thread.join();
    {
      std::lock_guard lock(m_mutex);
      m_workers_stop = true;
    }
    m_work_cv.notify_all();
    for (auto& t : m_workers)
      if (t.joinable()) t.join();
    for (int fd : m_inbox) ::close(fd);
    m_inbox.clear();
    if (m_wake >= 0) ::close(m_wake);
    if (m_epoll >= 0) ::close(m_epoll);
    m_wake = m_epoll = -1;
  }

 private:
  void wake() {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(m_wake, &one, sizeof one);
  }

  // ---- event thread

  void loop() {
    std::vector<epoll_event> events(128);
    for (;;) {
      int n = ::epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()), next_timeout_ms());
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == m_wake) {
          std::uint64_t v;
          while (::read(m_wake, &v, sizeof v) > 0) {
          }
          continue;
        }
        auto it = m_conns.find(fd);
        if (it != m_conns.end() && front_owned(it->second->state)) on_readable(*it->second);
      }
      take_inbox();
      expire();
      bool stopping;
      {
        std::lock_guard lock(m_mutex);
        stopping = m_stopping;
      }
      if (stopping) {
        std::vector<Conn*> idle;
        for (auto& [fd, c] : m_conns)
          if (front_owned(c->state)) idle.push_back(c.get());
        for (Conn* c : idle) close_conn(*c);
        if (m_conns.empty()) return;  // every worker has returned its connection
      }
    }
  }

  int next_timeout_ms() const {
    auto now = Clock::now();
    auto best = now + milliseconds(1000);
    for (const auto& [fd, c] : m_conns)
      if (front_owned(c->state)) best = std::min(best, c->deadline);
    auto ms = std::chrono::duration_cast<milliseconds>(best - now).count() + 1;
    return static_cast<int>(std::clamp<long long>(ms, 0, 1000));
  }

  void watch(Conn& c) {
    if (c.in_epoll) return;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = c.fd;
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &ev) == 0) c.in_epoll = true;
  }
  void unwatch(Conn& c) {
    if (!c.in_epoll) return;
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
    c.in_epoll = false;
  }

  void set_state(Conn& c, ConnState s, milliseconds timeout) {
    c.state = s;
    c.since = Clock::now();
    c.deadline = c.since + timeout;
  }

  void take_inbox() {
    std::vector<int> fds;
    std::vector<Conn*> done;
    {
      std::lock_guard lock(m_mutex);
      fds.swap(m_inbox);
      done.swap(m_done);
    }
    for (Conn* c : done) returned(*c);
    for (int fd : fds) accept_conn(fd);
  }

  void accept_conn(int fd) {
    auto c = std::make_unique<Conn>();
    c->fd = fd;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) c->remote_ip = ip_of(ss, &c->remote_port);
    len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) c->local_ip = ip_of(ss, &c->local_port);
    c->client = c->remote_ip;
    // Caps: make room by closing the oldest connection no worker holds.
    if (m_conns.size() >= m_limits.max_connections && !evict(nullptr)) return refuse(fd);
    if (m_per_client[c->client] >= m_limits.max_connections_per_client && !evict(&c->client)) return refuse(fd);
    m_counters.accepted.fetch_add(1, std::memory_order_relaxed);
    m_counters.open.fetch_add(1, std::memory_order_relaxed);
    ++m_per_client[c->client];
    set_state(*c, ConnState::fresh, milliseconds(m_limits.header_timeout_ms));
    c->last_activity = c->since;
    Conn& ref = *c;
    m_conns.emplace(fd, std::move(c));
    watch(ref);
  }

  void refuse(int fd) {
    m_counters.refused_busy.fetch_add(1, std::memory_order_relaxed);
    send_canned(fd, 503, "server busy: every connection is serving a request; retry shortly");
    ::close(fd);
  }

  // Closes a front-held connection (of `client`, if given): one already
  // draining, else the one that has been quiet longest (least recent accept,
  // byte received or response sent). A flood of connections from one address
  // thus closes its own oldest members, while a probe that just connected
  // and sent its request (the most recent activity) survives. False if none.
  bool evict(const std::string* client) {
    Conn* victim = nullptr;
    for (auto& [fd, c] : m_conns) {
      if (!front_owned(c->state) || (client && c->client != *client)) continue;
      const bool draining = c->state == ConnState::draining;
      const bool victim_draining = victim && victim->state == ConnState::draining;
      if (!victim || (draining && !victim_draining) ||
          (draining == victim_draining && c->last_activity < victim->last_activity))
        victim = c.get();
    }
    if (!victim) return false;
    m_counters.evicted.fetch_add(1, std::memory_order_relaxed);
    close_conn(*victim);
    return true;
  }

  void close_conn(Conn& c) {
    unwatch(c);
    auto pc = m_per_client.find(c.client);
    if (pc != m_per_client.end() && --pc->second == 0) m_per_client.erase(pc);
    m_counters.open.fetch_sub(1, std::memory_order_relaxed);
    const int fd = c.fd;
    m_conns.erase(fd);  // destroys c
    ::close(fd);
  }

  // An error response from the front, then a lingering close.
  void reject(Conn& c, int status, std::string_view message) {
    send_canned(c.fd, status, message);
    ::shutdown(c.fd, SHUT_WR);
    c.buf.clear();
    c.head_end = c.body_len = 0;
    set_state(c, ConnState::draining, milliseconds(1000));
    watch(c);
  }

  void on_readable(Conn& c) {
    char chunk[16384];
    // Read at most a bounded amount per event (level-triggered: the rest
    // comes with the next round), so one client cannot monopolize the thread.
    for (int round = 0; round < 8; ++round) {
      ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
      if (n > 0) {
        if (c.state == ConnState::draining) continue;  // dropped
        c.buf.append(chunk, static_cast<std::size_t>(n));
        c.last_activity = Clock::now();
        if (c.buf.size() > m_limits.max_head_bytes + m_limits.max_body_bytes) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n == 0 && c.state != ConnState::draining && !c.buf.empty()) {
        // The client sent its request and half-closed (`printf ... | nc`):
        // answer what is complete, then close.
        c.peer_closed = true;
        progress(c);
        if (c.state == ConnState::queued) return;
      }
      close_conn(c);  // EOF or error: the client is gone (c is destroyed)
      return;
    }
    if (c.state != ConnState::draining) progress(c);
  }

  // Advances a connection whose buffer changed: starts the head clock, checks
  // the head once complete, dispatches a complete request.
  void progress(Conn& c) {
    if (c.buf.empty()) return;
    if (c.state == ConnState::fresh || c.state == ConnState::idle)
      set_state(c, ConnState::reading, milliseconds(m_limits.header_timeout_ms));
    if (c.head_end == 0) {
      HeadInfo h = scan_head(c.buf, m_limits.max_head_bytes);
      if (!h.complete) {
        if (c.buf.size() > m_limits.max_head_bytes) {
          m_counters.rejected.fetch_add(1, std::memory_order_relaxed);
          reject(c, 431, "request line and headers over " + std::to_string(m_limits.max_head_bytes / 1024) + " KiB");
        }
        return;
      }
      if (h.transfer_encoding) {
        m_counters.rejected.fetch_add(1, std::memory_order_relaxed);
        return reject(c, 411, "Transfer-Encoding request bodies are not accepted; send Content-Length");
      }
      if (h.bad_length) {
        m_counters.rejected.fetch_add(1, std::memory_order_relaxed);
        return reject(c, 400, "malformed or conflicting Content-Length");
      }
      if (h.content_length > m_limits.max_body_bytes) {
        m_counters.rejected.fetch_add(1, std::memory_order_relaxed);
        return reject(c, 413, "request body over " + std::to_string(m_limits.max_body_bytes / 1024) + " KiB");
      }
      c.head_end = h.head_end;
      c.body_len = h.content_length;
      c.light = h.light;
      if (c.body_len > 0) c.deadline = Clock::now() + milliseconds(m_limits.body_timeout_ms);
      if (h.expect_continue && c.buf.size() < c.head_end + c.body_len) {
        // Answer it here (the body must arrive before a worker is given), and
        // hide the header from httplib so it does not answer it again.
        static constexpr std::string_view k_continue = "HTTP/1.1 100 Continue\r\n\r\n";
        [[maybe_unused]] ssize_t n = ::send(c.fd, k_continue.data(), k_continue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      if (h.expect_continue) c.buf[h.expect_offset] = 'X';  // "Expect:" -> "Xxpect:"
    }
    if (c.buf.size() >= c.head_end + c.body_len) dispatch(c);
  }

  void dispatch(Conn& c) {
    {
      std::lock_guard lock(m_mutex);
      if (!c.light && m_heavy.size() >= m_limits.max_queued) {
        m_counters.refused_busy.fetch_add(1, std::memory_order_relaxed);
        // (the lock is released before reject() touches the socket)
      } else {
        unwatch(c);
        c.state = ConnState::queued;
        (c.light ? m_light : m_heavy).push_back(&c);
        m_work_cv.notify_all();
        return;
      }
    }
    reject(c, 503, "server busy: too many requests waiting for a worker; retry shortly");
  }

  // A worker is done with `c`.
  void returned(Conn& c) {
    bool stopping;
    {
      std::lock_guard lock(m_mutex);
      stopping = m_stopping;
    }
    if (!c.keep || stopping) return close_conn(c);
    set_state(c, ConnState::idle, milliseconds(m_limits.idle_timeout_ms));
    c.last_activity = c.since;
    watch(c);
    progress(c);  // a pipelined request may already be buffered
  }

  void expire() {
    const auto now = Clock::now();
    std::vector<Conn*> due;
    for (auto& [fd, c] : m_conns)
      if (front_owned(c->state) && c->deadline <= now) due.push_back(c.get());
    for (Conn* c : due) {
      switch (c->state) {
        case ConnState::reading:
          m_counters.timed_out.fetch_add(1, std::memory_order_relaxed);
          reject(*c, 408, "request not received in time (request line and headers within " +
                              std::to_string(m_limits.header_timeout_ms / 1000) + " s, body within " +
                              std::to_string(m_limits.body_timeout_ms / 1000) + " s)");
          break;
        case ConnState::fresh:
        case ConnState::idle:
          m_counters.timed_out.fetch_add(1, std::memory_order_relaxed);
          close_conn(*c);
          break;
        default:
          close_conn(*c);  // draining: the peer had its second
          break;
      }
    }
  }

  // ---- workers

  void work(bool light) {
    for (;;) {
      Conn* c = nullptr;
      {
        std::unique_lock lock(m_mutex);
        auto& q = light ? m_light : m_heavy;
        m_work_cv.wait(lock, [&] { return m_workers_stop || !q.empty(); });
        if (q.empty()) return;
        c = q.front();
        q.pop_front();
        c->state = ConnState::working;
      }
      serve(*c);
      {
        std::lock_guard lock(m_mutex);
        m_done.push_back(c);
      }
      wake();
    }
  }

  void serve(Conn& c) {
    bool stopping;
    {
      std::lock_guard lock(m_mutex);
      stopping = m_stopping;
    }
    ConnStream stream(c, Clock::now() + milliseconds(m_limits.write_timeout_ms));
    const bool close = stopping || c.peer_closed || c.requests + 1 >= m_limits.max_requests_per_connection;
    bool closed = false;
    bool ok = false;
    try {
      ok = m_front.run_request(stream, close, closed);
    } catch (...) {
      ok = false;
    }
    ++c.requests;
    const std::size_t framed = c.head_end + c.body_len;
    // httplib must have read exactly the request the front framed; if not
    // (a malformed head it answered with 400), the rest of the buffer cannot
    // be trusted as the next request: close.
    c.keep = ok && !close && !closed && !stream.failed() && stream.consumed() == framed;
    c.buf.erase(0, std::min(stream.consumed(), c.buf.size()));
    c.head_end = c.body_len = 0;
  }

  HttpFront& m_front;
  const FrontLimits& m_limits;
  FrontCounters& m_counters;
  int m_epoll = -1;
  int m_wake = -1;
  std::thread m_event_thread;
  std::vector<std::thread> m_workers;

  // Event thread only.
  std::unordered_map<int, std::unique_ptr<Conn>> m_conns;
  std::unordered_map<std::string, std::size_t> m_per_client;

  std::mutex m_mutex;
  std::condition_variable m_work_cv;
  std::vector<int> m_inbox;     // guarded by m_mutex
  std::vector<Conn*> m_done;    // guarded by m_mutex
  std::deque<Conn*> m_heavy;    // guarded by m_mutex
  std::deque<Conn*> m_light;    // guarded by m_mutex
  bool m_stopping = false;      // guarded by m_mutex
  bool m_workers_stop = false;  // guarded by m_mutex
  bool m_shut = false;          // guarded by m_mutex
};

namespace {

// httplib creates its task queue when listening starts and shuts it down
// when the accept loop ends. Ours runs each task inline on the accepting
// thread (a task is `process_and_close_socket(sock)`, which only hands the
// socket to the event thread) and stops the engine on shutdown.
class InlineQueue final : public httplib::TaskQueue {
 public:
  explicit InlineQueue(std::function<void()> on_shutdown) : m_on_shutdown(std::move(on_shutdown)) {}
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override { m_on_shutdown(); }

 private:
  std::function<void()> m_on_shutdown;
};

}  // namespace

HttpFront::HttpFront(FrontLimits limits) : m_limits(limits) {
  new_task_queue = [this]() -> httplib::TaskQueue* {
    m_engine = std::make_unique<Engine>(*this);
    return new InlineQueue([this] { m_engine->shutdown(); });
  };
  set_payload_max_length(m_limits.max_body_bytes);
}

HttpFront::~HttpFront() {
  if (m_engine) m_engine->shutdown();
}

bool HttpFront::process_and_close_socket(socket_t sock) {
  m_engine->adopt(sock);
  return true;
}

bool HttpFront::run_request(httplib::Stream& stream, bool close_connection, bool& connection_closed) {
  return process_request(stream, close_connection, connection_closed, nullptr);
}

void HttpFront::raise_backlog(int backlog) {
  socket_t s = svr_sock_;
  if (s != INVALID_SOCKET) ::listen(s, backlog);
}

bool HttpFront::bound_to_loopback() const {
  socket_t s = svr_sock_;
  if (s == INVALID_SOCKET) return false;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  return is_loopback_address(ss);
}

}  // namespace kjit::tools
