// Deduplication against the search path; see dedup.h. Structure comparison
// reuses lint's structure_signature() (a JSON array [op_type, axes, inputs,
// outputs]), so "same structure" means exactly what `kjit lint` means.
//
// Thread safety: immutable after construction.
#include "jit/model/dedup.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "jit/codegen/reference_constants.h"
#include "jit/definition/lint.h"
#include "jit/model/enum_names.h"
#include "jit/util/str_cat.h"

namespace kjit::jit {

namespace {

double as_double(const ReferenceConstant& c) {
  return std::visit([](auto v) { return static_cast<double>(v); }, c);
}

std::string constant_text(const ReferenceConstant& c) {
  return std::visit([](auto v) { return str_cat(v); }, c);
}

// Constants both references define with different values.
std::vector<std::string> constant_differences(const Definition& there, const Definition& here) {
  std::vector<std::string> out;
  auto theirs = reference_constants(there.reference);
  for (const auto& [name, value] : reference_constants(here.reference)) {
    auto it = theirs.find(name);
    if (it == theirs.end()) continue;
    double a = as_double(it->second), b = as_double(value);
    if (a == b || std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b))) continue;
    out.push_back(str_cat("constant ", name, " (", constant_text(it->second), " there, ", constant_text(value),
                          " here)"));
  }
  return out;
}

std::vector<std::string> structure_differences(const Definition& there, const Definition& here) {
  auto a = nlohmann::json::parse(structure_signature(there));
  auto b = nlohmann::json::parse(structure_signature(here));
  std::vector<std::string> out;
  const char* fields[] = {"op_type", "axes", "inputs", "outputs"};
  for (std::size_t i = 0; i < 4; ++i)
    if (a.at(i) != b.at(i)) out.push_back(fields[i]);
  return out;
}

std::vector<std::string> missing_tags(const Definition& there, const Definition& here) {
  std::vector<std::string> out;
  for (const auto& tag : here.tags) {
    bool wanted = tag.starts_with("model:") || tag.starts_with("tp:") || tag.starts_with("ep:");
    if (wanted && std::find(there.tags.begin(), there.tags.end(), tag) == there.tags.end()) out.push_back(tag);
  }
  return out;
}

}  // namespace

std::string_view to_string(DedupStatus status) {
  static constexpr EnumName<DedupStatus> k_names[] = {
      {DedupStatus::new_definition, "new"}, {DedupStatus::exists, "exists"}, {DedupStatus::conflict, "conflict"}};
  return enum_name(k_names, status);
}

DefinitionIndex::DefinitionIndex(const std::vector<const Definition*>& definitions) {
  for (const Definition* d : definitions) {
    m_by_name.emplace(d->name, d);
    m_by_structure.emplace(structure_signature(*d), d);
  }
}

DedupResult DefinitionIndex::classify(const Definition& derived) const {
  DedupResult r;
  if (auto it = m_by_name.find(derived.name); it != m_by_name.end()) {
    r.existing = it->second;
    r.differences = structure_differences(*it->second, derived);
    auto constants = constant_differences(*it->second, derived);
    r.differences.insert(r.differences.end(), constants.begin(), constants.end());
    r.status = r.differences.empty() ? DedupStatus::exists : DedupStatus::conflict;
    if (r.status == DedupStatus::exists) r.missing_tags = missing_tags(*it->second, derived);
    return r;
  }
  auto [first, last] = m_by_structure.equal_range(structure_signature(derived));
  for (auto it = first; it != last; ++it) {
    if (!constant_differences(*it->second, derived).empty()) continue;
    r.status = DedupStatus::exists;
    r.existing = it->second;
    r.missing_tags = missing_tags(*it->second, derived);
    return r;
  }
  return r;
}

}  // namespace kjit::jit
