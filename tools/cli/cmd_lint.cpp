// `kjit lint [DIR...] [--json]`: validate definition files and print the
// dedup report (duplicates, conflicts, identical-but-name, shared across
// models). With no DIR, lints the whole search path. Exit 0 when every file
// is valid, 1 otherwise, 3 when a DIR does not exist.
//
// Thread safety: runs on the main thread.
#include <cstdio>
#include <memory>

#include "jit/definition/lint.h"
#include "tools/cli/command.h"

namespace kjit::tools {
namespace {

struct LintOptions {
  std::vector<std::string> paths;
  bool json = false;
};

void add_options(CLI::App& sub, LintOptions& o) {
  sub.add_option("DIR", o.paths, "folders (searched recursively) or files; default: the search path");
  sub.add_flag("--json", o.json, "print the report as one JSON object");
}

int run_lint(const Globals& globals, const LintOptions& options) {
  std::vector<std::filesystem::path> paths(options.paths.begin(), options.paths.end());
  if (paths.empty()) {
    Config config = globals.config();
    std::error_code ec;
    if (std::filesystem::is_directory(config.builtin_definitions_dir, ec))
      paths.push_back(config.builtin_definitions_dir);
    paths.insert(paths.end(), config.definition_dirs.begin(), config.definition_dirs.end());
  }
  auto result = jit::lint(paths);
  if (!result) return report(result.error());
  if (options.json) {
    std::printf("%s\n", result->to_json().dump(2).c_str());
  } else {
    std::fputs(result->to_text().c_str(), stdout);
  }
  return result->clean() ? 0 : 1;
}

const CommandRegistrar registrar{{"lint", "validate definitions and report duplicates and conflicts",
                                  args_command(add_options, run_lint), 30}};

}  // namespace
}  // namespace kjit::tools
