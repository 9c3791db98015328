// Lint and the dedup report; see lint.h.
//
// Thread safety: pure functions over the filesystem.
#include "jit/definition/lint.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "jit/definition/definition_set.h"
#include "jit/definition/parse.h"
#include "jit/definition/validate.h"

namespace kjit::jit {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

Json axes_json(const Definition& d) {
  std::vector<const Axis*> axes;
  for (const auto& a : d.axes) axes.push_back(&a);
  std::sort(axes.begin(), axes.end(), [](const Axis* a, const Axis* b) { return a->name < b->name; });
  Json out = Json::array();
  for (const Axis* a : axes) {
    if (a->kind == AxisKind::const_) out.push_back({a->name, "const", a->value});
    else out.push_back({a->name, "var"});
  }
  return out;
}

Json tensors_json(const std::vector<TensorSpec>& tensors) {
  Json out = Json::array();
  for (const auto& t : tensors) {
    Json shape = t.shape ? Json(*t.shape) : Json(nullptr);
    out.push_back({t.name, shape, dtype_name(t.dtype), t.optional});
  }
  return out;
}

std::string collapse_whitespace(const std::string& text) {
  std::string out;
  bool in_space = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (space) {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out += ' ';
    in_space = false;
    out += c;
  }
  return out;
}

std::vector<std::string> models_of(const Definition& d) {
  std::vector<std::string> models = d.tag_values("model");
  std::sort(models.begin(), models.end());
  models.erase(std::unique(models.begin(), models.end()), models.end());
  return models;
}

void merge_sorted(std::vector<std::string>& into, const std::vector<std::string>& more) {
  into.insert(into.end(), more.begin(), more.end());
  std::sort(into.begin(), into.end());
  into.erase(std::unique(into.begin(), into.end()), into.end());
}

// Groups the first definition of each distinct name by `signature`; keeps groups of >= 2 names.
template <class SignatureFn>
std::vector<DefinitionGroup> group_by(const std::vector<const Definition*>& firsts, SignatureFn signature) {
  std::map<std::string, DefinitionGroup> groups;
  for (const Definition* d : firsts) {
    DefinitionGroup& g = groups[signature(*d)];
    g.names.push_back(d->name);
    g.files.push_back(d->path);
    merge_sorted(g.models, models_of(*d));
  }
  std::vector<DefinitionGroup> out;
  for (auto& [sig, g] : groups)
    if (g.names.size() >= 2) out.push_back(std::move(g));
  std::sort(out.begin(), out.end(),
            [](const DefinitionGroup& a, const DefinitionGroup& b) { return a.names < b.names; });
  return out;
}

Json group_json(const DefinitionGroup& g) {
  Json j;
  j["names"] = g.names;
  Json files = Json::array();
  for (const auto& f : g.files) files.push_back(f.string());
  j["files"] = files;
  j["models"] = g.models;
  return j;
}

Json paths_json(const std::vector<fs::path>& paths) {
  Json out = Json::array();
  for (const auto& p : paths) out.push_back(p.string());
  return out;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::string join_paths(const std::vector<fs::path>& paths) {
  std::vector<std::string> s;
  for (const auto& p : paths) s.push_back(p.string());
  return join(s, ", ");
}

void dedup_report(const std::vector<Definition>& defs, LintReport& report) {
  // Files per name, in load order.
  std::vector<std::string> order;
  std::unordered_map<std::string, std::vector<const Definition*>> by_name;
  for (const auto& d : defs) {
    auto& list = by_name[d.name];
    if (list.empty()) order.push_back(d.name);
    list.push_back(&d);
  }
  std::sort(order.begin(), order.end());
  std::vector<const Definition*> firsts;
  for (const auto& name : order) {
    const auto& list = by_name[name];
    firsts.push_back(list.front());
    std::vector<std::string> models;
    for (const Definition* d : list) merge_sorted(models, models_of(*d));
    if (models.size() >= 2) report.shared_across_models[name] = models;
    if (list.size() < 2) continue;
    DuplicateName dup{name, {}, true};
    std::set<std::string> differing;
    for (const Definition* d : list) {
      dup.files.push_back(d->path);
      if (!same_content(*list.front(), *d)) dup.identical = false;
      const Definition& a = *list.front();
      if (d->op_type != a.op_type) differing.insert("op_type");
      if (axes_json(*d) != axes_json(a)) differing.insert("axes");
      if (tensors_json(d->inputs) != tensors_json(a.inputs)) differing.insert("inputs");
      if (tensors_json(d->outputs) != tensors_json(a.outputs)) differing.insert("outputs");
    }
    if (!differing.empty()) {
      NameConflict conflict{name, dup.files, {}};
      for (const char* field : {"op_type", "axes", "inputs", "outputs"})
        if (differing.contains(field)) conflict.fields.push_back(field);
      report.conflicts.push_back(std::move(conflict));
    }
    report.duplicates.push_back(std::move(dup));
  }
  report.identical_but_name = group_by(firsts, identity_signature);
  for (auto& g : group_by(firsts, structure_signature))
    if (g.models.size() >= 2) report.structurally_shared.push_back(std::move(g));
}

}  // namespace

std::string structure_signature(const Definition& d) {
  Json sig = {d.op_type, axes_json(d), tensors_json(d.inputs), tensors_json(d.outputs)};
  return sig.dump();
}

std::string identity_signature(const Definition& d) {
  std::string reference = d.reference;
  if (!d.name.empty())
    for (auto pos = reference.find(d.name); pos != std::string::npos; pos = reference.find(d.name, pos + 1))
      reference.replace(pos, d.name.size(), "\x01");
  return structure_signature(d) + "\n" + collapse_whitespace(reference);
}

Result<LintReport> lint(const std::vector<fs::path>& paths) {
  LintReport report;
  std::vector<Definition> defs;
  for (const auto& path : paths) {
    std::error_code ec;
    std::vector<fs::path> files;
    fs::path root;
    if (fs::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      files = KJIT_TRY(list_json_files(path));
      root = path;
    }
    for (const auto& file : files) {
      FileParse parsed = parse_definition_file(file);
      if (parsed.definition) {
        auto location = validate_location(*parsed.definition, file, root);
        parsed.issues.insert(parsed.issues.end(), location.begin(), location.end());
      }
      for (auto& issue : parsed.issues)
        (issue.severity == Severity::error ? report.errors : report.warnings).push_back(std::move(issue));
      if (parsed.definition) {
        ++report.valid;
        defs.push_back(std::move(*parsed.definition));
      } else {
        ++report.invalid;
      }
    }
  }
  dedup_report(defs, report);
  return report;
}

Json LintReport::to_json() const {
  Json j;
  j["valid"] = valid;
  j["invalid"] = invalid;
  j["errors"] = Json::array();
  for (const auto& e : errors) j["errors"].push_back(e.to_json());
  j["warnings"] = Json::array();
  for (const auto& w : warnings) j["warnings"].push_back(w.to_json());
  j["duplicates"] = Json::array();
  for (const auto& d : duplicates)
    j["duplicates"].push_back({{"name", d.name}, {"files", paths_json(d.files)}, {"identical", d.identical}});
  j["conflicts"] = Json::array();
  for (const auto& c : conflicts)
    j["conflicts"].push_back({{"name", c.name}, {"files", paths_json(c.files)}, {"fields", c.fields}});
  j["identical_but_name"] = Json::array();
  for (const auto& g : identical_but_name) j["identical_but_name"].push_back(group_json(g));
  j["shared_across_models"] = Json::object();
  for (const auto& [name, models] : shared_across_models) j["shared_across_models"][name] = models;
  j["structurally_shared"] = Json::array();
  for (const auto& g : structurally_shared) j["structurally_shared"].push_back(group_json(g));
  return j;
}

std::string LintReport::to_text() const {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  for (const auto& w : warnings) out += w.to_string() + "\n";
  out += std::to_string(valid) + " valid, " + std::to_string(invalid) + " invalid\n";
  if (!duplicates.empty()) {
    out += "duplicates (" + std::to_string(duplicates.size()) + "):\n";
    for (const auto& d : duplicates)
      out += "  " + d.name + (d.identical ? " (identical)" : " (content differs)") + ": " + join_paths(d.files) +
             "\n";
  }
  if (!conflicts.empty()) {
    out += "conflicts (" + std::to_string(conflicts.size()) + "):\n";
    for (const auto& c : conflicts)
      out += "  " + c.name + ": " + join(c.fields, ", ") + " differ between " + join_paths(c.files) + "\n";
  }
  if (!identical_but_name.empty()) {
    out += "identical but for the name (" + std::to_string(identical_but_name.size()) + " groups):\n";
    for (const auto& g : identical_but_name) out += "  " + join(g.names, ", ") + "\n";
  }
  if (!shared_across_models.empty()) {
    out += "shared across models (" + std::to_string(shared_across_models.size()) + "):\n";
    for (const auto& [name, models] : shared_across_models) out += "  " + name + ": " + join(models, ", ") + "\n";
  }
  if (!structurally_shared.empty()) {
    out += "same structure, different names, several models (" + std::to_string(structurally_shared.size()) +
           " groups):\n";
    for (const auto& g : structurally_shared)
      out += "  " + join(g.names, ", ") + " [" + join(g.models, ", ") + "]\n";
  }
  return out;
}

}  // namespace kjit::jit
