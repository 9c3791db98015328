// `kjit cache stats|ls|gc|verify|export FILE|import FILE|clear [--json]`:
// inspect and maintain the on-disk kernel cache (design.md, "Cache layout");
// `kjit cache remote ping|stats|ls [--json]`: the remote tier (remote_admin.h).
// The directory comes from --cache-dir / KJIT_CACHE_DIR, the size cap from
// KJIT_CACHE_MAX_SIZE (used by eviction after imports).
//
// `ls --definition GLOB` filters by definition name; `ls --template FILE`
// lists the entries built from FILE ("what does this edit invalidate").
//
// Bundles (issue #19.2): import refuses, whole, any bundle with an entry
// whose content does not belong to its key (jit/api/entry_verify.h).
// `export --sign-key FILE` signs with HMAC-SHA256; `import` with a key
// (--sign-key FILE or KJIT_BUNDLE_KEY) requires a signature made with it;
// `--require-signature` makes a missing key a usage error instead of an
// unchecked import. `verify` checks every entry's blobs and its binding to
// its key, and exits 1 when it found (and removed) anything.
//
// Thread safety: runs on the main thread only.
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cache/cache.h"
#include "tools/cli/command.h"
#include "tools/cli/jit_session.h"
#include "tools/cli/remote_admin.h"

