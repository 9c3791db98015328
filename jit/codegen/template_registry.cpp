// Template manifests and the structural matching rule; see
// template_registry.h.
#include "jit/codegen/template_registry.h"

#include "jit/codegen/context.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "jit/util/json_limits.h"

namespace kjit::jit {
namespace {

Result<std::vector<std::string>> string_list(const nlohmann::json& j, const std::string& where) {
  std::vector<std::string> out;
  if (!j.is_array()) return fail(ErrorCode::invalid_argument, where + ": expected an array of strings");
  for (const auto& v : j) {
    if (!v.is_string()) return fail(ErrorCode::invalid_argument, where + ": expected an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<TemplateManifest> load_manifest(const std::filesystem::path& root, const std::filesystem::path& file) {
  // Manifests are outside input (overlay folders): bounded JSON.
  auto text = read_file_bounded(file);
  if (!text) return fail(ErrorCode::io_error, "cannot read template manifest " + file.string() + ": " + text.error().message);
  nlohmann::json j = KJIT_TRY(parse_json(*text, file.string()));
  std::string where = file.string();
  if (!j.is_object()) return fail(ErrorCode::invalid_argument, where + ": expected a JSON object");
  TemplateManifest m;
  m.manifest_path = file;
  std::string rel = std::filesystem::relative(file, root).generic_string();
  m.id = rel.substr(0, rel.size() - std::string(".kjit.json").size());
  for (const char* field : {"source", "plan", "serves"})
    if (!j.contains(field)) return fail(ErrorCode::invalid_argument, where + ": missing \"" + field + "\"");
  if (!j["source"].is_string() || !j["plan"].is_string())
    return fail(ErrorCode::invalid_argument, where + ": \"source\" and \"plan\" must be file names");
  m.source = file.parent_path() / j["source"].get<std::string>();
  m.plan = file.parent_path() / j["plan"].get<std::string>();
  for (const auto& p : {m.source, m.plan})
    if (!std::filesystem::exists(p))
      return fail(ErrorCode::not_found, where + ": names " + p.string() + ", which does not exist");
  m.description = j.value("description", "");
  if (j.contains("priority")) {
    if (!j["priority"].is_number_integer())
      return fail(ErrorCode::invalid_argument, where + ": \"priority\" must be an integer");
    m.priority = j["priority"].get<int>();
  }
  const auto& s = j["serves"];
  if (!s.is_object() || !s.contains("op_type") || !s["op_type"].is_string())
    return fail(ErrorCode::invalid_argument, where + ": \"serves\" needs an \"op_type\" string");
  m.op_type = s["op_type"];
  if (s.contains("inputs")) m.inputs = KJIT_TRY(string_list(s["inputs"], where + ": serves.inputs"));
  if (s.contains("outputs")) m.outputs = KJIT_TRY(string_list(s["outputs"], where + ": serves.outputs"));
  if (s.contains("const_axes")) m.const_axes = KJIT_TRY(string_list(s["const_axes"], where + ": serves.const_axes"));
  if (s.contains("var_axes")) m.var_axes = KJIT_TRY(string_list(s["var_axes"], where + ": serves.var_axes"));
  if (s.contains("require")) m.require = KJIT_TRY(string_list(s["require"], where + ": serves.require"));
  if (s.contains("dtypes")) {
    if (!s["dtypes"].is_object()) return fail(ErrorCode::invalid_argument, where + ": serves.dtypes must be an object");
    for (auto& [tensor, list] : s["dtypes"].items())
      m.dtypes[tensor] = KJIT_TRY(string_list(list, where + ": serves.dtypes." + tensor));
  }
  return m;
}

std::set<std::string> names_of(const std::vector<TensorSpec>& specs) {
  std::set<std::string> out;
  for (const auto& s : specs) out.insert(s.name);
  return out;
}

// Empty when the structure matches, else the reason it does not.
std::string structural_mismatch(const TemplateManifest& m, const Definition& def) {
  if (m.op_type != def.op_type) return "op_type " + m.op_type;
  if (!m.inputs.empty() && std::set<std::string>(m.inputs.begin(), m.inputs.end()) != names_of(def.inputs))
    return "inputs differ";
  if (!m.outputs.empty() && std::set<std::string>(m.outputs.begin(), m.outputs.end()) != names_of(def.outputs))
    return "outputs differ";
  for (const auto& a : m.const_axes) {
    const Axis* axis = def.find_axis(a);
    if (!axis || axis->kind != AxisKind::const_) return "needs const axis '" + a + "'";
  }
  for (const auto& a : m.var_axes) {
    const Axis* axis = def.find_axis(a);
    if (!axis || axis->kind != AxisKind::var) return "needs var axis '" + a + "'";
  }
  for (const auto& [tensor, allowed] : m.dtypes) {
    const TensorSpec* t = def.find_input(tensor);
    if (!t) t = def.find_output(tensor);
    if (!t) return "no tensor '" + tensor + "'";
    if (std::find(allowed.begin(), allowed.end(), dtype_name(t->dtype)) == allowed.end())
      return "dtype of '" + tensor + "' is " + std::string(dtype_name(t->dtype));
  }
  return {};
}

}  // namespace

Result<TemplateRegistry> TemplateRegistry::load(const std::filesystem::path& root) {
  TemplateRegistry reg;
  reg.m_root = root;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    return fail(ErrorCode::not_found, "template folder " + root.string() +
                                          " does not exist (set --templates or KJIT_TEMPLATES)");
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const auto& p = it->path();
    std::string fname = p.filename().string();
    if (it->is_regular_file() && fname.size() > 10 && fname.ends_with(".kjit.json"))
      reg.m_templates.push_back(KJIT_TRY(load_manifest(root, p)));
  }
  if (ec) return fail(ErrorCode::io_error, "cannot list " + root.string() + ": " + ec.message());
  std::sort(reg.m_templates.begin(), reg.m_templates.end(), [](const auto& a, const auto& b) {
    return a.priority != b.priority ? a.priority > b.priority : a.id < b.id;
  });
  return reg;
}

const TemplateManifest* TemplateRegistry::match_structure(const Definition& def) const {
  for (const auto& m : m_templates)
    if (structural_mismatch(m, def).empty()) return &m;
  return nullptr;
}

Result<const TemplateManifest*> TemplateRegistry::match(const Definition& def, const nlohmann::json& context,
                                                        const Environment& env) const {
  std::ostringstream why;
  for (const auto& m : m_templates) {
    if (m.op_type != def.op_type) continue;
    std::string reason = structural_mismatch(m, def);
    for (std::size_t i = 0; reason.empty() && i < m.require.size(); ++i) {
      std::string probe = "{% if " + m.require[i] + " %}1{% else %}0{% endif %}";
      auto r = env.render_string(probe, m.manifest_path.string() + ": require[" + std::to_string(i) + "]", context);
      if (!r) return fail(ErrorCode::render_error, r.error().message);
      if (r->text != "1") reason = "requires " + m.require[i];
    }
    if (reason.empty()) return &m;
    why << "  " << m.id << ": " << reason << "\n";
  }
  std::string details = why.str();
  if (details.empty()) details = "  no template has op_type '" + def.op_type + "'\n";
  details.pop_back();
  return fail(ErrorCode::no_template,
              "no template serves definition '" + def.name + "' (op_type " + def.op_type + ")", details);
}

const TemplateManifest* TemplateRegistry::serving(const Definition& def, const std::string& arch,
                                                  const Environment& env) const {
  auto context = build_context(def, arch);
  if (!context) return nullptr;
  auto m = match(def, *context, env);
  return m ? *m : nullptr;
}

}  // namespace kjit::jit
