// The routes of `kjit serve`; see http_api.h.
//
// Thread safety: handle() is reentrant; m_plans is guarded by m_plan_mutex.
#include "tools/cli/http_api.h"

#include <algorithm>

#include "jit/compiler/options.h"
#include "jit/definition/names.h"
#include "jit/util/json_limits.h"

namespace kjit::tools {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Request bodies are three flat fields; 16 levels is generous.
constexpr JsonLimits k_body_limits{.max_bytes = 64 * 1024, .max_depth = 16};

HttpResponse json_response(int status, const ordered_json& body) {
  HttpResponse res;
  res.status = status;
  res.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return res;
}

HttpResponse error_response(int status, std::string_view message, std::string_view log = {}) {
  HttpResponse res;
  res.status = status;
  res.body = error_body(message, log);
  return res;
}

HttpResponse error_response(const Error& e) { return error_response(http_status_for(e.code), e.message, e.details); }

HttpResponse wrong_method(std::string_view method, std::string_view path, std::string_view allowed) {
  HttpResponse res = error_response(405, std::string(method) + " is not allowed on " + jit::printable_name(path) +
                                             "; use " + std::string(allowed));
  res.headers.emplace_back("Allow", std::string(allowed));
  return res;
}

// Constant-time comparison (the token must not leak through timing).
bool same_secret(std::string_view got, std::string_view want) {
  unsigned diff = got.size() != want.size();
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i)
    diff |= static_cast<unsigned>(got[i] ^ want[i]);
  return diff == 0;
}

std::string first_param(const HttpRequest& req, const std::string& key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

// The parts of a /v1/kernels/... or /v1/definitions/... path.
struct NamedPath {
  std::string name;
  std::string tail;  // "" | "compile" | "plan" | anything else (no route)
};

NamedPath split_named(std::string_view rest) {
  NamedPath out;
  auto slash = rest.find('/');
  out.name = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) out.tail = std::string(rest.substr(slash + 1));
  if (slash != std::string_view::npos && out.tail.empty()) out.tail = "/";  // trailing slash: no route
  return out;
}

}  // namespace

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

std::string error_body(std::string_view message, std::string_view log) {
  ordered_json j{{"error", message}};
  if (!log.empty()) j["log"] = log;
  // replace: a message quoting client bytes that are not UTF-8 must not throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string HttpApi::route_of(std::string_view method, std::string_view path) {
  std::string p;
  if (path == "/v1/health" || path == "/v1/definitions" || path == "/v1/cache/stats" || path == "/metrics") {
    p = path;
  } else if (path.starts_with("/v1/definitions/")) {
    p = "/v1/definitions/{name}";
  } else if (path.starts_with("/v1/kernels/")) {
    auto tail = split_named(path.substr(12)).tail;
    p = tail == "compile" ? "/v1/kernels/{name}/compile"
        : tail == "plan"  ? "/v1/kernels/{name}/plan"
        : tail.empty()    ? "/v1/kernels/{name}"
                          : "other";
  } else {
    p = "other";
  }
  // The method is client text: keep the label set bounded.
  static constexpr std::string_view k_methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"};
  std::string m = std::ranges::find(k_methods, method) != std::end(k_methods) ? std::string(method) : "OTHER";
  return m + " " + p;
}

HttpResponse HttpApi::handle(const HttpRequest& req) {
  HttpResponse res = [&]() -> HttpResponse {
    if (!m_token.empty() && !same_secret(req.authorization, "Bearer " + m_token))
      return error_response(401, "missing or wrong bearer token: send 'Authorization: Bearer $KJIT_TOKEN'");
    const std::string& path = req.path;
    const bool get = req.method == "GET";
    if (path == "/v1/health") {
      if (!get) return wrong_method(req.method, path, "GET");
      return json_response(200, {{"status", "ok"},
                                 {"compiler", m_backend.compiler_version()},
                                 {"definitions", m_backend.definitions().size()}});
    }
    if (path == "/v1/definitions") {
      if (!get) return wrong_method(req.method, path, "GET");
      std::string op = first_param(req, "op_type");
      ordered_json arr = ordered_json::array();
      for (const jit::Definition* d : m_backend.definitions()) {
        if (!op.empty() && d->op_type != op) continue;
        arr.push_back({{"name", d->name}, {"op_type", d->op_type}, {"template", m_backend.served_by(*d)}});
      }
      return json_response(200, arr);
    }
    if (path == "/v1/cache/stats") {
      if (!get) return wrong_method(req.method, path, "GET");
      auto st = m_backend.cache_stats();
      if (!st) return error_response(st.error());
      return json_response(200, *st);
    }
    if (path == "/metrics") {
      if (!get) return wrong_method(req.method, path, "GET");
      HttpResponse res;
      res.content_type = "text/plain; version=0.0.4";
      res.body = m_backend.metrics_text();
      return res;
    }
    const bool definitions = path.starts_with("/v1/definitions/");
    const bool kernels = path.starts_with("/v1/kernels/");
    if (definitions || kernels) {
      NamedPath np = split_named(std::string_view(path).substr(definitions ? 16 : 12));
      const bool known_tail = np.tail.empty() || (kernels && (np.tail == "compile" || np.tail == "plan"));
      if (known_tail) {
        // Names are checked before anything uses them (names.h): a bad one is
        // a 400 that never echoes control characters.
        if (auto ok = jit::check_definition_name(np.name); !ok) return error_response(ok.error());
        if (definitions) {
          if (!get) return wrong_method(req.method, path, "GET");
          const jit::Definition* d = m_backend.find(np.name);
          if (!d) return error_response(404, "unknown definition '" + np.name + "'; see GET /v1/definitions");
          return json_response(200, d->raw);
        }
        if (np.tail == "compile") {
          if (req.method != "POST") return wrong_method(req.method, path, "POST");
          return compile(np.name, req.body);
        }
        if (!get) return wrong_method(req.method, path, "GET");
        return kernel(np.name, first_param(req, "arch"), np.tail == "plan");
      }
    }
    return error_response(404, "no route " + jit::printable_name(req.method) + " " + jit::printable_name(path) +
                                   ": see GET /v1/health");
  }();
  res.route = route_of(req.method, req.path);
  return res;
}

