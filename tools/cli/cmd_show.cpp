// `kjit show NAME [--key-inputs] [--json]`: everything about one definition: op_type,
// description, tags, axes, inputs and outputs (dtype, shape or `scalar`),
// constraints, file and template. Unknown NAME: exit 3 with close names.
// `--key-inputs` prints instead the tagged fields the cache key hashes for
// `--arch` (or the default arch), and the key.
//
// Adding an option: add a field to ShowOptions, register it in setup(), and
// add a section to show_json()/print_text() (or a separate branch in
// run_show()) that reads it.
//
// Thread safety: runs on the main thread.
#include <algorithm>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "jit/definition/definition_set.h"
#include "tools/cli/command.h"
#include "tools/cli/jit_session.h"

namespace kjit::tools {
namespace {

using Json = nlohmann::ordered_json;

struct ShowOptions {
  std::string name;
  bool json = false;
  bool key_inputs = false;
  std::string arch;
};

std::string shape_text(const jit::TensorSpec& t) {
  if (t.is_scalar()) return "scalar";
  std::string out = "[";
  for (std::size_t i = 0; i < t.shape->size(); ++i) out += (i ? ", " : "") + (*t.shape)[i];
  return out + "]";
}

Json tensors_json(const std::vector<jit::TensorSpec>& tensors) {
  Json out = Json::array();
  for (const auto& t : tensors) {
    Json j;
    j["name"] = t.name;
    j["dtype"] = std::string(jit::dtype_name(t.dtype));
    j["shape"] = t.shape ? Json(*t.shape) : Json(nullptr);
    if (t.optional) j["optional"] = true;
    j["description"] = t.description;
    out.push_back(std::move(j));
  }
  return out;
}

Json show_json(const jit::Definition& d, const Config& config) {
  Json j;
  j["name"] = d.name;
  j["op_type"] = d.op_type;
  j["description"] = d.description;
  j["tags"] = d.tags;
  j["axes"] = Json::array();
  for (const auto& a : d.axes) {
    Json axis;
    axis["name"] = a.name;
    axis["type"] = a.kind == jit::AxisKind::const_ ? "const" : "var";
    if (a.kind == jit::AxisKind::const_) axis["value"] = a.value;
    axis["description"] = a.description;
    j["axes"].push_back(std::move(axis));
  }
  j["inputs"] = tensors_json(d.inputs);
  j["outputs"] = tensors_json(d.outputs);
  j["constraints"] = d.constraints;
  j["file"] = d.path.string();
  std::string tmpl = served_by(config, d);
  j["template"] = tmpl.empty() ? Json(nullptr) : Json(tmpl);
  return j;
}

void print_tensors(const char* title, const std::vector<jit::TensorSpec>& tensors) {
  std::printf("%s:\n", title);
  std::size_t w = 0;
  for (const auto& t : tensors) w = std::max(w, t.name.size());
  for (const auto& t : tensors) {
    std::printf("  %-*s  %-13s  %s%s", static_cast<int>(w), t.name.c_str(), std::string(jit::dtype_name(t.dtype)).c_str(),
                shape_text(t).c_str(), t.optional ? "  (optional)" : "");
    if (!t.description.empty()) std::printf("  # %s", t.description.c_str());
    std::printf("\n");
  }
}

void print_text(const jit::Definition& d, const Config& config) {
  std::string tmpl = served_by(config, d);
  std::printf("name:        %s\n", d.name.c_str());
  std::printf("op_type:     %s\n", d.op_type.c_str());
  std::printf("description: %s\n", d.description.c_str());
  std::string tags;
  for (const auto& t : d.tags) tags += (tags.empty() ? "" : ", ") + t;
  std::printf("tags:        %s\n", tags.empty() ? "-" : tags.c_str());
  std::printf("file:        %s\n", d.path.string().c_str());
  std::printf("template:    %s\n", tmpl.empty() ? "-" : tmpl.c_str());
  std::printf("axes:\n");
  std::size_t w = 0;
  for (const auto& a : d.axes) w = std::max(w, a.name.size());
  for (const auto& a : d.axes) {
    std::string kind = a.kind == jit::AxisKind::const_ ? "const " + std::to_string(a.value) : "var";
    std::printf("  %-*s  %s", static_cast<int>(w), a.name.c_str(), kind.c_str());
    if (!a.description.empty())
      std::printf("%*s  # %s", static_cast<int>(12 - std::min<std::size_t>(12, kind.size())), "", a.description.c_str());
    std::printf("\n");
  }
  print_tensors("inputs", d.inputs);
  print_tensors("outputs", d.outputs);
  std::printf("constraints:%s\n", d.constraints.empty() ? " -" : "");
  for (const auto& c : d.constraints) std::printf("  %s\n", c.c_str());
}

void add_options(CLI::App& sub, ShowOptions& o) {
  sub.add_option("NAME", o.name, "definition name (see `kjit list`)")->required();
  sub.add_flag("--json", o.json, "print one JSON object");
  sub.add_flag("--key-inputs", o.key_inputs, "print the tagged fields of the cache key and the key");
  sub.add_option("--arch", o.arch, "arch for --key-inputs (env KJIT_ARCH)");
}

int run_key_inputs(const ShowOptions& options, const Globals& globals) {
  int rc = 0;
  auto jit = open_jit(globals, &rc);
  if (!jit) return rc;
  std::string arch = resolve_arch(globals, options.arch);
  auto key = jit->key(options.name, arch);
  if (!key) return report(key.error());
  if (options.json) {
    Json j;
    j["name"] = options.name;
    j["arch"] = arch;
    j["key"] = key->hex;
    Json fields = Json::array();
    for (const auto& [tag, value] : key->fields) fields.push_back({{"tag", tag}, {"value", value}});
    j["fields"] = fields;
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("key inputs of %s for %s (XXH3-128 over these tagged fields, in order):\n", options.name.c_str(),
              arch.c_str());
  for (const auto& [tag, value] : key->fields) std::printf("  %-20s %s\n", tag.c_str(), value.c_str());
  std::printf("key %s\n", key->hex.c_str());
  return 0;
}

int run_show(const Globals& globals, const ShowOptions& options) {
  if (options.key_inputs) return run_key_inputs(options, globals);
  const Config config = globals.config();
  auto set = jit::DefinitionSet::load(config.definition_search_path());
  if (!set) return report(set.error());
  auto found = set->get(options.name);
  if (!found) {
    for (const auto& w : set->warnings()) std::fprintf(stderr, "kjit: warning: %s\n", w.c_str());
    return report(found.error());
  }
  const jit::Definition& d = **found;
  if (options.json) {
    std::printf("%s\n", show_json(d, config).dump(2).c_str());
  } else {
    print_text(d, config);
  }
  return 0;
}

const CommandRegistrar registrar{{"show", "show one definition: axes, inputs, outputs, file, template",
                                  args_command(add_options, run_show), 20}};

}  // namespace
}  // namespace kjit::tools
