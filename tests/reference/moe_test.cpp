// Tests for the fused-MoE reference (moe.cpp, moe_routing.cpp,
// moe_structure.cpp): top-k tie order, each routing form on hand-computed
// cases, the whole op against a deliberately naive oracle written from the
// definitions' PyTorch references (per token, per pick, plain loops) for the
// four input forms, a local-expert slice, duplicate picks and thread-count
// independence, and the structure read from every dataset moe definition.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "jit/definition/parse.h"
#include "runtime/reference/moe_routing.h"
#include "runtime/reference/moe_structure.h"
#include "tests/reference/reference_test_util.h"

namespace kjit::runtime::reference {
namespace {

using namespace testing;
using Shape = std::vector<std::string>;

TEST(MoeRoutingTest, TopkOrdersByValueThenLowerIndex) {
  const std::vector<double> v = {1.0, 3.0, 3.0, 2.0, std::nan(""), 3.0};
  EXPECT_EQ(topk_indices(v.data(), 6, 4), (std::vector<std::int64_t>{1, 2, 5, 3}));
  std::vector<char> eligible = {1, 0, 1, 1, 1, 1};
  EXPECT_EQ(topk_indices(v.data(), 6, 2, &eligible), (std::vector<std::int64_t>{2, 5}));
  // NaN ranks below every number.
  EXPECT_EQ(topk_indices(v.data(), 6, 6).back(), 4);
}

MoeStructure structure(MoeRouting routing, std::int64_t experts, std::int64_t top_k) {
  MoeStructure s;
  s.routing = routing;
  s.routed_experts = experts;
  s.local_experts = experts;
  s.top_k = top_k;
  return s;
}

TEST(MoeRoutingTest, RenormalizeIsSoftmaxOverThePicks) {
  const std::vector<double> logits = {0.5, 2.0, -1.0, 1.0};
  MoeRoutingInputs in;
  in.logits = logits;
  auto r = moe_route(structure(MoeRouting::renormalize, 4, 2), 1, in);
  ASSERT_EQ(r.expert, (std::vector<std::int64_t>{1, 3}));
  const double z = std::exp(2.0) + std::exp(1.0);
  EXPECT_NEAR(r.weight[0], std::exp(2.0) / z, 1e-15);
  EXPECT_NEAR(r.weight[1], std::exp(1.0) / z, 1e-15);
}

TEST(MoeRoutingTest, Llama4WeightIsTheSigmoid) {
  const std::vector<double> logits = {0.5, -2.0, 3.0};
  MoeRoutingInputs in;
  in.logits = logits;
  auto r = moe_route(structure(MoeRouting::llama4, 3, 1), 1, in);
  ASSERT_EQ(r.expert, (std::vector<std::int64_t>{2}));
  EXPECT_NEAR(r.weight[0], 1.0 / (1.0 + std::exp(-3.0)), 1e-15);
}

TEST(MoeRoutingTest, DeepSeekKeepsTheBestGroupsAndScalesUnbiasedScores) {
  // 8 experts in 4 groups of 2, keep 2 groups, top 3. Logits 0 (s = 0.5) everywhere; the bias
  // decides: group scores (s + b summed over the pair) are 1+0.4+0.3 = 1.7 (g0), 1.0 (g1),
  // 1.0+0.9-0.5 = 1.4 (g2), 1.0+0.2+0.1 = 1.3 (g3) -> groups 0 and 2 kept; inside them the best
  // s + b are expert 4 (1.4), 0 (0.9), 1 (0.8). Expert 6 (bias 0.2, g3) is dropped with its group.
  MoeStructure s = structure(MoeRouting::deepseek, 8, 3);
  s.n_group = 4;
  s.topk_group = 2;
  const std::vector<double> logits(8, 0.0);
  const std::vector<double> bias = {0.4, 0.3, 0.0, 0.0, 0.9, -0.5, 0.2, 0.1};
  MoeRoutingInputs in;
  in.logits = logits;
  in.bias = bias;
  in.routed_scaling_factor = 2.5;
  auto r = moe_route(s, 1, in);
  ASSERT_EQ(r.expert, (std::vector<std::int64_t>{4, 0, 1}));
  for (double w : r.weight) EXPECT_NEAR(w, 0.5 / (1.5 + 1e-20) * 2.5, 1e-15);
}

TEST(MoeRoutingTest, PrecomputedIdsUnpackExpertAndBf16Weight) {
  // (5 << 16) | bf16(0.5) = 0x3F00; (1 << 16) | bf16(-2) = 0xC000.
  const std::vector<double> ids = {static_cast<double>((5 << 16) | 0x3F00), static_cast<double>((1 << 16) | 0xC000)};
  MoeRoutingInputs in;
  in.topk_ids = ids;
  auto r = moe_route(structure(MoeRouting::precomputed, 8, 2), 1, in);
  EXPECT_EQ(r.expert, (std::vector<std::int64_t>{5, 1}));
  EXPECT_EQ(r.weight, (std::vector<double>{0.5, -2.0}));
}

// ---- the whole op against a naive oracle ------------------------------------------------------

constexpr std::int64_t k_h = 256, k_i = 128, k_e = 4, k_b = 128;

enum class Form { fp8_block_renorm, fp8_block_deepseek, fp8_tensor_llama4, float_routed_topk1, float_routed_topk2 };

struct Case {
  Definition def;
  std::int64_t top_k = 2;
  std::int64_t routed = k_e;  // experts routed over (deepseek: more than local)
};

Case make_case(Form form) {
  const Shape hs{"seq_len", "hidden_size"};
  std::vector<AxisDecl> axes = {{"seq_len", std::nullopt},           {"num_local_experts", k_e},
                                {"hidden_size", k_h},                {"intermediate_size", k_i},
                                {"gemm1_out_size", 2 * k_i},         {"num_hidden_blocks", k_h / k_b},
                                {"num_intermediate_blocks", k_i / k_b}, {"num_gemm1_out_blocks", 2 * k_i / k_b}};
  std::vector<SpecDecl> in;
  Case c;
  std::string ref = "TOP_K = 2\n";
  const bool fp8_block = form == Form::fp8_block_renorm || form == Form::fp8_block_deepseek;
  const bool fp8 = fp8_block || form == Form::fp8_tensor_llama4;
  switch (form) {
    case Form::fp8_block_renorm:
    case Form::fp8_tensor_llama4:
      axes.push_back({"num_experts", k_e});
      in.push_back({"routing_logits", Shape{"seq_len", "num_experts"}, Dtype::bfloat16});
      if (form == Form::fp8_tensor_llama4) {
        in.push_back({"routing_bias", Shape{"num_experts"}, Dtype::bfloat16});
        ref = "TOP_K = 1\n";
        c.top_k = 1;
      }
      break;
    case Form::fp8_block_deepseek:
      c.routed = 8;
      axes.push_back({"num_experts", 8});
      in.push_back({"routing_logits", Shape{"seq_len", "num_experts"}, Dtype::float32});
      in.push_back({"routing_bias", Shape{"num_experts"}, Dtype::bfloat16});
      ref = "TOP_K = 3\nN_GROUP = 4\nTOPK_GROUP = 2\n";
      c.top_k = 3;
      break;
    case Form::float_routed_topk1:
    case Form::float_routed_topk2:
      c.top_k = form == Form::float_routed_topk1 ? 1 : 2;
      axes.push_back({"top_k", c.top_k});
      in.push_back({"topk_ids", Shape{"seq_len", "top_k"}, Dtype::int32});
      break;
  }
  in.push_back({"hidden_states", hs, fp8 ? Dtype::float8_e4m3fn : Dtype::bfloat16});
  if (fp8_block) in.push_back({"hidden_states_scale", Shape{"num_hidden_blocks", "seq_len"}, Dtype::float32});
  const Dtype wd = fp8 ? Dtype::float8_e4m3fn : Dtype::float32;
  in.push_back({"gemm1_weights", Shape{"num_local_experts", "gemm1_out_size", "hidden_size"}, wd});
  if (fp8_block)
    in.push_back({"gemm1_weights_scale", Shape{"num_local_experts", "num_gemm1_out_blocks", "num_hidden_blocks"}, Dtype::float32});
  in.push_back({"gemm2_weights", Shape{"num_local_experts", "hidden_size", "intermediate_size"}, wd});
  if (fp8_block)
    in.push_back({"gemm2_weights_scale", Shape{"num_local_experts", "num_hidden_blocks", "num_intermediate_blocks"}, Dtype::float32});
  if (form == Form::fp8_tensor_llama4) {
    for (const char* n : {"output1_scales_scalar", "output1_scales_gate_scalar", "output2_scales_scalar"})
      in.push_back({n, Shape{"num_local_experts"}, Dtype::float32});
  }
  if (form == Form::fp8_block_deepseek) {
    in.push_back({"local_expert_offset", std::nullopt, Dtype::int32});
    in.push_back({"routed_scaling_factor", std::nullopt, Dtype::float32});
  }
  c.def = make_definition("moe_test", "moe", axes, in, {{"output", hs}}, ref);
  return c;
}

// A value of `shape` per input (positive scales; packed distinct ids, with one duplicate pick).
TensorMap make_inputs(const Case& c, std::int64_t tokens, std::mt19937_64& rng) {
  TensorMap m;
  std::map<std::string, std::int64_t> ax = {{"seq_len", tokens}};
  for (const auto& a : c.def.axes)
    if (a.kind == kjit::jit::AxisKind::const_) ax[a.name] = a.value;
  std::uniform_real_distribution<double> uni(0.5, 2.0);
  for (const auto& spec : c.def.inputs) {
    if (!spec.shape) {
      m[spec.name] = scalar_tensor(spec.name == "local_expert_offset" ? 2.0 : 2.5);
      continue;
    }
    std::vector<std::int64_t> shape;
    for (const auto& d : *spec.shape) shape.push_back(ax.at(d));
    RefTensor t = random_tensor(shape, rng);
    if (spec.name.find("scale") != std::string::npos)
      for (auto& v : t.data) v = uni(rng);
    if (spec.name == "topk_ids") {
      for (std::int64_t tok = 0; tok < tokens; ++tok) {
        for (std::int64_t k = 0; k < c.top_k; ++k) {
          // token 0 lists expert 3 twice (a duplicate pick counts twice); weight bits of 0.75 / -1.5
          const std::int64_t e = tok == 0 ? 3 : (tok + k) % k_e;
          const std::int64_t bits = k % 2 == 0 ? 0x3F40 : 0xBFC0;
          t.data[static_cast<std::size_t>(tok * c.top_k + k)] = static_cast<double>((e << 16) | bits);
        }
      }
    }
    m[spec.name] = std::move(t);
  }
  return m;
}

// Straight from the PyTorch references: dequantize everything, route, then per token and pick.
std::vector<double> naive(const Case& c, const TensorMap& in, std::int64_t tokens) {
  const bool block = in.count("hidden_states_scale") > 0, tensor = in.count("output1_scales_scalar") > 0;
  const bool deepseek = in.count("local_expert_offset") > 0, routed = in.count("topk_ids") > 0;
  const bool llama4 = !deepseek && in.count("routing_bias") > 0;
  auto d = [&](const char* n) -> const std::vector<double>& { return in.at(n).data; };
  auto a_at = [&](std::int64_t t, std::int64_t h) {
    return d("hidden_states")[t * k_h + h] * (block ? d("hidden_states_scale")[(h / k_b) * tokens + t] : 1.0);
  };
  auto w1 = [&](std::int64_t e, std::int64_t r, std::int64_t h) {
    return d("gemm1_weights")[(e * 2 * k_i + r) * k_h + h] *
           (block ? d("gemm1_weights_scale")[(e * (2 * k_i / k_b) + r / k_b) * (k_h / k_b) + h / k_b] : 1.0);
  };
  auto w2 = [&](std::int64_t e, std::int64_t h, std::int64_t i) {
    return d("gemm2_weights")[(e * k_h + h) * k_i + i] *
           (block ? d("gemm2_weights_scale")[(e * (k_h / k_b) + h / k_b) * (k_i / k_b) + i / k_b] : 1.0);
  };
  std::vector<double> out(static_cast<std::size_t>(tokens * k_h), 0.0);
  for (std::int64_t t = 0; t < tokens; ++t) {
    std::vector<std::int64_t> ex;
    std::vector<double> wt;
    if (routed) {
      for (std::int64_t k = 0; k < c.top_k; ++k) {
        const auto id = static_cast<std::int64_t>(d("topk_ids")[t * c.top_k + k]);
        ex.push_back(id >> 16);
        wt.push_back((id & 0xFFFF) == 0x3F40 ? 0.75 : -1.5);
      }
    } else {
      std::vector<double> key(static_cast<std::size_t>(c.routed));
      for (std::int64_t e = 0; e < c.routed; ++e) {
        const double l = d("routing_logits")[t * c.routed + e];
        key[e] = deepseek ? 1.0 / (1.0 + std::exp(-l)) + d("routing_bias")[e] : (llama4 ? 1.0 / (1.0 + std::exp(-l)) : l);
      }
      std::vector<char> ok(static_cast<std::size_t>(c.routed), 1);
      if (deepseek) {  // 4 groups of 2: score = the pair's sum; keep the 2 best
        std::vector<double> g = {key[0] + key[1], key[2] + key[3], key[4] + key[5], key[6] + key[7]};
        auto keep = topk_indices(g.data(), 4, 2);
        for (std::int64_t e = 0; e < 8; ++e) ok[e] = (e / 2 == keep[0] || e / 2 == keep[1]) ? 1 : 0;
      }
      ex = topk_indices(key.data(), c.routed, c.top_k, &ok);
      double sum = 0;
      for (auto e : ex) {
        const double l = d("routing_logits")[t * c.routed + e];
        wt.push_back(deepseek || llama4 ? 1.0 / (1.0 + std::exp(-l)) : std::exp(l));
        sum += wt.back();
      }
      if (!llama4)
        for (auto& w : wt) w = deepseek ? w / (sum + 1e-20) * 2.5 : w / sum;
    }
    const bool on_input = llama4 || (routed && c.top_k == 1);
    for (std::size_t k = 0; k < ex.size(); ++k) {
      const std::int64_t e = ex[k] - (deepseek ? 2 : 0);
      if (e < 0 || e >= k_e) continue;
      std::vector<double> cval(k_i);
      for (std::int64_t i = 0; i < k_i; ++i) {
        double up = 0, gate = 0;
        for (std::int64_t h = 0; h < k_h; ++h) {
          const double a = a_at(t, h) * (on_input ? wt[k] : 1.0);
          up += a * w1(e, i, h);
          gate += a * w1(e, k_i + i, h);
        }
        if (tensor) {
          up *= d("output1_scales_scalar")[e];
          gate *= d("output1_scales_gate_scalar")[e];
        }
        cval[i] = gate / (1.0 + std::exp(-gate)) * up;
      }
      for (std::int64_t h = 0; h < k_h; ++h) {
        double y = 0;
        for (std::int64_t i = 0; i < k_i; ++i) y += cval[i] * w2(e, h, i);
        if (tensor) y *= d("output2_scales_scalar")[e];
        out[t * k_h + h] += (on_input ? 1.0 : wt[k]) * y;
      }
    }
  }
  return out;
}

class MoeReferenceTest : public ::testing::TestWithParam<Form> {};

TEST_P(MoeReferenceTest, MatchesTheNaiveOracleForAnyThreadCount) {
  const Case c = make_case(GetParam());
  ASSERT_TRUE(has_reference(c.def));
  std::mt19937_64 rng(7);
  for (std::int64_t tokens : {1, 5}) {
    const TensorMap in = make_inputs(c, tokens, rng);
    std::map<std::string, std::int64_t> axes = {{"seq_len", tokens}};
    for (const auto& a : c.def.axes)
      if (a.kind == kjit::jit::AxisKind::const_) axes[a.name] = a.value;
    auto one = run_reference(c.def, axes, in, Options{1});
    ASSERT_TRUE(one) << one.error().message;
    auto four = run_reference(c.def, axes, in, Options{4});
    ASSERT_TRUE(four) << four.error().message;
    const auto& got = one->at("output");
    EXPECT_EQ(got.data, four->at("output").data) << "thread count changed the bits";
    const auto want = naive(c, in, tokens);
    ASSERT_EQ(got.shape, (std::vector<std::int64_t>{tokens, k_h}));
    double worst = 0, scale = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      worst = std::max(worst, std::abs(got.data[i] - want[i]));
      scale = std::max(scale, std::abs(want[i]));
    }
    if (tokens == 5) {
      EXPECT_GT(scale, 0.0) << "the case routes nothing";
    }
    EXPECT_LE(worst, 1e-9 * scale) << "tokens " << tokens;
  }
}

INSTANTIATE_TEST_SUITE_P(Forms, MoeReferenceTest,
                         ::testing::Values(Form::fp8_block_renorm, Form::fp8_block_deepseek, Form::fp8_tensor_llama4,
                                           Form::float_routed_topk1, Form::float_routed_topk2));

TEST(MoeStructureTest, RefusesAGroupSplitThatCannotSupplyTopK) {
  Case c = make_case(Form::fp8_block_deepseek);
  c.def.reference = "TOP_K = 5\nN_GROUP = 4\nTOPK_GROUP = 2\n";  // 2 groups of 2 < 5
  auto s = moe_structure(c.def);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("cannot supply top_k = 5"), std::string::npos) << s.error().message;
  EXPECT_FALSE(has_reference(c.def));
}

