// `kjit list [--op-type T] [--json]`: one line per definition on the search
// path: name, op_type, const axes (k=v), var axes, source folder and the
// template that serves it (`-` when none). Exit 3 when --op-type matches nothing.
//
// Thread safety: runs on the main thread.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "jit/definition/definition_set.h"
#include "tools/cli/command.h"
#include "tools/cli/jit_session.h"

namespace kjit::tools {
namespace {

struct ListOptions {
  std::string op_type;
  bool json = false;
};

struct Row {
  std::string name, op_type, const_axes, var_axes, source, tmpl;
};

// "builtin" for kjit's own definitions/, else the search folder as given.
std::string source_label(const jit::DefinitionSet& set, const jit::Definition& d, const Config& config) {
  std::filesystem::path dir = set.source_dir(d);
  std::error_code ec;
  if (!config.builtin_definitions_dir.empty() && std::filesystem::equivalent(dir, config.builtin_definitions_dir, ec))
    return "builtin";
  return dir.string();
}

Row make_row(const jit::DefinitionSet& set, const jit::Definition& d, const Config& config) {
  Row row{d.name, d.op_type, "", "", source_label(set, d, config), served_by(config, d)};
  for (const auto& axis : d.axes) {
    std::string& into = axis.kind == jit::AxisKind::const_ ? row.const_axes : row.var_axes;
    if (!into.empty()) into += ",";
    into += axis.kind == jit::AxisKind::const_ ? axis.name + "=" + std::to_string(axis.value) : axis.name;
  }
  if (row.const_axes.empty()) row.const_axes = "-";
  if (row.var_axes.empty()) row.var_axes = "-";
  if (row.tmpl.empty()) row.tmpl = "-";
  return row;
}

void print_table(const std::vector<Row>& rows) {
  Row header{"NAME", "OP_TYPE", "CONST_AXES", "VAR_AXES", "SOURCE", "TEMPLATE"};
  auto width = [&](auto field) {
    std::size_t w = (header.*field).size();
    for (const auto& r : rows) w = std::max(w, (r.*field).size());
    return static_cast<int>(w);
  };
  int wn = width(&Row::name), wo = width(&Row::op_type), wc = width(&Row::const_axes), wv = width(&Row::var_axes),
      ws = width(&Row::source);
  auto print = [&](const Row& r) {
    std::printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wn, r.name.c_str(), wo, r.op_type.c_str(), wc,
                r.const_axes.c_str(), wv, r.var_axes.c_str(), ws, r.source.c_str(), r.tmpl.c_str());
  };
  print(header);
  for (const auto& r : rows) print(r);
}

void add_options(CLI::App& sub, ListOptions& o) {
  sub.add_option("--op-type", o.op_type, "only definitions of this op type (e.g. rmsnorm, gqa_paged)");
  sub.add_flag("--json", o.json, "print a JSON array");
}

int run_list(const Globals& globals, const ListOptions& options) {
  Config config = globals.config();
  auto set = jit::DefinitionSet::load(config.definition_search_path());
  if (!set) return report(set.error());
  for (const auto& w : set->warnings()) std::fprintf(stderr, "kjit: warning: %s\n", w.c_str());
  std::vector<const jit::Definition*> defs;
  std::set<std::string> op_types;
  for (const jit::Definition* d : set->all()) {
    op_types.insert(d->op_type);
    if (options.op_type.empty() || d->op_type == options.op_type) defs.push_back(d);
  }
  if (defs.empty() && !options.op_type.empty()) {
    std::string known;
    for (const auto& t : op_types) known += (known.empty() ? "" : ", ") + t;
    return report(Error{ErrorCode::not_found, "no definitions with op_type '" + options.op_type +
                                                  "'; known op types: " + (known.empty() ? "(none)" : known), ""});
  }
  if (options.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const jit::Definition* d : defs) {
      nlohmann::ordered_json j;
      j["name"] = d->name;
      j["op_type"] = d->op_type;
      j["const_axes"] = nlohmann::ordered_json::object();
      j["var_axes"] = nlohmann::ordered_json::array();
      for (const auto& axis : d->axes) {
        if (axis.kind == jit::AxisKind::const_) j["const_axes"][axis.name] = axis.value;
        else j["var_axes"].push_back(axis.name);
      }
      j["source"] = source_label(*set, *d, config);
      j["file"] = d->path.string();
      std::string tmpl = served_by(config, *d);
      j["template"] = tmpl.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(tmpl);
      out.push_back(std::move(j));
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::vector<Row> rows;
  for (const jit::Definition* d : defs) rows.push_back(make_row(*set, *d, config));
  print_table(rows);
  return 0;
}

const CommandRegistrar registrar{{"list", "list the definitions on the search path",
                                  args_command(add_options, run_list), 10}};

}  // namespace
}  // namespace kjit::tools
