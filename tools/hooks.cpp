// Installs the CLI's implementations of library hooks: which template serves
// a definition (for `kjit list/show`) and rendering by definition name (for
// `kjit render NAME`). They live here because they need the codegen layer,
// which the definition and template libraries do not link.
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>

#include "jit/codegen/template_registry.h"
#include "jit/definition/served_by.h"
#include "jit/template/render_hook.h"
#include "tools/jit_session.h"

namespace kjit::tools {
namespace {

std::string served_by_hook(const jit::Definition& def) {
  static std::once_flag once;
  static std::unique_ptr<jit::TemplateRegistry> registry;
  std::call_once(once, [] {
    auto r = jit::TemplateRegistry::load(current_globals().config().templates_dir);
    if (r) registry = std::make_unique<jit::TemplateRegistry>(std::move(*r));
  });
  if (!registry) return {};
  const jit::TemplateManifest* m = registry->match_structure(def);
  return m ? m->id : std::string();
}

int render_by_name_hook(const std::string& name, const std::string& arch_flag, const std::string& out_file,
                        const Config&) {
  int rc = 0;
  auto jit = open_jit(current_globals(), &rc);
  if (!jit) return rc;
  auto kernel = jit->render(name, resolve_arch(current_globals(), arch_flag));
  if (!kernel) return report(kernel.error());
  if (out_file.empty()) {
    std::fwrite(kernel->source.data(), 1, kernel->source.size(), stdout);
    return 0;
  }
  std::ofstream out(out_file, std::ios::binary | std::ios::trunc);
  if (!out) return report({ErrorCode::io_error, "cannot write " + out_file, {}});
  out.write(kernel->source.data(), static_cast<std::streamsize>(kernel->source.size()));
  std::fprintf(stderr, "kjit: wrote %s (%zu bytes, template %s)\n", out_file.c_str(), kernel->source.size(),
               kernel->manifest->id.c_str());
  return out ? 0 : report({ErrorCode::io_error, "short write to " + out_file, {}});
}

struct Installer {
  Installer() {
    jit::set_served_by(&served_by_hook);
    jit::set_render_by_name(&render_by_name_hook);
  }
} const installer;

}  // namespace
}  // namespace kjit::tools
