// PlanProgram: a launch plan (jit/codegen/launch_plan.h) compiled once per
// kernel into postfix programs over a slot array, so that resolving the
// plan for an axis binding parses nothing and allocates nothing.
//
// Slots: every axis of the signature (file order), then `num_sms`, then the
// plan's lets in order. Each let, workspace size, grid, block and shared
// memory expression becomes a Program; every launch argument name becomes
// an ArgRecipe (what to pass and from where), resolved in the order of
// docs/templates.md's Kernel ABI: tensor, scalar, axis / let / num_sms,
// workspace buffer. The semantics equal jit::eval_expr / resolve_plan
// (integer arithmetic, `/` and `%` truncate, min / max / ceil_div); tests
// compare the two on every served plan.
//
// `key_axes` lists the var axes any let, workspace, grid, block or shared
// expression reads: two bindings equal on them resolve identically (other
// var axes only reach the kernel as arguments), which is what the per-kernel
// resolution cache keys on.
//
// Thread safety: immutable after compile; evaluate is const and may run
// concurrently (the caller owns the output).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "jit/codegen/launch_plan.h"
#include "jit/util/error.h"
#include "runtime/kernel_signature.h"

namespace kjit::runtime {

struct PlanOp {
  enum Code : std::uint8_t { push_const, push_slot, add, sub, mul, div, mod, neg, min, max, ceil_div };
  Code code = push_const;
  std::int64_t value = 0;  // constant or slot index
};

struct Program {
  std::vector<PlanOp> ops;
  std::string text;  // the expression, for error messages
};

// One kernel argument of one launch.
struct ArgRecipe {
  enum Kind : std::uint8_t { tensor, scalar, var_axis, slot, workspace };
  Kind kind = slot;
  std::uint16_t index = 0;  // tensor slot, scalar slot, axis, value slot or workspace buffer
  std::uint8_t size = 8;    // bytes the kernel reads
};

struct LaunchProgram {
  std::string entry;
  std::array<Program, 3> grid;
  std::array<Program, 3> block;
  Program shared_bytes;
  bool pdl = false;
  std::vector<std::string> arg_names;
  std::vector<ArgRecipe> args;
};

// Geometry of one launch for one binding.
struct LaunchGeometry {
  std::array<std::uint32_t, 3> grid{};
  std::array<std::uint32_t, 3> block{};
  std::uint32_t shared_bytes = 0;
  bool skipped = false;  // a grid dimension is zero
};

// The plan evaluated for one binding. Reused objects keep their capacity,
// so evaluating into one again allocates nothing.
struct PlanValues {
  std::vector<std::int64_t> slots;               // axes, num_sms, lets
  std::vector<std::uint64_t> workspace_offset;   // per buffer, in the one workspace arena
  std::vector<std::uint64_t> workspace_bytes;    // per buffer
  std::uint64_t workspace_total = 0;             // arena bytes (each buffer 256-byte aligned)
  std::vector<LaunchGeometry> launches;
};

class PlanProgram {
 public:
  // Compiles `plan` against `signature`. Errors (invalid_argument) name the
  // plan field: an unknown name, a function, a malformed expression, an
  // argument that names nothing.
  static Result<PlanProgram> compile(const jit::LaunchPlan& plan, const KernelSignature& signature);

  std::size_t num_slots() const { return m_num_axes + 1 + m_lets.size(); }
  std::size_t num_sms_slot() const { return m_num_axes; }
  const std::vector<std::uint16_t>& key_axes() const { return m_key_axes; }
  const std::vector<LaunchProgram>& launches() const { return m_launches; }
  const std::vector<jit::PlanWorkspace>& workspace() const { return m_workspace; }
  const std::vector<std::string>& let_names() const { return m_let_names; }

  // Evaluates every expression for `axes` (signature().axes() order, all
  // bound) on a device with `num_sms` multiprocessors. Errors: division by
  // zero, a negative workspace size, a dimension out of range.
  Result<void> evaluate(const std::int64_t* axes, std::int64_t num_sms, PlanValues& out) const;

 private:
  std::size_t m_num_axes = 0;
  std::vector<std::string> m_let_names;
  std::vector<Program> m_lets;
  std::vector<jit::PlanWorkspace> m_workspace;
  std::vector<Program> m_workspace_bytes;
  std::vector<LaunchProgram> m_launches;
  std::vector<std::uint16_t> m_key_axes;
};

// Workspace buffers are carved from one arena at this alignment.
inline constexpr std::uint64_t k_workspace_alignment = 256;

}  // namespace kjit::runtime
