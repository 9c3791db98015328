// Environment implementation: file loading, include resolution, the parse
// cache (by XXH3-64 content hash) and conversion of engine exceptions into
// kjit::Error (see environment.h).
//
// Thread safety: the parse cache is guarded by a shared_mutex; everything else
// lives in a per-render RenderSession.
#include "jit/template/environment.h"

#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <unordered_map>

#include <xxhash.h>

#include "jit/template/context_json.h"
#include "jit/template/parser.h"
#include "jit/template/renderer.h"
#include "jit/template/template_error.h"
#include "jit/util/hash.h"

namespace kjit::jit {
namespace detail {

namespace {

constexpr std::size_t k_max_cached_templates = 4096;

std::optional<std::string> read_file(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

}  // namespace

class EnvironmentImpl {
 public:
  explicit EnvironmentImpl(std::vector<std::filesystem::path> search_path) : m_search_path(std::move(search_path)) {}

  const std::vector<std::filesystem::path>& search_path() const { return m_search_path; }

  // Parsed template for `source` (hash `hash`), from the cache or parsed now.
  // Throws TemplateError on syntax errors (not cached).
  std::shared_ptr<const ParsedTemplate> parsed(const std::string& source, std::uint64_t hash) const {
    {
      std::shared_lock lock(m_mutex);
      auto it = m_cache.find(hash);
      if (it != m_cache.end() && it->second->source == source) return it->second;
    }
    auto t = parse_template(source);
    std::unique_lock lock(m_mutex);
    if (m_cache.size() >= k_max_cached_templates) m_cache.clear();
    m_cache[hash] = t;
    return t;
  }

 private:
  std::vector<std::filesystem::path> m_search_path;
  mutable std::shared_mutex m_mutex;
  mutable std::unordered_map<std::uint64_t, std::shared_ptr<const ParsedTemplate>> m_cache;
};

// State of one render: loaded units (stable addresses), file names for the
// line map, dependencies.
class RenderSession final : public IncludeLoader {
 public:
  explicit RenderSession(const EnvironmentImpl& env) : m_env(env) {}

  // Loads `source` as a unit named `name`; parse errors throw TemplateError
  // pointing into this unit.
  const Unit& add_unit(std::string name, std::filesystem::path dir, const std::string& source, bool is_file) {
    std::uint64_t h = XXH3_64bits(source.data(), source.size());
    if (is_file) {
      XXH64_canonical_t digest;  // big-endian: the hex reads as the number
      XXH64_canonicalFromHash(&digest, h);
      m_deps.push_back({name, to_hex(digest.digest)});
    }
    auto unit = std::make_unique<Unit>();
    unit->name = std::move(name);
    unit->dir = std::move(dir);
    unit->file_id = static_cast<int>(m_units.size());
    Unit& ref = *unit;
    m_units.push_back(std::move(unit));
    try {
      ref.parsed = m_env.parsed(source, h);
    } catch (TemplateError& e) {
      auto stub = std::make_shared<ParsedTemplate>();
      stub->source = source;
      ref.parsed = std::move(stub);
      e.unit = &ref;
      throw;
    }
    return ref;
  }

  // The folders includes may read from: the search path and the root
  // template's own folder (see environment.h).
  void set_root_dir(const std::filesystem::path& dir) {
    m_roots.clear();
    m_roots.push_back(absolute_normal(dir));
    for (const auto& d : m_env.search_path()) m_roots.push_back(absolute_normal(d));
  }

  const Unit* load(const std::string& name, const Unit& from) override {
    std::filesystem::path rel(name);
    // A template (an overlay, a file passed to `kjit render --template`) is
    // hostile input: it may not read files outside the template folders, or
    // the rendered text (and NVRTC's log of it) would disclose them.
    if (rel.is_absolute() || name.find('\0') != std::string::npos)
      throw_render_error("include '" + name + "' refused: absolute paths are not allowed; name the template "
                         "relative to the including template's folder or the search path");
    std::vector<std::filesystem::path> candidates;
    candidates.push_back(from.dir / rel);
    for (const auto& d : m_env.search_path()) candidates.push_back(d / rel);
    bool outside = false;
    for (const auto& c : candidates) {
      if (!inside_roots(c)) {
        outside = true;
        continue;
      }
      std::string key = c.lexically_normal().string();
      if (auto it = m_loaded.find(key); it != m_loaded.end()) return it->second;
      auto text = read_file(c);
      if (!text) continue;
      const Unit& u = add_unit(key, c.parent_path(), *text, true);
      m_loaded[key] = &u;
      return &u;
    }
    if (outside) {
      std::string roots;
      for (const auto& r : m_roots) roots += (roots.empty() ? "" : ", ") + r.string();
      throw_render_error("include '" + name + "' refused: it resolves outside the template folders (" + roots +
                         "); add the folder to the search path (`kjit render --search-path DIR`)");
    }
    return nullptr;
  }

