// Lookup helpers of the Definition value model; see definition.h.
//
// Thread safety: const member functions over immutable values.
#include "jit/definition/definition.h"

#include <algorithm>

namespace kjit::jit {
namespace {

template <class T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

const Axis* Definition::find_axis(std::string_view axis_name) const { return find_named(axes, axis_name); }

const TensorSpec* Definition::find_input(std::string_view tensor_name) const {
  return find_named(inputs, tensor_name);
}

const TensorSpec* Definition::find_output(std::string_view tensor_name) const {
  return find_named(outputs, tensor_name);
}

std::optional<std::int64_t> Definition::const_value(std::string_view axis_name) const {
  const Axis* axis = find_axis(axis_name);
  if (axis == nullptr || axis->kind != AxisKind::const_) return std::nullopt;
  return axis->value;
}

std::vector<std::string> Definition::tag_values(std::string_view key) const {
  std::vector<std::string> values;
  for (const auto& tag : tags) {
    if (tag.size() > key.size() && tag.compare(0, key.size(), key) == 0 && tag[key.size()] == ':')
      values.push_back(tag.substr(key.size() + 1));
  }
  return values;
}

}  // namespace kjit::jit
