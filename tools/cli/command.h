// CLI plumbing: global options, the subcommand registry, and helpers every
// subcommand uses (error printing, exit codes, loading the definition set).
//
// Each tools/cmd_*.cpp registers itself with a static `CommandRegistrar`;
// main.cpp builds the CLI11 app from the registry. A command's setup adds its
// options to its CLI11 subcommand and returns the function that runs it
// (args_command builds that setup from an options function and a run function).
//
// Thread safety: registration happens during static initialization, before
// main; everything else runs on the main thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "jit/api/config.h"
#include "jit/util/error.h"

namespace kjit::tools {

// Options accepted before the subcommand.
struct Globals {
  std::vector<std::string> definitions;  // --definitions DIR (repeatable)
  std::string templates;                 // --templates DIR
  std::string cache_dir;                 // --cache-dir DIR
  int verbosity = 0;                     // -v, -vv
  bool no_builtin = false;               // --no-builtin-definitions
  bool read_only = false;                // --read-only (KJIT_CACHE_READONLY)
  std::string remote_cache;              // --remote-cache URLS (KJIT_REMOTE_CACHE)
  bool remote_cache_given = false;       // --remote-cache was on the command line ("" turns the tier off)

  // The effective config: defaults < environment < these flags.
  Config config() const;
};

using RunFn = std::function<int()>;
// Adds options to `sub`; returns the function that runs the command. The
// Globals reference stays valid and is filled in before the RunFn is called.
using SetupFn = std::function<RunFn(CLI::App& sub, const Globals& globals)>;

// The SetupFn of a command whose options fill one `Args` (made per setup, kept alive by the
// RunFn): `add(sub, args)` registers the options, `run(globals, args)` does the work and returns
// the exit code.
template <class Args>
SetupFn args_command(void (*add)(CLI::App& sub, Args& args), int (*run)(const Globals& globals, const Args& args)) {
  return [add, run](CLI::App& sub, const Globals& globals) -> RunFn {
    auto args = std::make_shared<Args>();
    add(sub, *args);
    return [&globals, args, run]() { return run(globals, *args); };
  };
}

struct Command {
  std::string name;
  std::string help;
  SetupFn setup;
  int order = 100;  // position in --help
};

std::vector<Command>& command_registry();

struct CommandRegistrar {
  explicit CommandRegistrar(Command command) { command_registry().push_back(std::move(command)); }
};

// The parsed global options of this process (valid once main has parsed the
// command line; used by hooks that library code calls back into).
const Globals& current_globals();

// Prints `kjit: <message>` (and details) to stderr; returns the exit code for
// the error's code.
int report(const Error& error);

}  // namespace kjit::tools
