// libFuzzer target: the launch-plan parser and expression evaluator. The
// input is "<plan JSON>\n\x01<expression>\n\x01<axis values>": the plan goes
// through bounded parsing, LaunchPlan::from_json, to_json and resolve_plan
// with axis bindings taken from the input; the expression is evaluated with
// the same bindings. Nothing may crash, overflow (UBSan) or recurse without
// bound. Built and run by tools/dev/fuzz.sh (clang-14).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "jit/codegen/launch_plan.h"
#include "jit/util/json_limits.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kjit;
  using namespace kjit::jit;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view plan_text = in, expr, values;
  if (auto a = in.find("\n\x01"); a != std::string_view::npos) {
    plan_text = in.substr(0, a);
    expr = in.substr(a + 2);
    if (auto b = expr.find("\n\x01"); b != std::string_view::npos) {
      values = expr.substr(b + 2);
      expr = expr.substr(0, b);
    }
  }
  // Axis bindings: 8-byte little-endian values for a fixed set of names
  // (templates' plans use these), so extreme values reach the evaluator.
  static const char* k_names[] = {"batch_size", "hidden_size", "num_sms", "M", "N", "K", "x", "y"};
  Bindings vars;
  for (std::size_t i = 0; i < 8 && (i + 1) * 8 <= values.size(); ++i) {
    std::int64_t v;
    std::memcpy(&v, values.data() + i * 8, 8);
    vars[k_names[i]] = v;
  }
  (void)eval_expr(expr, vars);
  (void)eval_expr(plan_text.substr(0, 200), vars);
  auto json = parse_json(plan_text, "plan");
  if (!json) return 0;
  auto plan = LaunchPlan::from_json(*json);
  if (!plan) return 0;
  (void)plan->to_json().dump();
  std::int64_t num_sms = vars.count("num_sms") ? vars["num_sms"] : 132;
  vars.erase("num_sms");
  (void)resolve_plan(*plan, vars, num_sms);
  return 0;
}
