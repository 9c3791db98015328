// HttpApi: the routes of `kjit serve` as a plain function from a request to a
// response, independent of the HTTP library, so the handlers can be tested
// and fuzzed directly (tests/fuzz/serve_fuzz.cpp) with a fake backend.
//
//   GET  /v1/health                          {"status": "ok", "compiler", "definitions"}
//   GET  /v1/definitions[?op_type=T]         [{"name", "op_type", "template"}...]
//   GET  /v1/definitions/{name}              the definition JSON
//   POST /v1/kernels/{name}/compile          body {"arch", "options": [...], "force"}
//        → {"name", "key", "arch", "status", "compile_ms", "registers", "spill_bytes", "log"}
//   GET  /v1/kernels/{name}?arch=A           the cubin (application/octet-stream),
//        headers X-Kjit-Key and X-Kjit-Plan (compact plan JSON)
//   GET  /v1/kernels/{name}/plan?arch=A      {"key", "arch", "plan"}
//   GET  /v1/cache/stats                     the fields of `kjit cache stats --json`
//   GET  /metrics                            Prometheus text (metrics.h)
//
// Errors are JSON {"error": ...}: 400 bad arch / option / body / name, 401
// missing token, 404 unknown definition, route or no template, 405 wrong
// method, 422 template or compile error (with "log"), 500 otherwise.
// Request bodies are bounded JSON (16 levels; the size cap is the server's).
// Compile options pass the request allow-list (jit/compiler/options.h):
// a refused option is a 400 naming it and listing the allowed ones.
//
// Thread safety: handle() may be called from many threads at once; the
// backend must be thread safe (the Jit is); the plan-text memo has a mutex.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/api/jit.h"

namespace kjit::tools {

struct HttpRequest {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // decoded, without the query
  std::multimap<std::string, std::string> query;  // decoded parameters
  std::string authorization;                  // the Authorization header ("" if none)
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string route;  // the route pattern for metrics ("GET /v1/kernels/{name}", "other")
};

// What the routes need from kjit; the real one wraps a Jit (cmd_serve.cpp).
class KernelBackend {
 public:
  virtual ~KernelBackend() = default;
  virtual std::string compiler_version() const = 0;
  virtual std::vector<const jit::Definition*> definitions() const = 0;
  virtual const jit::Definition* find(std::string_view name) const = 0;
  virtual std::string served_by(const jit::Definition& def) const = 0;
  virtual std::string default_arch() const = 0;
  virtual Result<jit::GetResult> get(const std::string& name, const std::string& arch,
                                     const jit::GetOptions& options) = 0;
  // `kjit cache stats --json`.
  virtual Result<nlohmann::ordered_json> cache_stats() = 0;
  // The Prometheus text of /metrics.
  virtual std::string metrics_text() = 0;
};

class HttpApi {
 public:
  // `token`: when non-empty, every request needs `Authorization: Bearer <token>`.
  HttpApi(KernelBackend& backend, std::string token) : m_backend(backend), m_token(std::move(token)) {}

  HttpResponse handle(const HttpRequest& request);

  // The route label of `method` `path` for metrics (bounded cardinality).
  static std::string route_of(std::string_view method, std::string_view path);

 private:
  HttpResponse compile(const std::string& name, const std::string& body);
  HttpResponse kernel(const std::string& name, const std::string& arch, bool plan_only);
  std::string plan_text(const jit::Artifact& art);

  KernelBackend& m_backend;
  std::string m_token;
  std::mutex m_plan_mutex;
  std::map<const jit::Artifact*, std::pair<std::string, std::string>> m_plans;  // guarded by m_plan_mutex
};

// The HTTP status of an error code (404 not found / no template, 400 bad
// argument, 422 template or compile error, 500 otherwise).
int http_status_for(ErrorCode code);

// {"error": message[, "log": log]}.
std::string error_body(std::string_view message, std::string_view log = {});

}  // namespace kjit::tools
