// Direct mode: see direct.h.
//
// Hot path (a cold `kjit get` hit): one SELECT, two tree walks (~20 folders
// and ~160 stats with the 118-definition dataset on the path: readdir +
// fstatat, no file opened), the definition file and ~6 template files read and
// hashed, then the usual cache lookup. Nothing is parsed but the row's JSON.
#include "jit/api/direct.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <xxhash.h>

#include "jit/api/build_identity.h"
#include "jit/compiler/nvrtc_version.h"
#include "jit/compiler/toolkit.h"
#include "jit/util/hash.h"
#include "jit/util/str_cat.h"

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;

std::int64_t ns_of(const timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

std::int64_t now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

// Walks folders (following links, like DefinitionSet) and stamps every folder
// and every file `take` accepts into one hash; `newest` is the latest
// mtime/ctime seen. False when a root is missing or unreadable.
class TreeStamp {
 public:
  explicit TreeStamp(bool (*take)(std::string_view name)) : m_take(take) {}

  bool add_root(const fs::path& root) {
    m_hasher.update(str_cat("R", root.string(), "\n"));
    return walk(root, "", 0);
  }
  std::string hex() const { return m_hasher.hex(); }
  std::int64_t newest_ns() const { return m_newest; }

 private:
  void note(const struct stat& st) {
    m_newest = std::max({m_newest, ns_of(st.st_mtim), ns_of(st.st_ctim)});
  }
  bool walk(const fs::path& dir, const std::string& rel, int depth) {
    if (depth > 32) return false;  // a link cycle
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return false;
    }
    DIR* d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      return false;
    }
    note(st);
    m_hasher.update(str_cat("D", rel, " ", ns_of(st.st_mtim), " ", ns_of(st.st_ctim), "\n"));
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n != "." && n != "..") names.emplace_back(n);
    }
    std::sort(names.begin(), names.end());
    bool ok = true;
    for (const auto& n : names) {
      struct stat es {};
      if (::fstatat(::dirfd(d), n.c_str(), &es, 0) != 0) continue;  // dangling link, or vanished
      if (S_ISDIR(es.st_mode)) {
        if (!walk(dir / n, rel + "/" + n, depth + 1)) ok = false;
      } else if (S_ISREG(es.st_mode) && m_take(n)) {
        note(es);
        m_hasher.update(str_cat("F", rel, "/", n, " ", es.st_size, " ", ns_of(es.st_mtim), " ", ns_of(es.st_ctim), " ",
                                es.st_ino, " ", es.st_dev, "\n"));
      }
    }
    ::closedir(d);
    return ok;
  }

  bool (*m_take)(std::string_view);
  Xxh3Hasher m_hasher;
  std::int64_t m_newest = 0;
};

bool is_json(std::string_view name) { return name.ends_with(".json"); }
bool is_manifest(std::string_view name) { return name.ends_with(".kjit.json"); }

fs::path absolute_normal(const fs::path& p) {
  std::error_code ec;
  fs::path a = fs::absolute(p, ec);
  return (ec ? p : a).lexically_normal();
}

std::optional<std::string> read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The renderer's dependency hash (jit/template/environment.h): XXH3-64 as 16 hex digits.
std::string xxh3_64_hex(std::string_view bytes) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(bytes.data(), bytes.size())));
  return buf;
}

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

DirectStamps take_direct_stamps(const Config& config) {
  DirectStamps out;
  const std::int64_t taken = now_ns();
  TreeStamp defs(&is_json);
  bool ok = true;
  for (const auto& dir : config.definition_search_path()) ok = defs.add_root(absolute_normal(dir)) && ok;
  TreeStamp templates(&is_manifest);
  ok = templates.add_root(absolute_normal(config.templates_dir)) && ok;
  if (!ok) return out;
  out.definitions = defs.hex();
  out.templates = templates.hex();
  const std::int64_t settle_ns = k_direct_settle_ms * 1'000'000;
  out.settled = defs.newest_ns() < taken - settle_ns && templates.newest_ns() < taken - settle_ns;
  return out;
}

std::string direct_key(const Config& config, const DirectRequest& request) {
  const std::string& build = kjit_build_identity();
  if (build.empty()) return {};
  const auto& toolkit = default_toolkit();
  Xxh3Hasher h;
  auto field = [&](std::string_view tag, std::string_view value) {
    for (std::string_view part : {tag, value}) {
      unsigned char length[8];
      auto n = static_cast<std::uint64_t>(part.size());
      for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(n >> (8 * i));
      h.update(std::span<const std::uint8_t>(length));
      h.update(part);
    }
  };
  field("direct", std::to_string(k_direct_schema_version));
  field("kjit", build);
  field("nvrtc", nvrtc_version_string());
  field("cuda_headers", toolkit ? toolkit->header_version : std::string("none"));
  field("name", request.name);
  field("arch", request.arch);
  const auto options = sorted_unique(request.options);
  field("options", std::to_string(options.size()));
  for (const auto& o : options) field("option", o);
  const auto path = config.definition_search_path();
  field("definitions", std::to_string(path.size()));
  for (const auto& d : path) field("definition_dir", absolute_normal(d).string());
  field("templates", absolute_normal(config.templates_dir).string());
  return h.hex();
}

