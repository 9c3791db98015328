// Config resolution from the environment; see config.h.
#include "jit/api/config.h"

#include <cstdint>
#include <cstdlib>
#include <sstream>

#include "cache/remote/remote_spec.h"

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
      {"--no-builtin-definitions", "KJIT_BUILTIN_DEFINITIONS", "1",
       "search kjit's own definitions/ first (0: only KJIT_DEFINITIONS / --definitions, e.g. to use a dataset's "
       "same-named files from Python or C)"},
      {"(none)", "KJIT_CACHE_MAX_SIZE", "2G",
       "cache size cap (bytes, or with a unit: 512M, 2G, 1T); least recently used entries are evicted above it"},
      {"--read-only", "KJIT_CACHE_READONLY", "0 (but an unwritable cache is read-only anyway)",
       "serve hits from a pre-warmed cache without writing to it; misses compile into memory (1/0)"},
      {"--sign-key FILE (cache export/import)", "KJIT_BUNDLE_KEY", "(none)",
       "file with the HMAC-SHA256 key: export signs bundles, import requires and checks the signature"},
      {"--remote-cache URLS", "KJIT_REMOTE_CACHE", "(none)",
       "fleet-wide cache on Redis behind the local one: `redis://[[user]:pass@]host[:port][/db]` or "
       "`redis+unix:///path`, space-separated to shard, each followed by bar-separated attributes: read-only, "
       "connect-timeout=100ms, op-timeout=2s, ttl=30d, lock-ttl=10s, lock-wait=60s (docs/design.md, Remote tier)"},
      {"-j N", "KJIT_JOBS", "number of cores", "parallel compile jobs for warmup"},
      {"(none)", "KJIT_NVRTC_LIBRARY", "found: LD_LIBRARY_PATH, then <cuda>/lib64",
       "the libnvrtc.so.13 file to use (loaded on the first compile only)"},
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
  if (auto b = parse_bool(env_or("KJIT_BUILTIN_DEFINITIONS", "")); b && !*b) c.builtin_definitions_dir.clear();
  c.arch = env_or("KJIT_ARCH", "");
  if (auto s = parse_size(env_or("KJIT_CACHE_MAX_SIZE", ""))) c.cache_max_size = *s;
  if (auto b = parse_bool(env_or("KJIT_CACHE_READONLY", ""))) c.cache_read_only = *b;
  c.bundle_key_file = env_or("KJIT_BUNDLE_KEY", "");
  c.remote_cache = env_or("KJIT_REMOTE_CACHE", "");
  c.jobs = std::atoi(env_or("KJIT_JOBS", "0").c_str());
  c.log = env_or("KJIT_LOG", "warn");
  return c;
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
  // Digits only: std::stoull would accept "-5" (and wrap it to 2^64 - 5),
  // leading spaces and a "+".
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const auto d = static_cast<std::uint64_t>(text[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  const std::string unit = text.substr(digits);
  int shift = 0;
  if (unit.empty() || unit == "B") shift = 0;
  else if (unit == "K" || unit == "KiB" || unit == "k") shift = 10;
  else if (unit == "M" || unit == "MiB") shift = 20;
  else if (unit == "G" || unit == "GiB") shift = 30;
  else if (unit == "T" || unit == "TiB") shift = 40;
  else return std::nullopt;
  if (shift > 0 && v > (UINT64_MAX >> shift)) return std::nullopt;
  return v << shift;
}

std::optional<bool> parse_bool(const std::string& text) {
  std::string t;
  for (char ch : text) t += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
  if (t == "0" || t == "false" || t == "no" || t == "off") return false;
  return std::nullopt;
}

std::vector<std::string> Config::check_env() {
  std::vector<std::string> problems;
  if (const char* v = std::getenv("KJIT_CACHE_MAX_SIZE"); v && *v && !parse_size(v))
    problems.push_back(std::string("KJIT_CACHE_MAX_SIZE='") + v +
                       "' is not a size: use a whole number of bytes, optionally with a unit K, M, G or T "
                       "(binary, e.g. 512M, 2G; KiB/MiB/GiB/TiB also accepted)");
  if (const char* v = std::getenv("KJIT_BUILTIN_DEFINITIONS"); v && *v && !parse_bool(v))
    problems.push_back(std::string("KJIT_BUILTIN_DEFINITIONS='") + v +
                       "' is not a boolean: use 1 or 0 (true/false, yes/no, on/off)");
  if (const char* v = std::getenv("KJIT_CACHE_READONLY"); v && *v && !parse_bool(v))
    problems.push_back(std::string("KJIT_CACHE_READONLY='") + v + "' is not a boolean: use 1 or 0 (true/false, yes/no, on/off)");
  if (const char* v = std::getenv("KJIT_REMOTE_CACHE"); v && *v)
    if (auto r = cache::remote::parse_remote_spec(v); !r) problems.push_back("KJIT_REMOTE_CACHE: " + r.error().message);
  if (const char* v = std::getenv("KJIT_JOBS"); v && *v) {
    std::string s = v;
    if (s.find_first_not_of("0123456789") != std::string::npos || s.size() > 6)
      problems.push_back("KJIT_JOBS='" + s + "' is not a number of jobs: use a whole number (0 = one per core)");
  }
  return problems;
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
