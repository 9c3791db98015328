// Input lookup, shape resolution and index reading for reference calls.
//
// Thread safety: pure functions over borrowed arguments.
#include "runtime/reference/call.h"

#include <cmath>

#include "runtime/dtype_convert.h"

namespace kjit::runtime::reference::detail {

const kjit::jit::TensorSpec* find_spec(const std::vector<kjit::jit::TensorSpec>& specs, std::string_view name) {
  for (const auto& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool has_input(const kjit::jit::Definition& def, std::string_view name) {
  return find_spec(def.inputs, name) != nullptr;
}

bool has_output(const kjit::jit::Definition& def, std::string_view name) {
  return find_spec(def.outputs, name) != nullptr;
}

Result<std::int64_t> axis(const Call& call, std::string_view name) {
  auto it = call.axes.find(std::string(name));
  if (it == call.axes.end()) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': axis '", name, "' has no value; bind every axis (const and var) before running the reference"));
  }
  return it->second;
}

Result<std::vector<std::int64_t>> resolve_shape(const Call& call, const kjit::jit::TensorSpec& spec) {
  std::vector<std::int64_t> shape;
  if (spec.is_scalar()) return shape;
  for (const auto& axis_name : *spec.shape) shape.push_back(KJIT_TRY(axis(call, axis_name)));
  return shape;
}

std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  std::int64_t count = 1;
  for (auto extent : shape) count *= extent;
  return count;
}

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Result<void> check_inputs(const Call& call, bool raw_ok) {
  for (const auto& spec : call.def.inputs) {
    auto it = call.inputs.find(spec.name);
    if (it == call.inputs.end()) {
      if (spec.optional) continue;
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': input '", spec.name, "' is missing"));
    }
    const RefTensor& tensor = it->second;
    auto expected = KJIT_TRY(resolve_shape(call, spec));
    if (tensor.is_raw()) {
      if (!raw_ok || spec.is_scalar()) {
        return fail(ErrorCode::invalid_argument,
                    str_cat("reference for '", call.def.name, "': input '", spec.name, "' is passed as a raw view, which this reference does not read"));
      }
      if (tensor.shape != expected || tensor.raw.dtype != spec.dtype ||
          tensor.raw.byte_size != storage_bytes(spec.dtype, element_count(expected))) {
        return fail(ErrorCode::invalid_argument,
                    str_cat("reference for '", call.def.name, "': raw input '", spec.name, "' is ", tensor.raw.byte_size, " bytes of ",
                            kjit::jit::dtype_name(tensor.raw.dtype), " shaped ", shape_string(tensor.shape), "; the definition and axes give ",
                            kjit::jit::dtype_name(spec.dtype), " ", shape_string(expected)));
      }
      continue;
    }
    if (spec.is_scalar()) {
      if (tensor.data.size() != 1) {
        return fail(ErrorCode::invalid_argument,
                    str_cat("reference for '", call.def.name, "': scalar input '", spec.name, "' has ", tensor.data.size(), " values, expected 1"));
      }
      continue;
    }
    if (tensor.shape != expected) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': input '", spec.name, "' has shape ", shape_string(tensor.shape), ", the definition and axes give ", shape_string(expected)));
    }
    if (static_cast<std::int64_t>(tensor.data.size()) != element_count(expected)) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': input '", spec.name, "' of shape ", shape_string(expected), " holds ", tensor.data.size(), " values, expected ", element_count(expected)));
    }
  }
  return {};
}

Result<const RefTensor*> input(const Call& call, std::string_view name) {
  if (!has_input(call.def, name)) {
    return fail(ErrorCode::internal,
                str_cat("reference for '", call.def.name, "': asked for undeclared input '", name, "'"));
  }
  auto it = call.inputs.find(std::string(name));
  if (it == call.inputs.end()) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': input '", name, "' is missing"));
  }
  return &it->second;
}

Result<double> scalar(const Call& call, std::string_view name) {
  const RefTensor* tensor = KJIT_TRY(input(call, name));
  if (tensor->data.size() != 1) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': scalar input '", name, "' has ", tensor->data.size(), " values, expected 1"));
  }
  return tensor->data[0];
}

Result<std::vector<std::int64_t>> integers(const Call& call, std::string_view name) {
  const RefTensor* tensor = KJIT_TRY(input(call, name));
  std::vector<std::int64_t> values(tensor->data.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    double v = tensor->data[i];
    if (!std::isfinite(v) || v != std::trunc(v) || std::fabs(v) > 9.0e15) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': index input '", name, "'[", i, "] = ", v, " is not an integer"));
    }
    values[i] = static_cast<std::int64_t>(v);
  }
  return values;
}

Result<void> check_indptr(const Call& call, const std::vector<std::int64_t>& indptr, std::string_view name, std::int64_t limit,
                          std::string_view limit_name) {
  for (std::size_t i = 0; i < indptr.size(); ++i) {
    if (indptr[i] < 0 || indptr[i] > limit) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': ", name, "[", i, "] = ", indptr[i], " is outside [0, ", limit, "] (", limit_name, ")"));
    }
    if (i > 0 && indptr[i] < indptr[i - 1]) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': ", name, " decreases at [", i, "]: ", indptr[i], " after ", indptr[i - 1], "; an indptr must be non-decreasing"));
    }
  }
  return {};
}

Result<RefTensor> make_output(const Call& call, std::string_view name, double fill) {
  const auto* spec = find_spec(call.def.outputs, name);
  if (!spec) {
    return fail(ErrorCode::internal,
                str_cat("reference for '", call.def.name, "': asked for undeclared output '", name, "'"));
  }
  RefTensor tensor;
  tensor.shape = KJIT_TRY(resolve_shape(call, *spec));
  tensor.data.assign(static_cast<std::size_t>(element_count(tensor.shape)), fill);
  return tensor;
}

}  // namespace kjit::runtime::reference::detail
