// `kjit serve [--listen HOST:PORT] [--allow-remote] [--threads N]`: kernels
// over HTTP/1.1 + JSON (cpp-httplib), on the thread-safe Jit facade.
//
//   GET  /v1/health                          {"status": "ok", ...}
//   GET  /v1/definitions[?op_type=T]         [{"name", "op_type", "template"}...]
//   GET  /v1/definitions/{name}              the definition JSON
//   POST /v1/kernels/{name}/compile          body {"arch", "options": [...], "force"}
//        → {"name", "key", "arch", "status", "compile_ms", "registers", "spill_bytes", "log"}
//   GET  /v1/kernels/{name}?arch=A           the cubin (application/octet-stream),
//        headers X-Kjit-Key and X-Kjit-Plan (compact plan JSON)
//   GET  /v1/kernels/{name}/plan?arch=A      {"key", "arch", "plan"}
//   GET  /v1/cache/stats                     the fields of `kjit cache stats --json`
//   GET  /metrics                            Prometheus text (metrics.h)
// Errors are JSON {"error": ...}: 404 unknown definition or no template, 400
// bad arch / option / body, 413 body over 64 KiB, 422 template or compile
// error (with "log"), 401 missing token, 500 otherwise.
//
// Security: loopback only by default. A non-loopback address needs
// --allow-remote AND a non-empty KJIT_TOKEN, and then every request must
// carry `Authorization: Bearer <token>`; otherwise serve refuses to start
// (exit 2). Template edits are picked up (inotify on the templates folder →
// Jit::reload()). SIGTERM / SIGINT: stop accepting, finish in-flight
// requests, exit 0. The listening address is printed on stdout
// ("kjit: listening on http://HOST:PORT"); port 0 picks a free port.
//
// Thread safety: handlers run on httplib's pool and share the Jit (thread
// safe) and Metrics (thread safe); one thread waits for signals, one for
// template changes.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <httplib.h>

#include "cache/cache.h"
#include "tools/cli/inotify_watcher.h"
#include "tools/cli/jit_session.h"
#include "tools/cli/metrics.h"

namespace kjit::tools {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::size_t k_max_body = 64 * 1024;

struct Args {
  std::string listen = "127.0.0.1:7420";
  bool allow_remote = false;
  int threads = 32;
};

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// The route label for metrics: the pattern, not the path (bounded cardinality).
std::string route_of(const std::string& method, const std::string& path) {
  std::string p;
  if (path == "/v1/health" || path == "/v1/definitions" || path == "/v1/cache/stats" || path == "/metrics") p = path;
  else if (path.starts_with("/v1/definitions/")) p = "/v1/definitions/{name}";
  else if (path.starts_with("/v1/kernels/") && path.ends_with("/compile")) p = "/v1/kernels/{name}/compile";
  else if (path.starts_with("/v1/kernels/") && path.ends_with("/plan")) p = "/v1/kernels/{name}/plan";
  else if (path.starts_with("/v1/kernels/")) p = "/v1/kernels/{name}";
  else p = "other";
  return method + " " + p;
}

int http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::not_found:
    case ErrorCode::no_template: return 404;
    case ErrorCode::invalid_argument: return 400;
    case ErrorCode::parse_error:
    case ErrorCode::render_error:
    case ErrorCode::compile_error: return 422;
    default: return 500;
  }
}

void send_json(httplib::Response& res, int status, const ordered_json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message, const std::string& log = {}) {
  ordered_json j{{"error", message}};
  if (!log.empty()) j["log"] = log;
  send_json(res, status, j);
}

void send_error(httplib::Response& res, const Error& e) { send_error(res, http_status_for(e.code), e.message, e.details); }

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

class Server {
 public:
  Server(jit::Jit& jit, std::string token) : m_jit(jit), m_token(std::move(token)) {}

