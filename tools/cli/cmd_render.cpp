// `kjit render`: renders a template.
//   kjit render --template FILE --context JSONFILE [--search-path DIR]...
//     raw Jinja rendering; the bytes go to stdout exactly (no added newline).
//   kjit render NAME [--arch A] [-o FILE]
//     renders the template serving definition NAME through the Jit facade.
// Exit codes: 0 ok, 2 usage or malformed context, 3 missing file, 4 template
// error (syntax or evaluation), 1 otherwise.
//
// Includes of a --template FILE may read only FILE's own folder and the
// --search-path folders (jit/template/environment.h): `{% include
// "/etc/passwd" %}` or "../../x" is a template error naming the include.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "jit/template/environment.h"
#include "jit/util/json_limits.h"
#include "tools/cli/command.h"
#include "tools/cli/jit_session.h"

namespace kjit::tools {
namespace {

struct RenderOptions {
  std::string name;
  std::string template_file;
  std::string context_file;
  std::vector<std::string> search_path;
  std::string arch;
  std::string out_file;
};


void add_options(CLI::App& sub, RenderOptions& o) {
  sub.add_option("name", o.name, "definition name (renders its template through codegen)");
  sub.add_option("--template", o.template_file, "Jinja template file to render");
  sub.add_option("--context", o.context_file, "JSON file with the template context (an object)");
  sub.add_option("--search-path", o.search_path, "folder searched for includes (repeatable)");
  sub.add_option("--arch", o.arch, "target arch when rendering by NAME (e.g. sm_90a)");
  sub.add_option("-o,--output", o.out_file, "write to FILE instead of stdout");
}

int run_render(const Globals& globals, const RenderOptions& o) {
  if (!o.name.empty()) {
    // ---- by definition name, through the facade.
    int rc = 0;
    auto jit = open_jit(globals, &rc);
    if (!jit) return rc;
    auto kernel = jit->render(o.name, resolve_arch(globals, o.arch));
    if (!kernel) return report(kernel.error());
    if (o.out_file.empty()) {
      std::fwrite(kernel->source.data(), 1, kernel->source.size(), stdout);
      return 0;
    }
    std::ofstream out(o.out_file, std::ios::binary | std::ios::trunc);
    if (!out) return report({ErrorCode::io_error, "cannot write " + o.out_file, {}});
    out.write(kernel->source.data(), static_cast<std::streamsize>(kernel->source.size()));
    std::fprintf(stderr, "kjit: wrote %s (%zu bytes, template %s)\n", o.out_file.c_str(), kernel->source.size(),
                 kernel->manifest->id.c_str());
    return out ? 0 : report({ErrorCode::io_error, "short write to " + o.out_file, {}});
  }
  // ---- raw template rendering.
  if (o.template_file.empty() || o.context_file.empty()) {
    std::fprintf(stderr, "kjit: render needs NAME, or --template FILE and --context JSONFILE\n");
    return 2;
  }
  // Keeps the file's key order (dicts iterate like Jinja2's), bounds nesting.
  auto context = jit::load_context_file(o.context_file);
  if (!context) return report(context.error());
  std::vector<std::filesystem::path> search;
  for (const auto& d : o.search_path) search.emplace_back(d);
  jit::Environment env(std::move(search));
  auto rendered = env.render_file(o.template_file, *context);
  if (!rendered) return report(rendered.error());
  const std::string& text = rendered->text;
  if (!o.out_file.empty()) {
    std::ofstream out(o.out_file, std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) return report(Error{ErrorCode::io_error, "cannot write " + o.out_file, {}});
    return 0;
  }
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) return 1;
  std::fflush(stdout);
  return 0;
}

const CommandRegistrar registrar{{"render", "render a template (raw Jinja, or a definition's template by name)",
                                  args_command(add_options, run_render), 30}};

}  // namespace
}  // namespace kjit::tools