namespace kjit::tools {
namespace {

using nlohmann::ordered_json;

struct CacheArgs {
  bool json = false;
  std::string file;                       // export / import
  std::string sign_key;                   // export / import: --sign-key FILE
  bool require_signature = false;         // import
  cache::ListFilter filter;               // ls
};

// The signing settings: --sign-key, else KJIT_BUNDLE_KEY.
Result<cache::BundleSigning> signing_for(const CacheArgs& a, const Config& config) {
  cache::BundleSigning signing;
  signing.require = a.require_signature;
  std::filesystem::path file = a.sign_key.empty() ? config.bundle_key_file : std::filesystem::path(a.sign_key);
  if (file.empty()) return signing;
  auto bytes = cache::Env::posix()->read_file(file, {.max_bytes = 1 << 20});
  if (!bytes)
    return fail(ErrorCode::invalid_argument, "cannot read the bundle key file: " + bytes.error().message);
  if (bytes->size() < 16)
    return fail(ErrorCode::invalid_argument, "the bundle key file '" + file.string() + "' holds " +
                                                 std::to_string(bytes->size()) +
                                                 " bytes; use at least 16 random bytes (e.g. `openssl rand -hex 32 > FILE`)");
  signing.key = std::move(*bytes);
  return signing;
}

std::string human_bytes(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string utc_time(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

void print(const ordered_json& j, bool json) {
  if (json) {
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  for (const auto& [k, v] : j.items()) {
    std::string value = v.is_string() ? v.get<std::string>() : v.dump();
    if (v.is_number_unsigned() && (k == "bytes" || k.ends_with("_bytes")))
      value = human_bytes(v.get<std::uint64_t>()) + " (" + v.dump() + ")";
    std::printf("%-20s %s\n", k.c_str(), value.c_str());
  }
}

int run_stats(cache::Cache& c, const CacheArgs& a) {
  auto st = c.stats();
  if (!st) return report(st.error());
  ordered_json j = cache_stats_json(c, *st);
  print(j, a.json);
  return 0;
}

int run_ls(cache::Cache& c, const CacheArgs& a) {
  auto rows = c.list(a.filter);
  if (!rows) return report(rows.error());
  if (a.json) {
    ordered_json arr = ordered_json::array();
    for (const auto& r : *rows) {
      ordered_json deps = ordered_json::array();
      for (const auto& d : r.dependencies) deps.push_back({{"file", d.file}, {"content_hash", d.content_hash}});
      arr.push_back({{"key", r.key}, {"definition", r.definition}, {"op_type", r.op_type}, {"arch", r.arch},
                     {"nvrtc_version", r.nvrtc_version}, {"bytes", r.bytes}, {"compile_ms", r.compile_ms},
                     {"hits", r.hits}, {"created", utc_time(r.created_ms)}, {"last_used", utc_time(r.last_used_ms)},
                     {"dependencies", deps}});
    }
    std::printf("%s\n", arr.dump().c_str());
    return 0;
  }
  std::printf("%-32s  %-36s %-8s %10s %6s %10s  %s\n", "KEY", "DEFINITION", "ARCH", "SIZE", "HITS", "COMPILE", "LAST USED (UTC)");
  std::uint64_t total = 0;
  for (const auto& r : *rows) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.0f ms", r.compile_ms);
    std::printf("%-32s  %-36s %-8s %10s %6llu %10s  %s\n", r.key.c_str(), r.definition.c_str(), r.arch.c_str(),
                human_bytes(r.bytes).c_str(), static_cast<unsigned long long>(r.hits), ms,
                utc_time(r.last_used_ms).c_str());
    total += r.bytes;
  }
  std::printf("%zu entries, %s\n", rows->size(), human_bytes(total).c_str());
  return 0;
}

int run_gc(cache::Cache& c, const CacheArgs& a) {
  auto r = c.gc();
  if (!r) return report(r.error());
  print({{"orphan_blobs", r->orphan_blobs}, {"orphan_bytes", r->orphan_bytes}, {"stale_temps", r->stale_temps},
         {"rows_missing_blobs", r->rows_missing_blobs}, {"stale_locks", r->stale_locks},
         {"old_quarantined", r->old_quarantined}},
        a.json);
  return 0;
}

int run_verify(cache::Cache& c, const CacheArgs& a) {
  auto r = c.verify();
  if (!r) return report(r.error());
  print({{"blobs_checked", r->blobs_checked}, {"bytes_checked", r->bytes_checked},
         {"corrupt", r->corrupt_blobs.size()}, {"corrupt_blobs", r->corrupt_blobs},
         {"entries_checked", r->entries_checked}, {"unbound", r->unbound_entries.size()},
         {"unbound_entries", r->unbound_entries}, {"entries_removed", r->entries_removed}},
        a.json);
  if (!a.json)
    for (const auto& u : r->unbound_entries) std::fprintf(stderr, "kjit: entry %s\n", u.c_str());
  // Corruption found (and quarantined or removed) is worth a non-zero exit.
  return r->corrupt_blobs.empty() && r->unbound_entries.empty() ? 0 : 1;
}

int run_bundle(cache::Cache& c, const CacheArgs& a, const Config& config, bool is_export) {
  auto signing = signing_for(a, config);
  if (!signing) return report(signing.error());
  auto r = is_export ? c.export_bundle(a.file, *signing) : c.import_bundle(a.file, *signing);
  if (!r) return report(r.error());
  print({{is_export ? "exported" : "imported", r->entries}, {"skipped", r->skipped}, {"bytes", r->bytes},
         {"file", a.file}},
        a.json);
  return 0;
}

int run_clear(cache::Cache& c, const CacheArgs& a) {
  if (auto r = c.clear(); !r) return report(r.error());
  print({{"cleared", c.paths().root().string()}}, a.json);
  return 0;
}

RunFn setup(CLI::App& sub, const Globals& globals) {
  auto args = std::make_shared<CacheArgs>();
  sub.require_subcommand(1);
  sub.add_flag("--json", args->json, "print JSON");
  struct Action {
    const char* name;
    const char* help;
    CLI::App* app = nullptr;
  };
  auto actions = std::make_shared<std::vector<Action>>(std::vector<Action>{
      {"stats", "entries, bytes, hits, misses, compiles, failures, corruption, evictions"},
      {"ls", "list entries (--definition GLOB, --template FILE)"},
      {"gc", "remove orphan blobs, stale temp files, rows whose blobs vanished, idle lock files"},
      {"verify", "re-hash every blob; quarantine corrupt ones (exit 1 when any)"},
      {"export", "write every entry to one bundle FILE"},
      {"import", "add the entries of bundle FILE (verified whole first; existing entries kept)"},
      {"clear", "remove every entry, blob and remembered failure; zero the counters"},
      {"remote", "the remote tier (KJIT_REMOTE_CACHE): ping, stats, ls"}});
  auto remote_actions = std::make_shared<std::vector<Action>>(std::vector<Action>{
      {"ping", "is each server reachable, and how fast (exit 1 when one is not)"},
      {"stats", "each server's memory, evictions and kjit values; this cache's remote counters"},
      {"ls", "every kjit value: key, definition, arch, size, time to live, server"}});
  for (auto& act : *actions) {
    act.app = sub.add_subcommand(act.name, act.help);
    act.app->add_flag("--json", args->json, "print JSON");
    std::string n = act.name;
    if (n == "export" || n == "import") {
      act.app->add_option("FILE", args->file, "bundle file")->required();
      act.app->add_option("--sign-key", args->sign_key,
                          n == "export" ? "sign the bundle with the HMAC-SHA256 key in this file (env KJIT_BUNDLE_KEY)"
                                        : "require a signature made with the key in this file (env KJIT_BUNDLE_KEY)");
    }
    if (n == "import")
      act.app->add_flag("--require-signature", args->require_signature,
                        "refuse to import without a key to check the signature with (--sign-key / KJIT_BUNDLE_KEY)");
    if (n == "remote") {
      act.app->require_subcommand(1);
      for (auto& ra : *remote_actions) {
        ra.app = act.app->add_subcommand(ra.name, ra.help);
        ra.app->add_flag("--json", args->json, "print JSON");
      }
    }
    if (n == "ls") {
      act.app->add_option("--definition", args->filter.definition_glob, "definition name glob, e.g. 'rmsnorm_*'");
      act.app->add_option("--template", args->filter.template_file,
                          "entries built from this template or include file (path or path suffix)");
    }
  }
  return [&globals, args, actions, remote_actions]() -> int {
    Config config = globals.config();
    auto options = jit::cache_options(config);
    if (!options) return report(options.error());
    auto opened = cache::Cache::open(*options);
    if (!opened) return report(opened.error());
    cache::Cache& c = **opened;
    for (const auto& act : *actions) {
      if (!act.app->parsed()) continue;
      std::string n = act.name;
      if (n == "stats") return run_stats(c, *args);
      if (n == "ls") return run_ls(c, *args);
      if (n == "gc") return run_gc(c, *args);
      if (n == "verify") return run_verify(c, *args);
      if (n == "export") return run_bundle(c, *args, config, true);
      if (n == "import") return run_bundle(c, *args, config, false);
      if (n == "clear") return run_clear(c, *args);
      if (n == "remote") {
        auto tier = std::dynamic_pointer_cast<cache::remote::RedisTier>(options->remote);
        if (!tier)
          return report(Error{ErrorCode::invalid_argument,
                              "no remote cache is configured: set KJIT_REMOTE_CACHE or pass --remote-cache URL", ""});
        for (const auto& ra : *remote_actions) {
          if (!ra.app->parsed()) continue;
          std::string r = ra.name;
          if (r == "ping") return remote_ping(*tier, args->json);
          if (r == "stats") return remote_stats(*tier, c, args->json);
          if (r == "ls") return remote_ls(*tier, args->json);
        }
      }
    }
    return 2;
  };
}

const CommandRegistrar registrar{{"cache", "inspect and maintain the kernel cache (stats, ls, gc, verify, export, import, clear, remote)", setup, 700}};

}  // namespace
}  // namespace kjit::tools