Result<std::shared_ptr<Artifact>> artifact_from_entry(const cache::Entry& e) {
  auto a = std::make_shared<Artifact>();
  a->name = e.definition;
  a->op_type = e.op_type;
  a->arch = e.arch;
  a->key = e.key;
  a->cubin = e.cubin;
  a->source = e.source;
  a->compile_ms = e.compile_ms;
  a->log = e.log;
  try {
    auto plan = LaunchPlan::from_json(nlohmann::json::parse(e.launch_plan_json));
    if (!plan) return std::unexpected(plan.error());
    a->plan = std::move(*plan);
    const nlohmann::json lowered = nlohmann::json::parse(e.lowered_names_json);
    for (auto it = lowered.begin(); it != lowered.end(); ++it) a->lowered_names[it.key()] = it->get<std::string>();
    const nlohmann::json resources = nlohmann::json::parse(e.resources_json);
    for (const auto& r : resources)
      a->resources.push_back({r.value("function", ""), r.value("registers", 0), r.value("spill_bytes", 0),
                              r.value("shared_bytes", 0), r.value("stack_bytes", 0)});
  } catch (const nlohmann::json::exception& ex) {
    return fail(ErrorCode::corruption, "cache entry " + e.key + " has malformed metadata: " + ex.what());
  }
  return a;
}

Result<std::optional<std::shared_ptr<Artifact>>> direct_lookup(cache::Cache& cache, const Config& config,
                                                               const DirectRequest& request, std::string* why) {
  using Miss = std::optional<std::shared_ptr<Artifact>>;
  auto miss = [&](std::string reason) {
    if (why) *why = std::move(reason);
    return Miss();
  };
  const std::string dkey = direct_key(config, request);
  if (dkey.empty()) return miss("no build identity for kjit");
  auto row = KJIT_TRY(cache.find_direct(dkey));
  if (!row) return miss("no manifest for this request (first request, or a new option, toolkit or kjit build)");
  nlohmann::json inputs;
  try {
    inputs = nlohmann::json::parse(row->inputs_json);
    const DirectStamps now = take_direct_stamps(config);
    if (now.definitions.empty()) return miss("a definition or template folder cannot be read");
    if (now.definitions != inputs.at("definitions").get<std::string>())
      return miss("a definition file or folder on the search path changed");
    if (now.templates != inputs.at("templates").get<std::string>())
      return miss("a template manifest or template folder changed");
    const auto& def = inputs.at("definition");
    auto text = read_text(def.at("file").get<std::string>());
    if (!text || xxh3_128_hex(*text) != def.at("hash").get<std::string>())
      return miss("the definition file changed: " + def.at("file").get<std::string>());
    for (const auto& dep : inputs.at("deps")) {
      auto bytes = read_text(dep.at("file").get<std::string>());
      if (!bytes || xxh3_64_hex(*bytes) != dep.at("hash").get<std::string>())
        return miss("a template file the kernel was rendered from changed: " + dep.at("file").get<std::string>());
    }
  } catch (const nlohmann::json::exception&) {
    return miss("an unreadable manifest");  // the full path rewrites it
  }
  auto entry = KJIT_TRY(cache.lookup(row->key));
  if (!entry) return miss("the manifest's entry is no longer in the cache");
  auto artifact = KJIT_TRY(artifact_from_entry(*entry));
  artifact->template_name = inputs.value("template", "");
  return Miss(std::move(artifact));
}

bool direct_record(cache::Cache& cache, const Config& config, const DirectRequest& request,
                   const DirectStamps& stamps, const Definition& definition, const RenderedKernel& kernel,
                   const std::string& key) {
  if (cache.read_only() || !stamps.settled || stamps.definitions.empty()) return false;
  const std::string dkey = direct_key(config, request);
  if (dkey.empty()) return false;
  // The definition's bytes now must be what was parsed: same JSON, else the
  // file changed since the load and this render does not describe it.
  const fs::path def_file = absolute_normal(definition.path);
  auto text = read_text(def_file);
  if (!text) return false;
  try {
    if (nlohmann::json::parse(*text) != nlohmann::json::parse(definition.raw.dump())) return false;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  nlohmann::ordered_json inputs;
  inputs["definitions"] = stamps.definitions;
  inputs["templates"] = stamps.templates;
  inputs["definition"] = {{"file", def_file.string()}, {"hash", xxh3_128_hex(*text)}};
  inputs["template"] = kernel.manifest ? kernel.manifest->id : std::string();
  inputs["deps"] = nlohmann::ordered_json::array();
  for (const auto& d : kernel.dependencies)
    inputs["deps"].push_back({{"file", absolute_normal(d.file).string()}, {"hash", d.content_hash}});
  std::string text_inputs = inputs.dump();
  if (auto existing = cache.find_direct(dkey); existing && *existing && (*existing)->key == key &&
                                               (*existing)->inputs_json == text_inputs)
    return false;  // unchanged
  return cache.put_direct({dkey, key, std::move(text_inputs), 0});
}

}  // namespace kjit::jit
