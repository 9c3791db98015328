// `kjit serve [--listen HOST:PORT] [--allow-remote] [--threads N] [limits]`:
// kernels over HTTP/1.1 + JSON (cpp-httplib), on the thread-safe Jit facade.
// The routes and their errors are in http_api.h; connection handling (time
// limits, connection caps, keep-alive limits, the reserved health worker)
// in http_front.h.
//
// Security: loopback only by default. The check is on the address actually
// bound (getsockname), not on the spelling of --listen, so a host name that
// resolves elsewhere (`127.0.0.1.example.com`) or the wildcard 0.0.0.0 is
// non-loopback. A non-loopback address needs --allow-remote AND a non-empty
// KJIT_TOKEN, and then every request must carry `Authorization: Bearer
// <token>`; otherwise serve refuses to start (exit 2). Compile options from
// requests pass the allow-list of jit/compiler/options.h. Template edits are
// picked up (inotify on the templates folder -> Jit::reload()). SIGTERM /
// SIGINT: stop accepting, finish in-flight requests, exit 0. The listening
// address is printed on stdout ("kjit: listening on http://HOST:PORT"); port
// 0 picks a free port.
//
// Thread safety: handlers run on the front's workers and share the Jit
// (thread safe) and Metrics (thread safe); one thread waits for signals, one
// for template changes.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <httplib.h>

#include "cache/cache.h"
#include "jit/definition/names.h"
#include "tools/cli/http_api.h"
#include "tools/cli/http_front.h"
#include "tools/cli/inotify_watcher.h"
#include "tools/cli/jit_session.h"
#include "tools/cli/metrics.h"

namespace kjit::tools {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

struct Args {
  std::string listen = "127.0.0.1:7420";
  bool allow_remote = false;
  int threads = 32;
  int max_connections = 1024;
  int max_per_client = 256;
  int idle_timeout_s = 15;
  int header_timeout_s = 5;
  int max_requests = 1000;
};

bool parse_listen(const std::string& text, std::string* host, int* port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = text.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  char* end = nullptr;
  long p = std::strtol(text.c_str() + colon + 1, &end, 10);
  if (!end || *end != '\0' || p < 0 || p > 65535 || colon + 1 == text.size()) return false;
  *port = static_cast<int>(p);
  return true;
}

// The routes' view of the Jit (http_api.h), counting hits, misses and
// compile time for /metrics.
class JitBackend final : public KernelBackend {
 public:
  JitBackend(jit::Jit& jit, Metrics& metrics, const FrontCounters& front)
      : m_jit(jit), m_metrics(metrics), m_front(front) {}

  std::string compiler_version() const override { return m_jit.compiler_version(); }
  std::vector<const jit::Definition*> definitions() const override { return m_jit.definitions(); }
  const jit::Definition* find(std::string_view name) const override { return m_jit.find(name); }
  std::string served_by(const jit::Definition& def) const override { return m_jit.served_by(def); }
  std::string default_arch() const override { return jit::default_arch(m_jit.config()); }

  Result<jit::GetResult> get(const std::string& name, const std::string& arch,
                             const jit::GetOptions& options) override {
    Metrics::InFlight in_flight(m_metrics);
    auto got = m_jit.get(name, arch, options);
    if (!got) return got;
    if (got->status == jit::GetStatus::compiled) {
      m_metrics.miss();
      m_metrics.compile_seconds(got->artifact->compile_ms / 1000.0);
    } else {
      m_metrics.hit();
    }
    return got;
  }

  Result<ordered_json> cache_stats() override {
    auto& c = m_jit.cache();
    auto st = c.stats();
    if (!st) return std::unexpected(st.error());
    return cache_stats_json(c, *st);
  }