HttpResponse HttpApi::kernel(const std::string& name, const std::string& arch, bool plan_only) {
  auto got = m_backend.get(name, arch.empty() ? m_backend.default_arch() : arch, {});
  if (!got) return error_response(got.error());
  const auto& art = *got->artifact;
  if (plan_only) return json_response(200, {{"key", art.key}, {"arch", art.arch}, {"plan", art.plan.to_json()}});
  HttpResponse res;
  res.content_type = "application/octet-stream";
  res.body.assign(reinterpret_cast<const char*>(art.cubin.data()), art.cubin.size());
  res.headers.emplace_back("X-Kjit-Key", art.key);
  res.headers.emplace_back("X-Kjit-Plan", plan_text(art));
  return res;
}

HttpResponse HttpApi::compile(const std::string& name, const std::string& body) {
  ordered_json req = ordered_json::object();
  if (!body.empty()) {
    auto parsed = parse_ordered_json(body, "request body", k_body_limits);
    if (!parsed) return error_response(400, parsed.error().message);
    req = std::move(*parsed);
  }
  if (!req.is_object()) return error_response(400, "request body is not a JSON object; send {\"arch\": \"sm_90a\"}");
  std::string arch;
  jit::GetOptions opts;
  for (const auto& [key, value] : req.items()) {
    if (key == "arch") {
      if (!value.is_string()) return error_response(400, "\"arch\" must be a string like \"sm_90a\"");
      arch = value.get<std::string>();
    } else if (key == "options") {
      if (!value.is_array()) return error_response(400, "\"options\" must be an array of strings");
      for (const auto& o : value) {
        if (!o.is_string()) return error_response(400, "\"options\" must be an array of strings");
        opts.options.push_back(o.get<std::string>());
      }
    } else if (key == "force") {
      if (!value.is_boolean()) return error_response(400, "\"force\" must be true or false");
      opts.force = value.get<bool>();
    } else {
      return error_response(400, "unknown field '" + jit::printable_name(key) +
                                     "' in the request body; the fields are arch, options and force");
    }
  }
  // Options from a request pass the allow-list (file disclosure through
  // --pre-include and friends; see options.h).
  if (auto ok = jit::check_request_options(opts.options); !ok) return error_response(ok.error());
  auto got = m_backend.get(name, arch.empty() ? m_backend.default_arch() : arch, opts);
  if (!got) return error_response(got.error());
  const auto& art = *got->artifact;
  int registers = 0, spill_bytes = 0;
  for (const auto& r : art.resources) {
    registers = std::max(registers, r.registers);
    spill_bytes += r.spill_bytes;
  }
  const char* status = got->status == jit::GetStatus::compiled     ? "compiled"
                       : got->status == jit::GetStatus::remote_hit ? "remote_hit"
                                                                   : "hit";
  return json_response(200, {{"name", name},
                             {"key", art.key},
                             {"arch", art.arch},
                             {"status", status},
                             {"compile_ms", art.compile_ms},
                             {"registers", registers},
                             {"spill_bytes", spill_bytes},
                             {"log", art.log}});
}

std::string HttpApi::plan_text(const jit::Artifact& art) {
  {
    std::lock_guard lock(m_plan_mutex);
    auto it = m_plans.find(&art);
    if (it != m_plans.end() && it->second.first == art.key) return it->second.second;
  }
  std::string text = art.plan.to_json().dump(-1, ' ', false, json::error_handler_t::replace);
  std::lock_guard lock(m_plan_mutex);
  if (m_plans.size() > 4096) m_plans.clear();
  m_plans[&art] = {art.key, text};
  return text;
}

}  // namespace kjit::tools
