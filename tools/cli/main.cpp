// kjit CLI entry point: global options, then the registered subcommands.
//
// Start-up is on every cached `kjit get` (issue #16): the CLI11 app is built
// with only the subcommand named on the command line (all of them for
// --help, or when none or an unknown one is named, so CLI11's messages stay
// the same), and `--version` answers before any app is built. Malformed
// KJIT_* variables stop the start with exit 2 (Config::check_env).
//
// Built twice (CMakeLists.txt): `kjit-full` with every command, and `kjit`
// without the commands that need cpp-httplib or OpenSSL (KJIT_FULL_COMMANDS:
// serve, export, cache), whose libraries would otherwise be loaded by every
// process. `kjit` execs `kjit-full` from its own folder for those, for
// --help and for anything it does not know, so users see one program.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "cache/remote/remote_spec.h"
#include "jit/api/build_identity.h"
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
  if (read_only) c.cache_read_only = true;
  if (remote_cache_given) c.remote_cache = remote_cache;  // --remote-cache "" overrides KJIT_REMOTE_CACHE
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

namespace {

// The subcommand named on the command line (the first word that is not a
// global option or its value), or "" when there is none.
std::string_view named_subcommand(int argc, char** argv) {
  static constexpr const char* k_valued[] = {"--definitions", "--templates", "--cache-dir", "--remote-cache"};
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") return {};
    if (std::any_of(std::begin(k_valued), std::end(k_valued), [&](const char* o) { return a == o; })) {
      ++i;  // its value
      continue;
    }
    if (a.starts_with("-")) continue;
    return a;
  }
  return {};
}

#ifdef KJIT_FULL_COMMANDS
// Replaces this process with kjit-full from the folder of this executable.
[[noreturn]] void exec_full(char** argv, std::string_view command) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto full = (ec ? std::filesystem::path(argv[0]) : self).parent_path() / "kjit-full";
  ::execv(full.c_str(), argv);
  std::fprintf(stderr,
               "kjit: cannot run %s%s%.*s: %s; kjit-full must sit beside kjit (it has the commands " KJIT_FULL_COMMANDS
               " and the full --help)\n",
               full.c_str(), command.empty() ? "" : " for ", static_cast<int>(command.size()), command.data(),
               std::strerror(errno));
  std::exit(1);
}
#endif

}  // namespace

int main(int argc, char** argv) {
  using namespace kjit::tools;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("kjit (build %s)\n", kjit::jit::kjit_build_short().c_str());
      return 0;
    }
    if (argv[i][0] != '-') break;  // a subcommand's own --version is its business
  }
  if (auto problems = kjit::Config::check_env(); !problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "kjit: %s\n", p.c_str());
    return 2;
  }
  auto& registry = command_registry();
  const std::string_view named = named_subcommand(argc, argv);
  const bool known = std::any_of(registry.begin(), registry.end(), [&](const Command& c) { return c.name == named; });
#ifdef KJIT_FULL_COMMANDS
  if (!known) exec_full(argv, named);
#endif
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
  app.add_flag("--read-only", globals.read_only,
               "serve from the cache without writing to it; misses compile into memory (env KJIT_CACHE_READONLY)");
  CLI::Option* remote_option =
      app.add_option("--remote-cache", globals.remote_cache,
                     "fleet-wide cache on Redis behind the local one: URLs with |attributes (env KJIT_REMOTE_CACHE; "
                     "see `kjit config`); \"\" turns it off for this command");
  app.add_flag("-v,--verbose", globals.verbosity, "more logging (-vv for debug)");
  app.set_version_flag("--version", "kjit (build " + kjit::jit::kjit_build_short() + ")");

  std::stable_sort(registry.begin(), registry.end(),
                   [](const Command& a, const Command& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, RunFn>> runs;
  for (auto& cmd : registry) {
    if (known && cmd.name != named) continue;
    CLI::App* sub = app.add_subcommand(cmd.name, cmd.help);
    runs.emplace_back(sub, cmd.setup(*sub, globals));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  globals.remote_cache_given = remote_option->count() > 0;
  // A bad --remote-cache is a usage error even for commands that would not
  // reach the remote (a direct-mode hit); KJIT_REMOTE_CACHE: check_env above.
  if (!globals.remote_cache.empty()) {
    if (auto r = kjit::cache::remote::parse_remote_spec(globals.remote_cache); !r) {
      std::fprintf(stderr, "kjit: --remote-cache: %s\n", r.error().message.c_str());
      return 2;
    }
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
