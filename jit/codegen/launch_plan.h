// LaunchPlan: the data recipe to launch a compiled artifact (see
// docs/templates.md): lets, workspace buffers and launches whose sizes are
// integer expressions over the definition's axes and `num_sms`.
//
// The runtime evaluates it; an external client can too, with no
// op-specific host code. Expressions are parsed on every evaluation (they
// are tiny); callers that launch in a loop resolve once per axis binding.
//
// Thread safety: plain values; const functions are safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/util/error.h"

namespace kjit::jit {

struct PlanLet {
  std::string name;
  std::string expr;
};

// A launch parameter (docs/templates.md "Launch parameters"): an int64_t kernel argument that is
// neither an axis nor a tensor, e.g. a random seed and offset. The runtime passes the caller's
// value, else the default. A parameter with `advance` is a counter: after each run of the plan
// it grows by `advance` (e.g. the random numbers a launch consumes per row), so consecutive
// launches draw fresh numbers, as a PyTorch generator's offset does.
struct PlanParam {
  std::string name;
  std::string default_value = "0";  // expression over the axes and num_sms
  std::string advance;              // expression over the axes and num_sms; empty: fixed
};

struct PlanWorkspace {
  std::string name;
  std::string bytes;  // expression
  bool zero = false;  // zero-fill before the first launch
};

struct PlanLaunch {
  std::string entry;                  // kernel symbol (lowered name)
  std::array<std::string, 3> grid;    // expressions
  std::array<std::string, 3> block;   // expressions
  std::string shared_bytes = "0";     // expression
  std::vector<std::string> args;      // names: tensors, scalars, axes, lets, workspace
  // Programmatic dependent launch (sm_90+): the launch may start while the
  // previous launch of the plan is still running; the kernel must execute
  // `griddepcontrol.wait` before it reads what that launch writes. JSON
  // "pdl": true; ignored (plain launch) on devices below sm_90.
  bool pdl = false;
};

struct LaunchPlan {
  std::vector<PlanParam> params;
  std::vector<PlanLet> lets;
  std::vector<PlanWorkspace> workspace;
  std::vector<PlanLaunch> launches;

  nlohmann::ordered_json to_json() const;
  // Parses and checks the plan JSON; errors name the JSON pointer.
  static Result<LaunchPlan> from_json(const nlohmann::json& json);
};

using Bindings = std::map<std::string, std::int64_t, std::less<>>;

// Evaluates an integer expression: literals, names from `vars`, + - * / %,
// parentheses, unary minus, min(a,b), max(a,b), ceil_div(a,b). Division or
// modulo by zero and unknown names are errors naming the expression.
Result<std::int64_t> eval_expr(std::string_view expr, const Bindings& vars);

struct ResolvedLaunch {
  std::string entry;
  std::array<std::uint32_t, 3> grid{};
  std::array<std::uint32_t, 3> block{};
  std::uint32_t shared_bytes = 0;
  std::vector<std::string> args;
  bool pdl = false;
};

struct ResolvedParam {
  std::string name;
  std::int64_t value = 0;    // the caller's value, else the default
  std::int64_t advance = 0;  // added after each run (0: fixed)
  bool given = false;        // the caller gave the value
};

struct ResolvedPlan {
  Bindings values;                                     // axes + num_sms + params + lets
  std::vector<ResolvedParam> params;                   // plan order
  std::vector<std::pair<std::string, std::uint64_t>> workspace_bytes;  // name, size
  std::vector<bool> workspace_zero;
  std::vector<ResolvedLaunch> launches;
};

// Evaluates every expression for one binding of the axes. `axes` must hold
// every axis (const and var); `num_sms` is the device's multiprocessor count.
// `params` gives launch-parameter values (others take their defaults); a
// name the plan does not declare is an error naming the declared ones.
Result<ResolvedPlan> resolve_plan(const LaunchPlan& plan, const Bindings& axes, std::int64_t num_sms,
                                  const Bindings& params = {});

}  // namespace kjit::jit
