// kjit CLI entry point: global options, then the registered subcommands.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "tools/cli/command.h"

namespace kjit::tools {

void set_current_globals(const Globals* globals);

std::vector<Command>& command_registry() {
  static std::vector<Command> registry;
  return registry;
}

Config Globals::config() const {
  Config c = Config::from_env();
  for (const auto& d : definitions) c.definition_dirs.emplace_back(d);
  if (!templates.empty()) c.templates_dir = templates;
  if (!cache_dir.empty()) c.cache_dir = cache_dir;
  if (no_builtin) c.builtin_definitions_dir.clear();
  if (verbosity == 1) c.log = "info";
  if (verbosity >= 2) c.log = "debug";
  return c;
}

static const Globals* g_globals = nullptr;

const Globals& current_globals() {
  static const Globals empty;
  return g_globals ? *g_globals : empty;
}

void set_current_globals(const Globals* globals) { g_globals = globals; }

int report(const Error& error) {
  std::fprintf(stderr, "kjit: %s\n", error.message.c_str());
  if (!error.details.empty()) std::fprintf(stderr, "%s\n", error.details.c_str());
  return exit_code_for(error.code);
}

}  // namespace kjit::tools

int main(int argc, char** argv) {
  using namespace kjit::tools;
  CLI::App app{"kjit: JIT compilation service for CUDA kernels (NVRTC, SQLite cache, reference checks)"};
  app.require_subcommand(1);
  app.fallthrough();
  Globals globals;
  set_current_globals(&globals);
  app.add_option("--definitions", globals.definitions,
                 "extra definition folder, searched after kjit's own (repeatable; env KJIT_DEFINITIONS)");
  app.add_option("--templates", globals.templates, "template root folder (env KJIT_TEMPLATES)");
  app.add_option("--cache-dir", globals.cache_dir, "cache folder (env KJIT_CACHE_DIR; default ~/.cache/kjit)");
  app.add_flag("--no-builtin-definitions", globals.no_builtin,
               "search only the --definitions / KJIT_DEFINITIONS folders, not kjit's own definitions/ (e.g. to check "
               "a dataset's definitions whose names kjit's own shadow)");
  app.add_flag("-v,--verbose", globals.verbosity, "more logging (-vv for debug)");

  auto& registry = command_registry();
  std::stable_sort(registry.begin(), registry.end(),
                   [](const Command& a, const Command& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, RunFn>> runs;
  for (auto& cmd : registry) {
    CLI::App* sub = app.add_subcommand(cmd.name, cmd.help);
    runs.emplace_back(sub, cmd.setup(*sub, globals));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  for (auto& [sub, run] : runs) {
    if (sub->parsed()) {
      try {
        return run();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "kjit: internal error: %s\n", e.what());
        return 1;
      }
    }
  }
  return 2;
}