  std::string metrics_text() override {
    auto st = m_jit.cache().stats();
    std::string text = m_metrics.prometheus(st ? &*st : nullptr);
    auto counter = [&](const char* name, const char* help, const char* type, long long value) {
      text += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
              std::to_string(value) + "\n";
    };
    counter("kjit_http_connections_open", "Open HTTP connections.", "gauge", m_front.open.load());
    counter("kjit_http_connections_accepted_total", "Accepted HTTP connections.", "counter",
            static_cast<long long>(m_front.accepted.load()));
    counter("kjit_http_connections_evicted_total",
            "Idle or partial connections closed to make room at a connection cap.", "counter",
            static_cast<long long>(m_front.evicted.load()));
    counter("kjit_http_refused_busy_total", "Connections or requests refused with 503 (all busy).", "counter",
            static_cast<long long>(m_front.refused_busy.load()));
    counter("kjit_http_timeouts_total", "Connections closed or answered 408 for a time limit.", "counter",
            static_cast<long long>(m_front.timed_out.load()));
    counter("kjit_http_rejected_total", "Requests refused by the front (411, 413, 431, bad length).", "counter",
            static_cast<long long>(m_front.rejected.load()));
    return text;
  }

 private:
  jit::Jit& m_jit;
  Metrics& m_metrics;
  const FrontCounters& m_front;
};

// Every request goes to the HttpApi (one catch-all handler per method; the
// API does its own routing and answers 404/405).
void install(HttpFront& svr, HttpApi& api, Metrics& metrics) {
  auto handler = [&api](const httplib::Request& req, httplib::Response& res) {
    HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query.emplace(k, v);
    r.authorization = req.get_header_value("Authorization");
    r.body = req.body;
    HttpResponse out = api.handle(r);
    res.status = out.status;
    for (const auto& [k, v] : out.headers) res.set_header(k, v);
    res.set_content(out.body, out.content_type);
  };
  svr.Get(".*", handler);
  svr.Options(".*", handler);
  svr.Delete(".*", httplib::Server::Handler(handler));
  svr.Post(".*", httplib::Server::Handler(handler));
  svr.Put(".*", httplib::Server::Handler(handler));
  svr.Patch(".*", httplib::Server::Handler(handler));
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message = res.status == 413 ? "request body over 64 KiB"
                          : res.status == 414 ? "request target too long"
                                              : "bad request: " + jit::printable_name(req.method) + " " +
                                                    jit::printable_name(req.path) + " is not valid HTTP/1.1";
    res.set_content(error_body(message), "application/json");
  });
  svr.set_logger([&metrics](const httplib::Request& req, const httplib::Response& res) {
    metrics.request(HttpApi::route_of(req.method, req.path), res.status);
  });
}