  void install(httplib::Server& svr, int threads) {
    svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
    svr.set_payload_max_length(k_max_body);
    svr.set_keep_alive_max_count(100000);
    svr.set_tcp_nodelay(true);  // else Nagle + delayed ACK add ~40 ms to every keep-alive response
    svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (m_token.empty()) return httplib::Server::HandlerResponse::Unhandled;
      std::string got = req.get_header_value("Authorization");
      std::string want = "Bearer " + m_token;
      unsigned diff = got.size() != want.size();
      for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) diff |= static_cast<unsigned>(got[i] ^ want[i]);
      if (diff == 0) return httplib::Server::HandlerResponse::Unhandled;
      send_error(res, 401, "missing or wrong bearer token: send 'Authorization: Bearer $KJIT_TOKEN'");
      return httplib::Server::HandlerResponse::Handled;
    });
    svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (res.status == 404) send_error(res, 404, "no route " + req.method + " " + req.path + ": see GET /v1/health");
      else if (res.status == 413) send_error(res, 413, "request body over 64 KiB");
      else send_error(res, res.status, "bad request");
    });
    svr.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      m_metrics.request(route_of(req.method, req.path), res.status);
    });

    svr.Get("/v1/health", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200,
                {{"status", "ok"}, {"compiler", m_jit.compiler_version()}, {"definitions", m_jit.definitions().size()}});
    });
    svr.Get("/v1/definitions", [this](const httplib::Request& req, httplib::Response& res) {
      std::string op = req.get_param_value("op_type");
      ordered_json arr = ordered_json::array();
      for (const jit::Definition* d : m_jit.definitions()) {
        if (!op.empty() && d->op_type != op) continue;
        arr.push_back({{"name", d->name}, {"op_type", d->op_type}, {"template", m_jit.served_by(*d)}});
      }
      send_json(res, 200, arr);
    });
    svr.Get(R"(/v1/definitions/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      const jit::Definition* d = m_jit.find(req.matches[1].str());
      if (!d) return send_error(res, 404, "unknown definition '" + req.matches[1].str() + "'");
      send_json(res, 200, d->raw);
    });
    svr.Post(R"(/v1/kernels/([^/]+)/compile)", [this](const httplib::Request& req, httplib::Response& res) {
      compile(req.matches[1].str(), req.body, res);
    });
    svr.Get(R"(/v1/kernels/([^/]+)/plan)", [this](const httplib::Request& req, httplib::Response& res) {
      auto got = get(req.matches[1].str(), req.get_param_value("arch"), {});
      if (!got) return send_error(res, got.error());
      const auto& art = *got->artifact;
      send_json(res, 200, {{"key", art.key}, {"arch", art.arch}, {"plan", art.plan.to_json()}});
    });
    svr.Get(R"(/v1/kernels/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      auto got = get(req.matches[1].str(), req.get_param_value("arch"), {});
      if (!got) return send_error(res, got.error());
      const auto& art = *got->artifact;
      res.status = 200;
      res.set_header("X-Kjit-Key", art.key);
      res.set_header("X-Kjit-Plan", plan_text(art));
      res.set_content(reinterpret_cast<const char*>(art.cubin.data()), art.cubin.size(), "application/octet-stream");
    });
    svr.Get("/v1/cache/stats", [this](const httplib::Request&, httplib::Response& res) {
      auto& c = m_jit.cache();
      auto st = c.stats();
      if (!st) return send_error(res, st.error());
      send_json(res, 200, cache_stats_json(c, *st));
    });
    svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      auto st = m_jit.cache().stats();
      res.set_content(m_metrics.prometheus(st ? &*st : nullptr), "text/plain; version=0.0.4");
    });
  }

 private:
  Result<jit::GetResult> get(const std::string& name, std::string arch, const jit::GetOptions& options) {
    if (arch.empty()) arch = jit::default_arch(m_jit.config());
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

  // The compact plan JSON of an artifact, computed once per artifact.
  std::string plan_text(const jit::Artifact& art) {
    {
      std::lock_guard lock(m_plan_mutex);
      auto it = m_plans.find(&art);
      if (it != m_plans.end() && it->second.first == art.key) return it->second.second;
    }
    std::string text = art.plan.to_json().dump();
    std::lock_guard lock(m_plan_mutex);
    if (m_plans.size() > 4096) m_plans.clear();
    m_plans[&art] = {art.key, text};
    return text;
  }

  void compile(const std::string& name, const std::string& body, httplib::Response& res) {
    json req = body.empty() ? json::object() : json::parse(body, nullptr, false);
    if (req.is_discarded() || !req.is_object()) return send_error(res, 400, "request body is not a JSON object");
    std::string arch;
    jit::GetOptions opts;
    if (req.contains("arch")) {
      if (!req["arch"].is_string()) return send_error(res, 400, "\"arch\" must be a string like \"sm_90a\"");
      arch = req["arch"];
    }
    if (req.contains("options")) {
      if (!req["options"].is_array()) return send_error(res, 400, "\"options\" must be an array of strings");
      for (const auto& o : req["options"]) {
        if (!o.is_string()) return send_error(res, 400, "\"options\" must be an array of strings");
        opts.options.push_back(o);
      }
    }
    if (req.contains("force")) {
      if (!req["force"].is_boolean()) return send_error(res, 400, "\"force\" must be true or false");
      opts.force = req["force"];
    }
    auto got = get(name, arch, opts);
    if (!got) return send_error(res, got.error());
    const auto& art = *got->artifact;
    ResourceSummary s = summarize(art);
    send_json(res, 200,
              {{"name", name}, {"key", art.key}, {"arch", art.arch}, {"status", status_name(got->status)},
               {"compile_ms", art.compile_ms}, {"registers", s.registers}, {"spill_bytes", s.spill_bytes},
               {"log", art.log}});
  }

  jit::Jit& m_jit;
  std::string m_token;
  Metrics m_metrics;
  std::mutex m_plan_mutex;
  std::map<const jit::Artifact*, std::pair<std::string, std::string>> m_plans;  // guarded by m_plan_mutex
};

