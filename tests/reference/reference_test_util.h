// Test helpers for the C++ reference: building Definitions in code, seeded
// random tensors, and a deliberately naive attention used as an independent
// oracle (plain loops, no tiling, no threads).
//
// Thread safety: helpers are pure; the RNG is per call site.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "jit/definition/definition.h"
#include "runtime/reference/reference.h"

namespace kjit::runtime::reference::testing {

using kjit::jit::Definition;
using kjit::jit::Dtype;
using kjit::jit::TensorSpec;

struct AxisDecl {
  std::string name;
  std::optional<std::int64_t> const_value;  // empty = var
};

struct SpecDecl {
  std::string name;
  std::optional<std::vector<std::string>> shape;  // empty = scalar
  Dtype dtype = Dtype::bfloat16;
};

inline Definition make_definition(std::string name, std::string op_type, std::vector<AxisDecl> axes,
                                  std::vector<SpecDecl> inputs, std::vector<SpecDecl> outputs,
                                  std::string reference = {}) {
  Definition def;
  def.name = std::move(name);
  def.op_type = std::move(op_type);
  for (auto& a : axes) {
    kjit::jit::Axis axis;
    axis.name = a.name;
    axis.kind = a.const_value ? kjit::jit::AxisKind::const_ : kjit::jit::AxisKind::var;
    axis.value = a.const_value.value_or(0);
    def.axes.push_back(axis);
  }
  for (auto& s : inputs) def.inputs.push_back(TensorSpec{s.name, s.shape, s.dtype, {}, false});
  for (auto& s : outputs) def.outputs.push_back(TensorSpec{s.name, s.shape, s.dtype, {}, false});
  def.reference = std::move(reference);
  return def;
}

inline RefTensor tensor(std::vector<std::int64_t> shape, std::vector<double> data) {
  return RefTensor{std::move(shape), std::move(data)};
}

inline RefTensor scalar_tensor(double value) { return RefTensor{{}, {value}}; }

inline RefTensor random_tensor(std::vector<std::int64_t> shape, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::int64_t count = 1;
  for (auto e : shape) count *= e;
  RefTensor t{std::move(shape), std::vector<double>(static_cast<std::size_t>(count))};
  for (auto& v : t.data) v = normal(rng);
  return t;
}

inline RefTensor index_tensor(const std::vector<std::int64_t>& values) {
  RefTensor t{{static_cast<std::int64_t>(values.size())}, {}};
  for (auto v : values) t.data.push_back(static_cast<double>(v));
  return t;
}

// Naive attention of one query vector against explicit key/value rows:
// returns (output, base-2 lse); no keys -> zeros and -inf.
struct NaiveResult {
  std::vector<double> out;
  double lse = -std::numeric_limits<double>::infinity();
};

inline NaiveResult naive_attention(const std::vector<double>& q, const std::vector<std::vector<double>>& keys,
                                   const std::vector<std::vector<double>>& values, double scale,
                                   std::size_t dim_v) {
  NaiveResult r;
  r.out.assign(dim_v, 0.0);
  if (keys.empty()) return r;
  std::vector<double> logits;
  for (const auto& k : keys) {
    double s = 0;
    for (std::size_t d = 0; d < q.size(); ++d) s += q[d] * k[d];
    logits.push_back(s * scale);
  }
  double m = logits[0];
  for (double l : logits) m = std::max(m, l);
  double sum = 0;
  for (double l : logits) sum += std::exp(l - m);
  for (std::size_t t = 0; t < keys.size(); ++t) {
    double p = std::exp(logits[t] - m) / sum;
    for (std::size_t d = 0; d < dim_v; ++d) r.out[d] += p * values[t][d];
  }
  r.lse = (m + std::log(sum)) / std::log(2.0);
  return r;
}

}  // namespace kjit::runtime::reference::testing