int run(const Globals& globals, const Args& a) {
  std::string host;
  int port = 0;
  if (!parse_listen(a.listen, &host, &port))
    return report(Error{ErrorCode::invalid_argument, "--listen '" + a.listen + "': expected HOST:PORT, e.g. 127.0.0.1:7420", ""});
  for (auto [value, flag] : {std::pair{a.threads, "--threads"}, {a.max_connections, "--max-connections"},
                             {a.max_per_client, "--max-connections-per-client"}, {a.idle_timeout_s, "--idle-timeout"},
                             {a.header_timeout_s, "--header-timeout"}, {a.max_requests, "--max-requests-per-connection"}})
    if (value < 1) return report(Error{ErrorCode::invalid_argument, std::string(flag) + " must be at least 1", ""});

  FrontLimits limits;
  limits.workers = static_cast<std::size_t>(a.threads);
  limits.max_connections = static_cast<std::size_t>(a.max_connections);
  limits.max_connections_per_client = static_cast<std::size_t>(a.max_per_client);
  limits.idle_timeout_ms = a.idle_timeout_s * 1000;
  limits.header_timeout_ms = a.header_timeout_s * 1000;
  limits.max_requests_per_connection = static_cast<std::size_t>(a.max_requests);
  HttpFront svr(limits);

  // Bind first, then decide on the address actually bound.
  if (port == 0) {
    port = svr.bind_to_any_port(host);
    if (port <= 0) return report(Error{ErrorCode::io_error, "cannot bind " + host + ":0", ""});
  } else if (!svr.bind_to_port(host, port)) {
    return report(Error{ErrorCode::io_error, "cannot listen on " + a.listen + ": address in use or not local", ""});
  }
  std::string token;
  if (!svr.bound_to_loopback()) {
    const char* t = std::getenv("KJIT_TOKEN");
    token = t ? t : "";
    if (!a.allow_remote || token.empty())
      return report(Error{ErrorCode::invalid_argument,
                          "refusing to serve on non-loopback address " + host +
                              ": pass --allow-remote and set KJIT_TOKEN (clients then send 'Authorization: Bearer "
                              "<token>'), or listen on 127.0.0.1",
                          ""});
  }
  // httplib listens with a backlog of 5; bursts of connections need more.
  svr.raise_backlog(1024);

  int rc = 0;
  auto jit = open_jit(globals, &rc);
  if (!jit) return rc;

  // Signals go to one waiting thread (blocked everywhere else).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Metrics metrics;
  JitBackend backend(*jit, metrics, svr.counters());
  HttpApi api(backend, token);
  install(svr, api, metrics);
  std::printf("kjit: listening on http://%s:%d\n", host.c_str(), port);
  std::fflush(stdout);

  std::atomic<bool> stopping{false};
  std::jthread signal_thread([&] {
    timespec tick{0, 200 * 1000 * 1000};
    while (!stopping.load()) {
      int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig == SIGTERM || sig == SIGINT) {
        std::fprintf(stderr, "kjit: %s: finishing in-flight requests\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        stopping.store(true);
        svr.stop();
      }
    }
  });
  std::jthread watch_thread([&] {
    auto watcher = InotifyWatcher::open({jit->config().templates_dir});
    if (!watcher) {
      std::fprintf(stderr, "kjit: template changes will not be picked up: %s\n", watcher.error().message.c_str());
      return;
    }
    while (!stopping.load()) {
      auto changed = (*watcher)->wait(300);
      if (changed.empty()) continue;
      jit->reload();
      std::fprintf(stderr, "kjit: %zu template file(s) changed (%s...): reloaded\n", changed.size(),
                   changed.begin()->string().c_str());
    }
  });
  bool ok = svr.listen_after_bind();
  stopping.store(true);
  return ok ? 0 : 1;
}

RunFn setup(CLI::App& sub, const Globals& globals) {
  auto a = std::make_shared<Args>();
  sub.add_option("--listen", a->listen, "HOST:PORT to listen on (default 127.0.0.1:7420; port 0 = any free port)");
  sub.add_flag("--allow-remote", a->allow_remote, "allow a non-loopback address (also needs env KJIT_TOKEN)");
  sub.add_option("--threads", a->threads,
                 "workers serving requests (default 32; one more is reserved for /v1/health and /metrics; idle "
                 "connections hold none)");
  sub.add_option("--max-connections", a->max_connections,
                 "open connections in all (default 1024; at the cap the oldest idle one is closed)");
  sub.add_option("--max-connections-per-client", a->max_per_client,
                 "open connections per client address (default 256; at the cap its oldest idle one is closed)");
  sub.add_option("--idle-timeout", a->idle_timeout_s, "seconds a keep-alive connection may stay idle (default 15)");
  sub.add_option("--header-timeout", a->header_timeout_s,
                 "seconds a client has to send the request line and headers (default 5; then 408)");
  sub.add_option("--max-requests-per-connection", a->max_requests,
                 "keep-alive requests per connection before it is closed (default 1000)");
  return [&globals, a]() { return run(globals, *a); };
}

const CommandRegistrar registrar{{"serve", "serve kernels over HTTP/JSON (loopback by default)", setup, 60}};

}  // namespace
}  // namespace kjit::tools
