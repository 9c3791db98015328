// CLI plumbing: global options, the subcommand registry, and helpers every
// subcommand uses (error printing, exit codes, loading the definition set).
//
// Each tools/cmd_*.cpp registers itself with a static `CommandRegistrar`;
// main.cpp builds the CLI11 app from the registry. A command's setup adds its
// options to its CLI11 subcommand and returns the function that runs it.
//
// Thread safety: registration happens during static initialization, before
// main; everything else runs on the main thread.
#pragma once

#include <functional>
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
