// Host example generator for `kjit export`: from a definition, its launch
// plan and a set of bound axes and inputs, writes a self-contained C++
// program (CUDA Driver API + NVRTC) that compiles the kernel source (or loads
// a cubin given on the command line), allocates realistic inputs, evaluates
// the plan's lets, workspace sizes, grids, blocks and shared memory as C++
// expressions, launches, synchronizes and checks every call.
//
// Generic: nothing here knows an op type. Inputs: float tensors are drawn in
// the program from a fixed-seed N(0,1) generator (fp8/fp4 as random valid
// codes of magnitude <= 2); integer and bool tensors (index structures such
// as indptr / indices, built valid by runtime::make_inputs) are embedded
// verbatim when they have at most 1M elements; scalars are embedded.
//
// Thread safety: a pure function.
#pragma once

#include <functional>
#include <string>

#include "jit/codegen/launch_plan.h"
#include "jit/util/error.h"
#include "jit/definition/definition.h"
#include "runtime/inputs.h"

namespace kjit::tools {

struct HostExampleSpec {
  const jit::Definition* definition = nullptr;
  const jit::LaunchPlan* plan = nullptr;
  std::string arch;            // e.g. "sm_90a"
  std::string source;          // the device translation unit, embedded verbatim
  const runtime::InputSet* inputs = nullptr;  // bound axes + generated inputs
  std::string axes_origin;     // comment: where the axis values came from
};

// The program's text. Errors: invalid_argument when a plan expression uses
// an unknown name or a plan argument names nothing in the definition/plan.
Result<std::string> generate_host_example(const HostExampleSpec& spec);

// Translates a plan expression into C++ over `v_<name>` int64_t variables and
// kjit_min / kjit_max / kjit_ceil_div; `known` says which names exist.
Result<std::string> plan_expr_to_cpp(std::string_view expr, const std::function<bool(std::string_view)>& known);

}  // namespace kjit::tools
