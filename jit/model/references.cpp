// Reference template lookup and substitution; see references.h.
//
// Thread safety: pure functions over constant data.
#include "jit/model/references.h"

#include <algorithm>
#include <set>

#include "jit/model/embedded_references.h"
#include "jit/util/str_cat.h"

namespace kjit::jit {

std::vector<std::string_view> reference_template_names() {
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < detail::k_embedded_reference_count; ++i)
    names.push_back(detail::k_embedded_references[i].name);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string_view> reference_template(std::string_view name) {
  for (std::size_t i = 0; i < detail::k_embedded_reference_count; ++i)
    if (detail::k_embedded_references[i].name == name) return detail::k_embedded_references[i].text;
  std::string known;
  for (auto n : reference_template_names()) known += (known.empty() ? "" : ", ") + std::string(n);
  return fail(ErrorCode::not_found, str_cat("no reference template '", name, "' (known: ", known, ")"));
}

Result<std::string> render_reference(std::string_view name, const ReferenceValues& values) {
  std::string_view text = KJIT_TRY(reference_template(name));
  std::string out;
  out.reserve(text.size() + 64);
  std::set<std::string, std::less<>> used;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos)
      return fail(ErrorCode::internal, str_cat("reference template '", name, "': '{{' without '}}'"));
    out.append(text.substr(pos, open - pos));
    std::string_view key = text.substr(open + 2, close - open - 2);
    auto it = values.find(key);
    if (it == values.end())
      return fail(ErrorCode::internal, str_cat("reference template '", name, "': no value for {{", key, "}}"));
    out += it->second;
    used.emplace(key);
    pos = close + 2;
  }
  for (const auto& [key, value] : values)
    if (!used.contains(key))
      return fail(ErrorCode::internal, str_cat("reference template '", name, "' has no placeholder {{", key, "}}"));
  return out;
}

}  // namespace kjit::jit
