// Config: kjit's settings in one table (flag, environment variable, default,
// meaning) and their resolution with precedence default < env < flag.
//
// The README's configuration table is generated from `settings()` by
// `kjit config --markdown`, so code and docs cannot drift apart.
//
// Thread safety: `Config` is a plain value; build it once at startup and
// pass it by const reference.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kjit {

// One row of the configuration table.
struct Setting {
  const char* flag;     // global CLI flag, e.g. "--cache-dir"
  const char* env;      // environment variable, e.g. "KJIT_CACHE_DIR"
  const char* fallback; // default, as shown to users
  const char* doc;      // meaning, one line
};

// The table, in the order shown by the README.
const std::vector<Setting>& settings();

struct Config {
  // Default: $XDG_CACHE_HOME/kjit, else ~/.cache/kjit.
  std::filesystem::path cache_dir;
  // Definition folders searched after the built-in one: KJIT_DEFINITIONS
  // (colon-separated) first, then each --definitions flag.
  std::vector<std::filesystem::path> definition_dirs;
  // Default: the source tree's templates/ (compiled in as KJIT_SOURCE_DIR).
  std::filesystem::path templates_dir;
  // Default: the source tree's definitions/.
  std::filesystem::path builtin_definitions_dir;
  // Default: empty = the device's arch, else sm_90a.
  std::string arch;
  // Default: 2 GiB.
  std::uint64_t cache_max_size = 2ull << 30;
  // Default: false (but a cache folder or index that is not writable is
  // served read-only anyway; cache/cache.h).
  bool cache_read_only = false;
  // Default: empty = bundles are neither signed nor checked. A file holding
  // the HMAC-SHA256 key of signed bundles (KJIT_BUNDLE_KEY, --sign-key).
  std::filesystem::path bundle_key_file;
  // Default: empty = no remote tier. A fleet-wide cache on Redis
  // (KJIT_REMOTE_CACHE, --remote-cache): URLs with attributes, grammar in
  // cache/remote/remote_spec.h; validated by check_env / Jit::open.
  std::string remote_cache;
  // Default: 0 = number of cores.
  int jobs = 0;
  // Default: "warn" (error|warn|info|debug).
  std::string log = "warn";

  // Reads the environment; flags are applied afterwards by the CLI. A
  // malformed value is ignored here (the default stays); `check_env()` says
  // which, and the CLI refuses to start on it.
  static Config from_env();
  // Every malformed KJIT_* value, one message each naming the variable, the
  // value and the accepted forms; empty when all are fine.
  static std::vector<std::string> check_env();

  // The definition search path, in order: the built-in folder when it exists,
  // then `definition_dirs` (which must exist; DefinitionSet::load says so).
  std::vector<std::filesystem::path> definition_search_path() const;
};

// Parses sizes like "2G", "512M", "1048576" (binary units: K, M, G, T, with
// optional "iB"; "B" or none for bytes). Empty on error: a sign, a fraction,
// an unknown unit, or a value that does not fit in 64 bits.
std::optional<std::uint64_t> parse_size(const std::string& text);

// Parses a boolean setting: 1/true/yes/on, 0/false/no/off (any case).
std::optional<bool> parse_bool(const std::string& text);

}  // namespace kjit