  Rendered finish(Renderer& r) {
    Rendered out;
    out.text = std::move(r.text());
    out.line_map.reserve(r.lines().size());
    for (const auto& e : r.lines()) out.line_map.push_back({m_units[static_cast<std::size_t>(e.file_id)]->name, e.line});
    out.dependencies = std::move(m_deps);
    return out;
  }

 private:
  static std::filesystem::path absolute_normal(const std::filesystem::path& p) {
    std::error_code ec;
    std::filesystem::path a = std::filesystem::absolute(p.empty() ? std::filesystem::path(".") : p, ec);
    return (ec ? p : a).lexically_normal();
  }

  // Lexically inside one of m_roots (symbolic links are not resolved: the
  // operator's template folders may use them; an attacker's template cannot
  // create one).
  bool inside_roots(const std::filesystem::path& candidate) const {
    const std::filesystem::path c = absolute_normal(candidate);
    for (const auto& root : m_roots) {
      auto r = root.begin();
      auto it = c.begin();
      for (; r != root.end() && it != c.end() && *r == *it; ++r, ++it) {
      }
      // A trailing empty element ("dir/") matches anything.
      if (r == root.end() || (std::next(r) == root.end() && r->empty())) return true;
    }
    return false;
  }

  const EnvironmentImpl& m_env;
  std::vector<std::filesystem::path> m_roots;
  std::vector<std::unique_ptr<Unit>> m_units;
  std::map<std::string, const Unit*> m_loaded;
  std::vector<TemplateDependency> m_deps;
};

namespace {

Error to_error(const TemplateError& e, std::string_view root_name) {
  std::string message;
  if (e.unit && e.unit->parsed) {
    message = format_location(e.unit->name, e.unit->parsed->source, e.offset, e.message);
  } else {
    message = std::string(root_name) + ": " + e.message;
  }
  return Error{e.code, std::move(message), {}};
}

template <class J>
Result<Rendered> render_source(const EnvironmentImpl& env, std::string name, std::filesystem::path dir,
                               const std::string& source, bool is_file, const J& context) {
  if (!context.is_object() && !context.is_null())
    return fail(ErrorCode::invalid_argument, name + ": the template context must be a JSON object, got " +
                                                 std::string(context.type_name()));
  RenderSession session(env);
  session.set_root_dir(dir);
  Renderer renderer(session);
  try {
    const Unit& root = session.add_unit(name, std::move(dir), source, is_file);
    renderer.render(root, context_scope(context));
  } catch (const TemplateError& e) {
    return std::unexpected(to_error(e, name));
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::render_error, name + ": out of memory while rendering");
  }
  return session.finish(renderer);
}

}  // namespace
}  // namespace detail

Environment::Environment(std::vector<std::filesystem::path> search_path)
    : m_impl(std::make_unique<detail::EnvironmentImpl>(std::move(search_path))) {}

Environment::~Environment() = default;

Result<Rendered> Environment::render_file(const std::filesystem::path& file, const nlohmann::json& context) const {
  auto text = detail::read_file(file);
  if (!text) return fail(ErrorCode::not_found, "template file not found: " + file.string());
  return detail::render_source(*m_impl, file.string(), file.parent_path(), *text, true, context);
}

Result<Rendered> Environment::render_file(const std::filesystem::path& file,
                                          const nlohmann::ordered_json& context) const {
  auto text = detail::read_file(file);
  if (!text) return fail(ErrorCode::not_found, "template file not found: " + file.string());
  return detail::render_source(*m_impl, file.string(), file.parent_path(), *text, true, context);
}

Result<Rendered> Environment::render_string(std::string_view source, std::string_view name,
                                            const nlohmann::json& context) const {
  std::filesystem::path dir = std::filesystem::path(name).parent_path();
  return detail::render_source(*m_impl, std::string(name), dir, std::string(source), false, context);
}

Result<Rendered> Environment::render_string(std::string_view source, std::string_view name,
                                            const nlohmann::ordered_json& context) const {
  std::filesystem::path dir = std::filesystem::path(name).parent_path();
  return detail::render_source(*m_impl, std::string(name), dir, std::string(source), false, context);
}

}  // namespace kjit::jit
