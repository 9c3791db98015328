// `kjit config [--json|--markdown]`: the configuration table and the values
// in effect (defaults < environment < flags).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cache/remote/remote_spec.h"
#include "tools/cli/command.h"

namespace kjit::tools {
namespace {

RunFn setup(CLI::App& sub, const Globals& globals) {
  auto json = std::make_shared<bool>(false);
  auto markdown = std::make_shared<bool>(false);
  sub.add_flag("--json", *json, "print the effective values as JSON");
  sub.add_flag("--markdown", *markdown, "print the settings table as Markdown (for the README)");
  return [&globals, json, markdown]() {
    Config c = globals.config();
    if (*markdown) {
      std::printf("| flag | env var | default | meaning |\n| --- | --- | --- | --- |\n");
      for (const auto& s : settings())
        std::printf("| `%s` | `%s` | %s | %s |\n", s.flag, s.env, s.fallback, s.doc);
      return 0;
    }
    nlohmann::ordered_json j;
    j["cache_dir"] = c.cache_dir.string();
    j["definitions"] = nlohmann::json::array();
    if (!c.builtin_definitions_dir.empty()) j["definitions"].push_back(c.builtin_definitions_dir.string());
    for (const auto& d : c.definition_dirs) j["definitions"].push_back(d.string());
    j["templates"] = c.templates_dir.string();
    j["arch"] = c.arch;
    j["cache_max_size"] = c.cache_max_size;
    j["cache_read_only"] = c.cache_read_only;
    j["bundle_key_file"] = c.bundle_key_file.string();
    // The remote setting as parsed, passwords hidden (a bad one is refused
    // at start-up, check_env, or when the flag is used: here).
    if (c.remote_cache.empty()) {
      j["remote_cache"] = "";
    } else {
      auto servers = cache::remote::parse_remote_spec(c.remote_cache);
      if (!servers) return report(Error{ErrorCode::invalid_argument, "--remote-cache: " + servers.error().message, ""});
      j["remote_cache"] = cache::remote::describe_remote_spec(*servers);
    }
    j["jobs"] = c.jobs;
    j["log"] = c.log;
    if (*json) {
      std::printf("%s\n", j.dump().c_str());
    } else {
      for (auto& [k, v] : j.items()) std::printf("%-15s %s\n", k.c_str(), v.dump().c_str());
    }
    return 0;
  };
}

const CommandRegistrar registrar{{"config", "show the configuration table and effective values", setup, 900}};

}  // namespace
}  // namespace kjit::tools
