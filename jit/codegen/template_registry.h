// TemplateRegistry: the templates under a templates root (each described by
// a `<op_type>/<variant>.kjit.json` manifest) and the rule that picks the
// one serving a definition — op type plus a structural match on inputs,
// outputs, axes and dtypes, never the definition's name (docs/templates.md).
//
// Thread safety: immutable after load(); match() is const and may run
// concurrently (it renders `require` expressions through the thread-safe
// Environment).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/util/error.h"
#include "jit/definition/definition.h"
#include "jit/template/environment.h"

namespace kjit::jit {

struct TemplateManifest {
  std::string id;                       // "rmsnorm/rmsnorm" (path below the root, without .kjit.json)
  std::filesystem::path manifest_path;
  std::filesystem::path source;         // absolute
  std::filesystem::path plan;           // absolute
  std::string description;
  int priority = 0;
  std::string op_type;
  std::vector<std::string> inputs, outputs, const_axes, var_axes;
  std::map<std::string, std::vector<std::string>> dtypes;
  std::vector<std::string> require;     // Jinja expressions over the context
};

class TemplateRegistry {
 public:
  // Loads every manifest below `root`; a malformed manifest is an error
  // naming the file and the field.
  static Result<TemplateRegistry> load(const std::filesystem::path& root);

  // The best template serving `def` (context already built for the arch),
  // or a no_template error `no template serves definition 'X' (op_type Y)`
  // whose details say, per candidate of the same op type, why it did not match.
  Result<const TemplateManifest*> match(const Definition& def, const nlohmann::json& context,
                                        const Environment& env) const;

  // The template that would serve `def` on `arch` (structure and `require`
  // expressions, as match() decides), or nullptr when none does or the
  // context cannot be built. For listings and "is it served" questions.
  const TemplateManifest* serving(const Definition& def, const std::string& arch, const Environment& env) const;

  // Cheap structural check without `require` expressions.
  const TemplateManifest* match_structure(const Definition& def) const;

  const std::vector<TemplateManifest>& all() const { return m_templates; }
  const std::filesystem::path& root() const { return m_root; }

 private:
  std::filesystem::path m_root;
  std::vector<TemplateManifest> m_templates;  // sorted by priority desc, then id
};

}  // namespace kjit::jit
