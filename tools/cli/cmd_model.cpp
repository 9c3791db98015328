// `kjit model CONFIG.json [--name NAME] [--tp N] [--ep N] [--page-sizes 1,64]
//  [--quant all|bf16|fp8-block|fp8-tensor|fp4] [--projections all|fused|split]
//  [--out DIR] [--json] [--warmup [--arch A[,B]] [-j N] [--report FILE]]
//  [--check]`: onboard a model in one command. Reads a Hugging Face
// config.json, derives every kernel definition the model runs on one rank
// (jit/model/derive.h), deduplicates them against the search path
// (jit/model/dedup.h: new / exists / conflict), prints a table (or one JSON
// object), writes the new ones and a tag-update list (tag_updates.jsonl: one
// {"model", "name", "file", "add_tags"} per existing definition that lacks
// this model's tags) to --out, warms the
// served ones with the engine of `kjit warmup`, and runs `kjit check` on them
// when a GPU is present (saying so when it is not).
//
// Definitions that are new are put on the search path for --warmup and
// --check from --out, or from a temporary folder removed at exit.
// Exit: 0 ok; 1 a conflict, a warm-up failure or a check runtime error;
// check's own code (4, 5) when check fails; 2 usage; 3 config not found.
//
// Thread safety: runs on the main thread (warm-up uses warmup.h's pool).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "jit/definition/definition_set.h"
#include "jit/model/architectures.h"
#include "jit/model/dedup.h"
#include "jit/model/derive.h"
#include "jit/model/hf_config.h"
#include "jit/util/str_cat.h"
#include "runtime/driver.h"
#include "tools/cli/atomic_write.h"
#include "tools/cli/jit_session.h"
#include "tools/cli/warmup.h"

extern char** environ;

namespace kjit::tools {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct Args {
  std::string config;
  std::string name;
  std::int64_t tp = 1;
  std::int64_t ep = 1;
  std::string page_sizes = "1,64";
  std::string quant = "all";
  std::string projections = "all";
  std::string out;
  bool json = false;
  bool warmup = false;
  bool check = false;
  WarmupFlags warm;  // --arch also picks the check's arch (the first)
};

struct Row {
  const jit::DerivedDefinition* derived = nullptr;
  jit::DedupResult dedup;
  std::string served_by;  // template id, "" when none
  fs::path written;       // --out file of a new definition

  // The name the model uses: the existing one when it exists.
  const std::string& name() const {
    return dedup.status == jit::DedupStatus::exists ? dedup.existing->name : derived->definition.name;
  }
};

// A folder removed (with its contents) when this goes out of scope.
struct TempFolder {
  fs::path path;
  ~TempFolder() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

Result<std::vector<std::int64_t>> parse_page_sizes(const std::string& text) {
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string part = text.substr(start, comma - start);
    if (part.empty() || part.size() > 6 || !std::all_of(part.begin(), part.end(), ::isdigit))
      return fail(ErrorCode::invalid_argument,
                  str_cat("--page-sizes: '", text, "' is not a comma-separated list of page sizes (e.g. 1,64)"));
    std::int64_t v = std::stoll(part);
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    start = comma + 1;
  }
  return out;
}

// --name, else the config file's stem, else (for config.json) its folder's
// name; lower-cased. Only [a-z0-9._-]: it becomes a tag.
Result<std::string> model_name(const Args& a) {
  std::string name = a.name;
  if (name.empty()) {
    fs::path p = fs::absolute(a.config);
    name = p.stem().string();
    if (name == "config" && p.has_parent_path()) name = p.parent_path().filename().string();
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  }
  bool ok = !name.empty() && name.size() <= 100 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '.' || c == '-' || c == '_';
  });
  if (!ok)
    return fail(ErrorCode::invalid_argument,
                str_cat("model name '", name, "' must be 1-100 of a-z 0-9 . - _ (it becomes the model: tag); pass "
                        "--name NAME"));
  return name;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