// Every dataset moe definition: the form the name describes (the name is checked here only;
// moe_structure reads the structure).
TEST(MoeStructureTest, DatasetDefinitions) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(KJIT_SHARED_DIR) / "flashinfer-trace" / "definitions" / "moe";
  if (!fs::is_directory(dir)) {
    if (const char* ci = std::getenv("CI"); ci && std::string(ci) == "true") FAIL() << dir << " missing in CI";
    GTEST_SKIP() << "flashinfer-trace dataset not found under " KJIT_SHARED_DIR;
  }
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    auto def = kjit::jit::load_definition_file(entry.path());
    ASSERT_TRUE(def) << entry.path() << ": " << def.error().message;
    auto s = moe_structure(*def);
    ASSERT_TRUE(s) << def->name << ": " << s.error().message;
    ++seen;
    const std::string& n = def->name;
    const MoeRouting routing = n.find("routed") != std::string::npos  ? MoeRouting::precomputed
                               : n.find("ds_routing") != std::string::npos ? MoeRouting::deepseek
                               : n.find("renorm") != std::string::npos   ? MoeRouting::renormalize
                               : n.find("topk1_") != std::string::npos   ? MoeRouting::llama4
                                                                          : MoeRouting::renormalize;
    EXPECT_EQ(to_string(s->routing), to_string(routing)) << n;
    const MoeQuant quant = n.find("fp8_block") != std::string::npos ? MoeQuant::fp8_block
                           : n.find("fp8_per_tensor") != std::string::npos ? MoeQuant::fp8_tensor
                                                                          : MoeQuant::float_weights;
    EXPECT_EQ(to_string(s->quant), to_string(quant)) << n;
    // The references that scale the input say so in code: `A[tok_idx] * w` (or `hs_f32[...]`).
    EXPECT_EQ(s->scales_on_input, def->reference.find("[tok_idx] * w") != std::string::npos) << n;
    EXPECT_EQ(s->n_group, n.find("ng8") != std::string::npos ? 8 : 1) << n;
    EXPECT_TRUE(has_reference(*def)) << n;
  }
  EXPECT_EQ(seen, 14);
}

}  // namespace
}  // namespace kjit::runtime::reference
