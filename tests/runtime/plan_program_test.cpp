// PlanProgram against jit::resolve_plan (the string evaluator): both must
// give the same lets, workspace sizes and geometry for every binding.
#include <gtest/gtest.h>

#include "jit/definition/parse.h"
#include "runtime/plan_program.h"

namespace kjit::runtime {
namespace {

jit::Definition toy() {
  auto doc = nlohmann::ordered_json::parse(R"J({"name": "toy", "op_type": "toy",
    "axes": {"M": {"type": "var"}, "T": {"type": "var"}, "N": {"type": "const", "value": 4096}},
    "inputs": {"A": {"shape": ["M", "N"], "dtype": "bfloat16"}, "I": {"shape": ["T"], "dtype": "int32"},
               "s": {"shape": null, "dtype": "float32"}},
    "outputs": {"C": {"shape": ["M", "N"], "dtype": "bfloat16"}},
    "reference": "def run(A, I, s):\n    return A"})J");
  return *jit::parse_definition(doc, "toy");
}

jit::LaunchPlan plan() {
  return *jit::LaunchPlan::from_json(nlohmann::json::parse(R"J({
    "lets": [{"name": "small", "expr": "1 - min(ceil_div(max(M, 1), 32) - 1, 1)"},
             {"name": "splits", "expr": "max(1, min(16, (2 * num_sms) / max(ceil_div(M, 128), 1)))"},
             {"name": "odd", "expr": "-(M % 7) + 3 * (N / 1000)"}],
    "workspace": [{"name": "partial", "bytes": "splits * M * N * 4", "zero": true}, {"name": "tiny", "bytes": 3}],
    "launches": [{"entry": "main", "grid": ["ceil_div(M, 128) * (1 - small)", "splits"], "block": [256],
                  "shared_bytes": "81920", "args": ["A", "C", "M", "N", "s", "splits", "partial", "num_sms"]},
                 {"entry": "reduce", "grid": ["ceil_div(M * N, 1024)"], "block": [256], "args": ["partial", "C", "M"],
                  "pdl": true}]})J"));
}

TEST(PlanProgramTest, EqualsResolvePlanOnManyBindings) {
  auto sig = *KernelSignature::from_definition(toy());
  auto p = plan();
  auto prog = PlanProgram::compile(p, sig);
  ASSERT_TRUE(prog) << prog.error().message;
  PlanValues v;
  for (std::int64_t m : {0, 1, 31, 32, 33, 100, 129, 1000, 16384}) {
    for (std::int64_t sms : {1, 78, 132}) {
      std::array<std::int64_t, 3> axes{m, 5, 4096};
      ASSERT_TRUE(prog->evaluate(axes.data(), sms, v));
      auto ref = jit::resolve_plan(p, {{"M", m}, {"T", 5}, {"N", 4096}}, sms);
      ASSERT_TRUE(ref) << ref.error().message;
      EXPECT_EQ(v.slots[4], ref->values.at("small"));
      EXPECT_EQ(v.slots[5], ref->values.at("splits"));
      EXPECT_EQ(v.slots[6], ref->values.at("odd"));
      ASSERT_EQ(v.workspace_bytes.size(), 2u);
      EXPECT_EQ(v.workspace_bytes[0], ref->workspace_bytes[0].second);
      EXPECT_EQ(v.workspace_bytes[1], 3u);
      EXPECT_EQ(v.workspace_offset[1] % k_workspace_alignment, 0u);
      EXPECT_GE(v.workspace_offset[1], v.workspace_bytes[0]);
      for (std::size_t l = 0; l < 2; ++l) {
        EXPECT_EQ(v.launches[l].grid, ref->launches[l].grid) << "M=" << m << " launch " << l;
        EXPECT_EQ(v.launches[l].block, ref->launches[l].block);
        EXPECT_EQ(v.launches[l].shared_bytes, ref->launches[l].shared_bytes);
      }
      EXPECT_EQ(v.launches[0].skipped, m <= 32);
    }
  }
}

TEST(PlanProgramTest, ArgumentsResolveInKernelAbiOrderAndKeyAxesAreThoseExpressionsRead) {
  auto sig = *KernelSignature::from_definition(toy());
  auto prog = *PlanProgram::compile(plan(), sig);
  const auto& args = prog.launches()[0].args;
  ASSERT_EQ(args.size(), 8u);
  EXPECT_EQ(args[0].kind, ArgRecipe::tensor);
  EXPECT_EQ(args[1].kind, ArgRecipe::tensor);
  EXPECT_EQ(args[1].index, 2);  // C: after the tensor inputs A and I
  EXPECT_EQ(args[2].kind, ArgRecipe::var_axis);
  EXPECT_EQ(args[3].kind, ArgRecipe::slot);  // a const axis: a value
  EXPECT_EQ(args[4].kind, ArgRecipe::scalar);
  EXPECT_EQ(args[4].size, 4);  // float32
  EXPECT_EQ(args[5].kind, ArgRecipe::slot);
  EXPECT_EQ(args[6].kind, ArgRecipe::workspace);
  EXPECT_EQ(args[7].kind, ArgRecipe::slot);
  EXPECT_EQ(args[7].index, 3u);  // num_sms follows the 3 axes
  ASSERT_EQ(prog.key_axes().size(), 1u);  // M; T reaches no expression
  EXPECT_EQ(prog.key_axes()[0], 0);
}

TEST(PlanProgramTest, CompileErrorsNameThePlanField) {
  auto sig = *KernelSignature::from_definition(toy());
  auto bad = [&](const char* json) {
    auto p = jit::LaunchPlan::from_json(nlohmann::json::parse(json));
    auto r = PlanProgram::compile(*p, sig);
    return r ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(bad(R"J({"launches": [{"entry": "k", "grid": ["M * Q"]}]})J"),
            "launch plan /launches/0/grid/0: expression 'M * Q' at column 6: unknown name 'Q'");
  EXPECT_EQ(bad(R"J({"launches": [{"entry": "k", "grid": ["pow(M, 2)"]}]})J"),
            "launch plan /launches/0/grid/0: expression 'pow(M, 2)' at column 5: unknown function 'pow' (known: min, max, ceil_div)");
  EXPECT_EQ(bad(R"J({"lets": [{"name": "a", "expr": "b + 1"}, {"name": "b", "expr": "1"}], "launches": [{"entry": "k"}]})J"),
            "launch plan /lets/0 (a): expression 'b + 1' at column 3: unknown name 'b'");
  EXPECT_EQ(bad(R"J({"launches": [{"entry": "k", "args": ["A", "nothing"]}]})J"),
            "launch plan: argument 'nothing' of kernel 'k' is not a tensor, scalar, axis, let or workspace buffer of the definition");
}

TEST(PlanProgramTest, EvaluationErrors) {
  auto sig = *KernelSignature::from_definition(toy());
  auto p = *jit::LaunchPlan::from_json(nlohmann::json::parse(
      R"J({"workspace": [{"name": "w", "bytes": "T - 10"}], "launches": [{"entry": "k", "grid": ["N / M"]}]})J"));
  auto prog = *PlanProgram::compile(p, sig);
  PlanValues v;
  std::array<std::int64_t, 3> axes{0, 20, 4096};
  auto r = prog.evaluate(axes.data(), 132, v);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "launch plan expression 'N / M': division by zero");
  axes = {2, 5, 4096};
  r = prog.evaluate(axes.data(), 132, v);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "launch plan: workspace 'w' has negative size (-5)");
}

}  // namespace
}  // namespace kjit::runtime