ordered_json row_json(const Row& r) {
  ordered_json j{{"op_type", r.derived->definition.op_type},
                 {"name", r.derived->definition.name},
                 {"status", jit::to_string(r.dedup.status)},
                 {"served", !r.served_by.empty()},
                 {"template", r.served_by},
                 {"uses", r.derived->uses}};
  if (r.dedup.existing) {
    j["existing"] = {{"name", r.dedup.existing->name}, {"file", r.dedup.existing->path.string()}};
  }
  if (!r.dedup.differences.empty()) j["differences"] = r.dedup.differences;
  if (!r.dedup.missing_tags.empty()) j["missing_tags"] = r.dedup.missing_tags;
  if (!r.written.empty()) j["file"] = r.written.string();
  return j;
}

ordered_json spec_json(const jit::ModelSpec& spec) {
  ordered_json derived = ordered_json::array();
  for (const auto& d : spec.derived) derived.push_back({{"field", d.field}, {"value", d.value}, {"rule", d.rule}});
  ordered_json layers = ordered_json::object();
  if (spec.attention) layers["attention"] = spec.attention->layers;
  if (spec.gdn) layers["linear_attention"] = spec.gdn->layers;
  if (spec.mamba) layers["mamba"] = spec.mamba->layers;
  if (spec.dense_mlp) layers["dense_mlp"] = spec.dense_mlp->layers;
  if (spec.moe) layers["moe"] = spec.moe->layers;
  return {{"model_type", spec.model_type}, {"family", spec.family},   {"layers", spec.num_layers},
          {"hidden_size", spec.hidden_size}, {"vocab_size", spec.vocab_size}, {"layer_kinds", layers},
          {"derived_fields", derived}};
}

std::string layer_summary(const jit::ModelSpec& spec) {
  std::vector<std::string> parts;
  if (spec.attention) parts.push_back(str_cat(spec.attention->layers, " attention"));
  if (spec.gdn) parts.push_back(str_cat(spec.gdn->layers, " linear-attention"));
  if (spec.mamba) parts.push_back(str_cat(spec.mamba->layers, " Mamba"));
  if (spec.dense_mlp) parts.push_back(str_cat(spec.dense_mlp->layers, " dense MLP"));
  if (spec.moe) parts.push_back(str_cat(spec.moe->layers, " MoE"));
  return join(parts, ", ");
}

void print_table(const std::vector<Row>& rows) {
  std::printf("%-12s %-58s %-9s %-6s %s\n", "OP TYPE", "NAME", "STATUS", "SERVED", "USED FOR");
  for (const auto& r : rows) {
    std::string status(jit::to_string(r.dedup.status));
    std::string name = r.derived->definition.name;
    if (r.dedup.status == jit::DedupStatus::exists && r.dedup.existing->name != name)
      name += " (= " + r.dedup.existing->name + ")";
    std::printf("%-12s %-58s %-9s %-6s %s\n", r.derived->definition.op_type.c_str(), name.c_str(), status.c_str(),
                r.served_by.empty() ? "no" : "yes", join(r.derived->uses, "; ").c_str());
  }
}

// Runs this executable as `kjit <global flags> check NAMES...`; with
// `capture`, returns its stdout in *out instead of passing it through.
Result<int> run_check(const Globals& globals, const std::vector<std::string>& names, const std::string& arch,
                      bool json, std::string* out) {
  std::vector<std::string> args{"kjit"};
  for (const auto& d : globals.definitions) args.insert(args.end(), {"--definitions", d});
  if (!globals.templates.empty()) args.insert(args.end(), {"--templates", globals.templates});
  if (!globals.cache_dir.empty()) args.insert(args.end(), {"--cache-dir", globals.cache_dir});
  if (globals.no_builtin) args.push_back("--no-builtin-definitions");
  for (int i = 0; i < globals.verbosity; ++i) args.push_back("-v");
  args.push_back("check");
  args.insert(args.end(), names.begin(), names.end());
  if (!arch.empty()) args.insert(args.end(), {"--arch", arch});
  if (json) args.push_back("--json");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int pipe_fds[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out) {
    if (::pipe(pipe_fds) != 0) return fail(ErrorCode::io_error, "model --check: cannot create a pipe");
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  }
  std::fflush(stdout);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (out) ::close(pipe_fds[1]);
  if (rc != 0) {
    if (out) ::close(pipe_fds[0]);
    return fail(ErrorCode::io_error, str_cat("model --check: cannot start `kjit check`: ", std::strerror(rc)));
  }
  if (out) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0) out->append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status)) return fail(ErrorCode::internal, "model --check: `kjit check` was killed by a signal");
  return WEXITSTATUS(status);
}

