// Rendering a definition through its template, and NVRTC log mapping; see
// codegen.h.
#include "jit/codegen/codegen.h"

#include <algorithm>
#include <sstream>

#include "jit/codegen/context.h"
#include "jit/util/json_limits.h"

namespace kjit::jit {

Result<RenderedKernel> render_kernel(const Definition& def, const std::string& arch, const TemplateRegistry& registry,
                                     const Environment& env) {
  // Ordered: templates iterate the context's dicts in definition order.
  nlohmann::ordered_json context = KJIT_TRY(build_ordered_context(def, arch));
  const TemplateManifest* manifest = KJIT_TRY(registry.match(def, nlohmann::json(context), env));
  Rendered source = KJIT_TRY(env.render_file(manifest->source, context));
  Rendered plan_text = KJIT_TRY(env.render_file(manifest->plan, context));
  // The rendered plan is template output (hostile input): bounded JSON.
  auto plan_json = parse_json(plan_text.text, manifest->plan.string() + " (rendered)");
  if (!plan_json)
    return fail(ErrorCode::render_error, "the rendered launch plan is not valid JSON: " + plan_json.error().message,
                plan_text.text);
  auto plan = LaunchPlan::from_json(*plan_json);
  if (!plan) return fail(ErrorCode::render_error, manifest->plan.string() + ": " + plan.error().message);

  RenderedKernel out;
  out.manifest = manifest;
  out.source_name = def.name + ".cu";
  out.source = std::move(source.text);
  out.line_map = std::move(source.line_map);
  out.dependencies = std::move(source.dependencies);
  for (auto& d : plan_text.dependencies) {
    bool seen = std::any_of(out.dependencies.begin(), out.dependencies.end(),
                            [&](const TemplateDependency& x) { return x.file == d.file; });
    if (!seen) out.dependencies.push_back(std::move(d));
  }
  out.plan = std::move(*plan);
  for (const auto& l : out.plan.launches)
    if (std::find(out.entries.begin(), out.entries.end(), l.entry) == out.entries.end()) out.entries.push_back(l.entry);
  return out;
}

namespace {

// Parses "<name>(N): rest"; returns N or 0.
int diagnostic_line(const std::string& line, const std::string& name, std::string* rest) {
  if (line.compare(0, name.size(), name) != 0 || line.size() <= name.size() || line[name.size()] != '(') return 0;
  std::size_t close = line.find(')', name.size());
  if (close == std::string::npos || close + 1 >= line.size() || line[close + 1] != ':') return 0;
  int n = 0;
  for (std::size_t i = name.size() + 1; i < close; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    n = n * 10 + (line[i] - '0');
  }
  *rest = line.substr(close + 2);
  return n;
}

std::string mapped(int n, const std::string& rest, const RenderedKernel& k) {
  std::ostringstream os;
  if (n >= 1 && static_cast<std::size_t>(n) <= k.line_map.size() && k.line_map[n - 1].line > 0)
    os << k.line_map[n - 1].file << ":" << k.line_map[n - 1].line << ":" << rest << " (rendered " << k.source_name
       << ":" << n << ")";
  else
    os << k.source_name << ":" << n << ":" << rest;
  return os.str();
}

// Calls `fn(line, n, rest)` for each line of `log`, with n > 0 (and the
// text after "(n): ") when it is a diagnostic at line n of the rendered
// source; stops early when `fn` returns false.
template <class F>
void for_each_log_line(const std::string& log, const RenderedKernel& kernel, F&& fn) {
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::string rest;
    const int n = diagnostic_line(line, kernel.source_name, &rest);
    if (!fn(line, n, rest)) return;
  }
}

}  // namespace

std::string map_compile_log(const std::string& log, const RenderedKernel& kernel) {
  std::ostringstream out;
  for_each_log_line(log, kernel, [&](const std::string& line, int n, const std::string& rest) {
    out << (n > 0 ? mapped(n, rest, kernel) : line) << "\n";
    return true;
  });
  return out.str();
}

std::string first_mapped_error(const std::string& log, const RenderedKernel& kernel) {
  std::string first_error, first_any;
  for_each_log_line(log, kernel, [&](const std::string&, int n, const std::string& rest) {
    if (n <= 0) return true;
    if (rest.find("error") != std::string::npos) {
      first_error = mapped(n, rest, kernel);
      return false;
    }
    if (first_any.empty()) first_any = mapped(n, rest, kernel);
    return true;
  });
  return first_error.empty() ? first_any : first_error;
}

}  // namespace kjit::jit
