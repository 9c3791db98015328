// The shared plumbing of one reference call: looking up declared inputs and
// outputs, resolving their shapes from the bound axes, checking the given
// tensors against them, and reading index arrays (indptr, indices) as
// integers with named errors.
//
// Thread safety: `Call` only borrows its arguments; helpers are pure reads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "jit/util/error.h"
#include "jit/util/str_cat.h"
#include "jit/definition/definition.h"
#include "runtime/reference/reference.h"

namespace kjit::runtime::reference::detail {

struct Call {
  const kjit::jit::Definition& def;
  const std::map<std::string, std::int64_t>& axes;
  const TensorMap& inputs;
  unsigned threads = 1;  // resolved worker count (>= 1)
};

const kjit::jit::TensorSpec* find_spec(const std::vector<kjit::jit::TensorSpec>& specs, std::string_view name);
bool has_input(const kjit::jit::Definition& def, std::string_view name);
bool has_output(const kjit::jit::Definition& def, std::string_view name);

// The value bound to axis `name`; invalid_argument when unbound.
Result<std::int64_t> axis(const Call& call, std::string_view name);

// The shape of `spec` with every axis name replaced by its bound value
// (empty for a scalar).
Result<std::vector<std::int64_t>> resolve_shape(const Call& call, const kjit::jit::TensorSpec& spec);

// Checks every declared input: present unless optional, shaped as declared,
// `data` sized to the shape, or (when `raw_ok`) a RawView of exactly the
// shape's storage bytes.
Result<void> check_inputs(const Call& call, bool raw_ok = false);

// The tensor given for declared input `name` (checked by check_inputs).
// REQUIRES: `name` is a declared input of call.def (an internal error otherwise).
Result<const RefTensor*> input(const Call& call, std::string_view name);

// The tensors given for declared inputs `names`, in that order (see input):
//   const auto [q, k] = KJIT_TRY(inputs(call, "q", "k_cache"));
template <class... Names>
Result<std::array<const RefTensor*, sizeof...(Names)>> inputs(const Call& call, const Names&... names) {
  std::array<const RefTensor*, sizeof...(Names)> out{};
  std::size_t i = 0;
  for (const std::string_view name : {std::string_view(names)...}) out[i++] = KJIT_TRY(input(call, name));
  return out;
}

// A scalar input's value (a one-element tensor of any shape is accepted).
Result<double> scalar(const Call& call, std::string_view name);

// An integer input (indptr, indices) as int64; every value must be integral.
Result<std::vector<std::int64_t>> integers(const Call& call, std::string_view name);

// Checks that `indptr` (named `name`) is non-decreasing, starts >= 0 and
// ends <= `limit` (the length of the array it indexes).
Result<void> check_indptr(const Call& call, const std::vector<std::int64_t>& indptr, std::string_view name, std::int64_t limit,
                          std::string_view limit_name);

// A zero-filled (or `fill`-filled) output tensor for declared output `name`.
Result<RefTensor> make_output(const Call& call, std::string_view name, double fill = 0.0);

std::int64_t element_count(const std::vector<std::int64_t>& shape);
std::string shape_string(const std::vector<std::int64_t>& shape);

}  // namespace kjit::runtime::reference::detail