void add_options(CLI::App& sub, Args& a) {
  sub.add_option("CONFIG", a.config, "the model's Hugging Face config.json")->required();
  sub.add_option("--name", a.name, "model name for the model: tag (default: the file name, or its folder's for config.json)");
  sub.add_option("--tp", a.tp, "tensor-parallel size (splits heads and linear layers)")->check(CLI::PositiveNumber);
  sub.add_option("--ep", a.ep, "expert-parallel size (splits the routed experts)")->check(CLI::PositiveNumber);
  sub.add_option("--page-sizes", a.page_sizes, "KV-cache page sizes, comma-separated (default 1,64)");
  sub.add_option("--quant", a.quant, "MoE forms: all (default), bf16, fp8-block, fp8-tensor or fp4");
  sub.add_option("--projections", a.projections,
                 "linear layers as fused (qkv_proj, gate_up_proj), split (q/k/v, gate/up) or all (default)");
  sub.add_option("--out", a.out, "write the new definitions (<op_type>/<name>.json) and tag_updates.jsonl here");
  sub.add_flag("--json", a.json, "print one JSON object instead of the table");
  sub.add_flag("--warmup", a.warmup, "compile the served definitions into the cache (as `kjit warmup`)");
  a.warm.add_arch_and_jobs(sub, "warm-up/check arch(s), comma-separated (env KJIT_ARCH)",
                           "parallel compile jobs for --warmup");
  a.warm.add_report(sub, "with --warmup: write the warm-up report JSON to FILE");
  sub.add_flag("--check", a.check, "run `kjit check` on the served definitions when a GPU is present");
}

