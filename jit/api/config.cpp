// Config resolution from the environment; see config.h.
#include "jit/api/config.h"

#include <cstdlib>
#include <sstream>

#ifndef KJIT_SOURCE_DIR
#define KJIT_SOURCE_DIR "."
#endif

namespace kjit {

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      {"--cache-dir DIR", "KJIT_CACHE_DIR", "$XDG_CACHE_HOME/kjit, else ~/.cache/kjit",
       "where the SQLite index and cubin blobs live (local disk, not NFS)"},
      {"--definitions DIR (repeatable)", "KJIT_DEFINITIONS", "(none)",
       "extra definition folders (env: colon-separated), searched after kjit's own definitions/"},
      {"--templates DIR", "KJIT_TEMPLATES", "<source>/templates", "template root folder"},
      {"--arch A", "KJIT_ARCH", "the device's arch, else sm_90a", "target architecture, e.g. sm_90a, sm_100a"},
      {"(none)", "KJIT_CACHE_MAX_SIZE", "2G", "cache size cap; least recently used entries are evicted above it"},
      {"-j N", "KJIT_JOBS", "number of cores", "parallel compile jobs for warmup"},
      {"-v", "KJIT_LOG", "warn", "log level: error, warn, info, debug (-v = info, -vv = debug)"},
      {"(none)", "KJIT_LOGLEVEL", "0", "kernel launch records (C, C++, Python): 0 off, 1 names, 3 + shapes/grids/streams, 5 + tensor statistics (synchronizes)"},
      {"(none)", "KJIT_LOGDEST", "stdout", "where launch records go: stdout, stderr or a file (%i = process id)"},
  };
  return table;
}

static std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

Config Config::from_env() {
  Config c;
  std::string xdg = env_or("XDG_CACHE_HOME", "");
  std::string home = env_or("HOME", "/tmp");
  c.cache_dir = env_or("KJIT_CACHE_DIR",
                       xdg.empty() ? (std::filesystem::path(home) / ".cache" / "kjit").string()
                                   : (std::filesystem::path(xdg) / "kjit").string());
  std::string defs = env_or("KJIT_DEFINITIONS", "");
  std::stringstream ss(defs);
  for (std::string item; std::getline(ss, item, ':');)
    if (!item.empty()) c.definition_dirs.emplace_back(item);
  c.templates_dir = env_or("KJIT_TEMPLATES", std::string(KJIT_SOURCE_DIR) + "/templates");
  c.builtin_definitions_dir = std::filesystem::path(KJIT_SOURCE_DIR) / "definitions";
  c.arch = env_or("KJIT_ARCH", "");
  if (auto s = parse_size(env_or("KJIT_CACHE_MAX_SIZE", ""))) c.cache_max_size = *s;
  c.jobs = std::atoi(env_or("KJIT_JOBS", "0").c_str());
  c.log = env_or("KJIT_LOG", "warn");
  return c;
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t pos = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &pos);
  } catch (...) {
    return std::nullopt;
  }
  std::string unit = text.substr(pos);
  std::uint64_t mul = 1;
  if (unit.empty() || unit == "B") mul = 1;
  else if (unit == "K" || unit == "KiB" || unit == "k") mul = 1ull << 10;
  else if (unit == "M" || unit == "MiB") mul = 1ull << 20;
  else if (unit == "G" || unit == "GiB") mul = 1ull << 30;
  else if (unit == "T" || unit == "TiB") mul = 1ull << 40;
  else return std::nullopt;
  return static_cast<std::uint64_t>(v) * mul;
}

std::vector<std::filesystem::path> Config::definition_search_path() const {
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  if (!builtin_definitions_dir.empty() && std::filesystem::is_directory(builtin_definitions_dir, ec))
    dirs.push_back(builtin_definitions_dir);
  for (const auto& d : definition_dirs) dirs.push_back(d);
  return dirs;
}

}  // namespace kjit