int run(const Globals& globals, const Args& a) {
  std::string host;
  int port = 0;
  if (!parse_listen(a.listen, &host, &port))
    return report(Error{ErrorCode::invalid_argument, "--listen '" + a.listen + "': expected HOST:PORT, e.g. 127.0.0.1:7420", ""});
  std::string token;
  if (!is_loopback(host)) {
    const char* t = std::getenv("KJIT_TOKEN");
    token = t ? t : "";
    if (!a.allow_remote || token.empty())
      return report(Error{ErrorCode::invalid_argument,
                          "refusing to serve on non-loopback address " + host +
                              ": pass --allow-remote and set KJIT_TOKEN (clients then send 'Authorization: Bearer "
                              "<token>'), or listen on 127.0.0.1",
                          ""});
  }
  if (a.threads < 1) return report(Error{ErrorCode::invalid_argument, "--threads must be at least 1", ""});
  int rc = 0;
  auto jit = open_jit(globals, &rc);
  if (!jit) return rc;

  // Signals go to one waiting thread (blocked everywhere else).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  httplib::Server svr;
  Server server(*jit, token);
  server.install(svr, a.threads);
  if (port == 0) {
    port = svr.bind_to_any_port(host);
    if (port <= 0) return report(Error{ErrorCode::io_error, "cannot bind " + host + ":0", ""});
  } else if (!svr.bind_to_port(host, port)) {
    return report(Error{ErrorCode::io_error, "cannot listen on " + a.listen + ": address in use or not local", ""});
  }
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
  sub.add_option("--threads", a->threads, "worker threads (each keep-alive connection holds one; default 32)");
  return [&globals, a]() { return run(globals, *a); };
}

const CommandRegistrar registrar{{"serve", "serve kernels over HTTP/JSON (loopback by default)", setup, 60}};

}  // namespace
}  // namespace kjit::tools