int run(const Globals& globals, const Args& a) {
  // 1. Derive.
  auto config = jit::HfConfig::load(a.config);
  if (!config) return report(config.error());
  auto spec = jit::read_model_spec(*config);
  if (!spec) return report(spec.error());
  jit::DeriveOptions options;
  {
    auto name = model_name(a);
    if (!name) return report(name.error());
    options.model_name = *name;
    auto sizes = parse_page_sizes(a.page_sizes);
    if (!sizes) return report(sizes.error());
    options.page_sizes = *sizes;
    auto quant = jit::parse_quant(a.quant);
    if (!quant) return report(quant.error());
    options.quant = *quant;
    auto forms = jit::parse_projections(a.projections);
    if (!forms) return report(forms.error());
    options.projections = *forms;
    options.tp = a.tp;
    options.ep = a.ep;
  }
  auto derivation = jit::derive_definitions(*spec, options);
  if (!derivation) return report(derivation.error());

  // 2. Deduplicate against the search path.
  Config cfg = globals.config();
  auto set = jit::DefinitionSet::load(cfg.definition_search_path());
  if (!set) return report(set.error());
  jit::DefinitionIndex index(set->all());
  std::vector<Row> rows;
  for (const auto& d : derivation->definitions) {
    Row r;
    r.derived = &d;
    r.dedup = index.classify(d.definition);
    r.served_by = served_by(cfg, r.dedup.existing && r.dedup.status == jit::DedupStatus::exists ? *r.dedup.existing
                                                                                                : d.definition);
    rows.push_back(std::move(r));
  }

  // 3. --out: the new definitions (<op_type>/<name>.json) and the tag updates.
  ordered_json tag_updates = ordered_json::array();
  for (const auto& r : rows)
    if (r.dedup.status == jit::DedupStatus::exists && !r.dedup.missing_tags.empty())
      tag_updates.push_back({{"model", options.model_name},
                             {"name", r.dedup.existing->name},
                             {"file", r.dedup.existing->path.string()},
                             {"add_tags", r.dedup.missing_tags}});
  TempFolder temp;
  fs::path new_dir;  // where the new definitions are, for warm-up and check
  std::size_t written = 0;
  if (!a.out.empty() || a.warmup || a.check) {
    if (!a.out.empty()) {
      new_dir = a.out;
    } else {
      std::random_device rd;
      temp.path = fs::temp_directory_path() / str_cat("kjit_model_", ::getpid(), "_", rd());
      new_dir = temp.path;
    }
    for (auto& r : rows) {
      if (r.dedup.status != jit::DedupStatus::new_definition) continue;
      const jit::Definition& d = r.derived->definition;
      fs::path file = new_dir / d.op_type / (d.name + ".json");
      auto w = write_file_atomic(file, d.raw.dump(2) + "\n");
      if (!w) return report(w.error());
      r.written = a.out.empty() ? fs::path() : file;
      ++written;
    }
    if (!a.out.empty()) {
      // JSON Lines, and not *.json: the folder is a definitions folder, whose
      // *.json files must all be definitions.
      std::string lines;
      for (const auto& u : tag_updates) lines += u.dump() + "\n";
      auto w = write_file_atomic(new_dir / "tag_updates.jsonl", lines);
      if (!w) return report(w.error());
    }
  }

  std::size_t counts[3] = {0, 0, 0};
  std::size_t served = 0;
  for (const auto& r : rows) {
    counts[static_cast<int>(r.dedup.status)]++;
    if (!r.served_by.empty()) ++served;
  }
  const std::size_t conflicts = counts[static_cast<int>(jit::DedupStatus::conflict)];

  ordered_json doc;
  if (a.json) {
    doc["model"] = {{"name", options.model_name},
                    {"config", a.config},
                    {"tp", options.tp},
                    {"ep", options.ep},
                    {"page_sizes", options.page_sizes},
                    {"quant", jit::to_string(options.quant)},
                    {"projections", jit::to_string(options.projections)}};
    doc["architecture"] = spec_json(*spec);
    ordered_json defs = ordered_json::array();
    for (const auto& r : rows) defs.push_back(row_json(r));
    doc["definitions"] = defs;
    doc["totals"] = {{"definitions", rows.size()}, {"new", counts[0]}, {"exists", counts[1]},
                     {"conflict", counts[2]},      {"served", served}};
    doc["tag_updates"] = tag_updates;
    doc["notes"] = derivation->notes;
    if (!a.out.empty()) doc["out"] = a.out;
  } else {
    std::printf("model %s: %s (model_type %s), %d layers (%s), hidden %lld, vocab %lld\n",
                options.model_name.c_str(), spec->family.c_str(), spec->model_type.c_str(), spec->num_layers,
                layer_summary(*spec).c_str(), static_cast<long long>(spec->hidden_size),
                static_cast<long long>(spec->vocab_size));
    std::printf("parallelism: tp %lld, ep %lld; page sizes %s; quant %s; projections %s\n",
                static_cast<long long>(options.tp), static_cast<long long>(options.ep), a.page_sizes.c_str(),
                a.quant.c_str(), a.projections.c_str());
    for (const auto& f : spec->derived)
      std::printf("derived: %s = %lld (%s)\n", f.field.c_str(), static_cast<long long>(f.value), f.rule.c_str());
    std::printf("\n");
    print_table(rows);
    std::printf("\n%zu definitions: %zu new, %zu exist, %zu conflict; %zu served by a template\n", rows.size(),
                counts[0], counts[1], counts[2], served);
    if (conflicts > 0) {
      std::printf("conflicts (the name exists with another definition; not written, not warmed; this model needs "
                  "them under other names):\n");
      for (const auto& r : rows)
        if (r.dedup.status == jit::DedupStatus::conflict)
          std::printf("  %s differs from %s in: %s\n", r.derived->definition.name.c_str(),
                      r.dedup.existing->path.c_str(), join(r.dedup.differences, ", ").c_str());
    }
    if (!derivation->notes.empty()) {
      std::printf("notes (what the definitions leave out or assume):\n");
      for (const auto& n : derivation->notes) std::printf("  - %s\n", n.c_str());
    }
    if (!a.out.empty())
      std::printf("wrote %zu new definition(s) under %s and %s (%zu existing definition(s) to tag)\n", written,
                  a.out.c_str(), (fs::path(a.out) / "tag_updates.jsonl").c_str(), tag_updates.size());
    std::fflush(stdout);
  }

  int rc = conflicts > 0 ? 1 : 0;
  // 4. Warm-up and check run on the non-conflicting definitions, with the new
  // ones on the search path.
  Globals session = globals;
  if (!new_dir.empty() && written > 0) session.definitions.push_back(new_dir.string());
  std::vector<std::string> names;
  for (const auto& r : rows)
    if (r.dedup.status != jit::DedupStatus::conflict && std::find(names.begin(), names.end(), r.name()) == names.end())
      names.push_back(r.name());

  if (a.warmup) {
    int open_rc = 0;
    auto jit = open_jit(session, &open_rc);
    if (!jit) return open_rc;
    std::vector<const jit::Definition*> defs;
    for (const auto& n : names)
      if (const jit::Definition* d = jit->find(n)) defs.push_back(d);
    if (!a.json) std::printf("\nwarm-up of %zu definition(s):\n", defs.size());
    WarmupOptions wo = a.warm.options(a.json ? WarmupOptions::Print::none : WarmupOptions::Print::table);
    auto outcome = warm_definitions(session, *jit, defs, wo);
    if (!outcome) return report(outcome.error());
    if (a.json) doc["warmup"] = outcome->report;
    if (outcome->failed > 0) rc = std::max(rc, 1);
  }

  if (a.check) {
    std::vector<std::string> served_names;
    for (const auto& r : rows)
      if (r.dedup.status != jit::DedupStatus::conflict && !r.served_by.empty() &&
          std::find(served_names.begin(), served_names.end(), r.name()) == served_names.end())
        served_names.push_back(r.name());
    auto devices = runtime::device_count();
    if (!devices || *devices == 0) {
      std::string why = devices ? "no CUDA device" : devices.error().message;
      std::string text = str_cat("check skipped: ", why, "; run `kjit model ", a.config, " --check` on a GPU machine");
      if (a.json) doc["check"] = {{"skipped", true}, {"reason", text}};
      else std::printf("\n%s\n", text.c_str());
    } else if (served_names.empty()) {
      if (a.json) doc["check"] = {{"skipped", true}, {"reason", "no definition of this model is served by a template"}};
      else std::printf("\ncheck skipped: no definition of this model is served by a template\n");
    } else {
      if (!a.json) std::printf("\ncheck of %zu served definition(s):\n", served_names.size());
      std::string captured;
      // check runs one arch: the first of --arch (the device's when none).
      const std::vector<std::string> archs = split_archs(a.warm.arch);
      auto code = run_check(session, served_names, archs.empty() ? std::string() : archs.front(), a.json,
                            a.json ? &captured : nullptr);
      if (!code) return report(code.error());
      if (a.json) {
        ordered_json results = ordered_json::array();
        std::size_t start = 0;
        while (start < captured.size()) {
          std::size_t nl = captured.find('\n', start);
          if (nl == std::string::npos) nl = captured.size();
          std::string line = captured.substr(start, nl - start);
          if (!line.empty()) {
            auto parsed = ordered_json::parse(line, nullptr, false);
            results.push_back(parsed.is_discarded() ? ordered_json(line) : parsed);
          }
          start = nl + 1;
        }
        doc["check"] = {{"skipped", false}, {"exit_code", *code}, {"results", results}};
      }
      if (*code != 0) rc = *code;
    }
  }
  if (a.json) std::printf("%s\n", doc.dump(2).c_str());
  return rc;
}

const CommandRegistrar registrar{{"model", "derive, deduplicate, warm and check every kernel a Hugging Face model needs",
                                  args_command(add_options, run), 28}};

}  // namespace
}  // namespace kjit::tools
