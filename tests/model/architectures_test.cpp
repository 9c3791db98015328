// Architecture readers: every fixture reads into the expected layer layout;
// every architecture names a missing field; unknown model types and
// unsupported variants are clear errors.
#include "tests/model/model_test_util.h"

namespace kjit::jit::model_test {
namespace {

struct LayoutCase {
  const char* fixture;
  const char* family;
  int layers, attention, dense, moe, gdn, mamba;
};

TEST(ArchitecturesTest, FixturesReadIntoTheirLayerLayout) {
  const LayoutCase cases[] = {
      {"llama-3.1-8b", "Llama", 32, 32, 32, 0, 0, 0},
      {"llama-3.2-3b", "Llama", 28, 28, 28, 0, 0, 0},
      {"qwen2.5-7b", "Qwen2", 28, 28, 28, 0, 0, 0},
      {"qwen3-14b", "Qwen3", 40, 40, 40, 0, 0, 0},
      {"qwen3-30b-a3b", "Qwen3-MoE", 48, 48, 0, 48, 0, 0},
      {"mixtral-8x22b", "Mixtral", 56, 56, 0, 56, 0, 0},
      {"deepseek-v3", "DeepSeek-V3", 61, 61, 3, 58, 0, 0},
      {"kimi-k2", "Kimi K2 (DeepSeek-V3 architecture)", 61, 61, 1, 60, 0, 0},
      {"deepseek-v3.2", "DeepSeek-V3.2", 61, 61, 3, 58, 0, 0},
      {"gemma-3-27b", "Gemma 3", 62, 62, 62, 0, 0, 0},
      {"llama-4-scout", "Llama 4", 48, 48, 0, 48, 0, 0},
      {"llama-4-maverick", "Llama 4", 48, 48, 24, 24, 0, 0},
      {"qwen3-next-80b-a3b", "Qwen3-Next", 48, 12, 0, 48, 36, 0},
      {"nemotron-h-8b", "Nemotron-H", 52, 4, 24, 0, 0, 24},
      {"minimax-m2", "MiniMax-M2", 62, 62, 0, 62, 0, 0},
  };
  for (const auto& c : cases) {
    auto spec = fixture_spec(c.fixture);
    ASSERT_TRUE(spec) << c.fixture << ": " << spec.error().message;
    EXPECT_EQ(spec->family, c.family) << c.fixture;
    EXPECT_EQ(spec->num_layers, c.layers) << c.fixture;
    EXPECT_EQ(spec->attention ? spec->attention->layers : 0, c.attention) << c.fixture;
    EXPECT_EQ(spec->dense_mlp ? spec->dense_mlp->layers : 0, c.dense) << c.fixture;
    EXPECT_EQ(spec->moe ? spec->moe->layers : 0, c.moe) << c.fixture;
    EXPECT_EQ(spec->gdn ? spec->gdn->layers : 0, c.gdn) << c.fixture;
    EXPECT_EQ(spec->mamba ? spec->mamba->layers : 0, c.mamba) << c.fixture;
  }
}

TEST(ArchitecturesTest, ValuesDefinedFromOthersAreRecorded) {
  auto spec = fixture_spec("llama-3.1-8b");  // its config has no head_dim
  ASSERT_TRUE(spec);
  ASSERT_EQ(spec->derived.size(), 1u);
  EXPECT_EQ(spec->derived[0].field, "head_dim");
  EXPECT_EQ(spec->derived[0].value, 128);
  EXPECT_EQ(spec->attention->head_dim, 128);
  auto qwen = fixture_spec("qwen3-14b");  // has head_dim
  ASSERT_TRUE(qwen);
  EXPECT_TRUE(qwen->derived.empty());
}

struct MissingCase {
  const char* fixture;
  const char* model_type;
  const char* field;  // "a" or "text_config.a"
};

TEST(ArchitecturesTest, EveryArchitectureNamesAMissingField) {
  const MissingCase cases[] = {
      {"llama-3.1-8b", "llama", "intermediate_size"},
      {"qwen2.5-7b", "qwen2", "rms_norm_eps"},
      {"qwen3-8b", "qwen3", "num_attention_heads"},
      {"qwen3-30b-a3b", "qwen3_moe", "moe_intermediate_size"},
      {"mixtral-8x22b", "mixtral", "num_local_experts"},
      {"deepseek-v3", "deepseek_v3", "kv_lora_rank"},
      {"kimi-k2", "kimi_k2", "n_group"},
      {"deepseek-v3.2", "deepseek_v32", "index_topk"},
      {"gemma-3-27b", "gemma3", "text_config.query_pre_attn_scalar"},
      {"llama-4-scout", "llama4", "text_config.interleave_moe_layer_step"},
      {"qwen3-next-80b-a3b", "qwen3_next", "linear_num_value_heads"},
      {"nemotron-h-8b", "nemotron_h", "ssm_state_size"},
      {"minimax-m2", "minimax_m2", "rotary_dim"},
      {"llama-3.1-8b", "llama", "vocab_size"},
      {"deepseek-v3", "deepseek_v3", "first_k_dense_replace"},
  };
  for (const auto& c : cases) {
    nlohmann::json doc = fixture_json(c.fixture);
    std::string field = c.field;
    if (field.starts_with("text_config.")) doc["text_config"].erase(field.substr(12));
    else doc.erase(field);
    auto config = HfConfig::from_json(doc, std::string(c.fixture) + ".json");
    ASSERT_TRUE(config);
    auto spec = read_model_spec(*config);
    ASSERT_FALSE(spec) << c.fixture << " without " << field << " was accepted";
    EXPECT_EQ(spec.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(spec.error().message, std::string(c.fixture) + ".json: missing field '" + field + "' (model_type '" +
                                        c.model_type + "' needs it to derive the kernels); copy it from the "
                                                       "model's config.json");
  }
}

TEST(ArchitecturesTest, TheCheckpointDtypeIsRequiredAndChecked) {
  nlohmann::json doc = fixture_json("gemma-3-27b");  // torch_dtype at the top level, beside text_config
  auto spec = read_model_spec(*HfConfig::from_json(doc, "gemma-3-27b.json"));
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->dtype, "bfloat16");
  doc.erase("torch_dtype");
  auto missing = read_model_spec(*HfConfig::from_json(doc, "gemma-3-27b.json"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "gemma-3-27b.json: missing field 'torch_dtype' (the checkpoint's dtype decides the GEMMs' dtype); copy it "
            "from the model's config.json");
  doc["torch_dtype"] = "int4";
  auto bad = read_model_spec(*HfConfig::from_json(doc, "gemma-3-27b.json"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "gemma-3-27b.json: field 'torch_dtype': is \"int4\": expected bfloat16, float16 or float32");
}

TEST(ArchitecturesTest, UnknownModelTypeListsTheSupportedOnes) {
  auto config = HfConfig::from_json(nlohmann::json{{"model_type", "gpt2"}}, "gpt2.json");
  ASSERT_TRUE(config);
  auto spec = read_model_spec(*config);
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message,
            "gpt2.json: model_type 'gpt2' is not supported (supported: deepseek_v3, deepseek_v32, gemma3, "
            "gemma3_text, kimi_k2, llama, llama4, llama4_text, minimax_m2, mixtral, nemotron_h, qwen2, qwen3, "
            "qwen3_moe, qwen3_next); see docs/model.md for adding an architecture");
}

TEST(ArchitecturesTest, UnsupportedVariantsAreRefusedWithTheReason) {
  struct Case {
    const char* fixture;
    const char* field;
    nlohmann::json value;
    const char* expected;
  };
  const Case cases[] = {
      {"qwen3-30b-a3b", "norm_topk_prob", false,
       "qwen3-30b-a3b.json: field 'norm_topk_prob': is false (top-k of the full softmax, not renormalized): no "
       "definition form of the dataset routes that way; only renormalized routing is supported"},
      {"deepseek-v3", "scoring_func", "softmax",
       "deepseek-v3.json: field 'scoring_func': is \"softmax\": only sigmoid scoring (DeepSeek-V3 routing) is "
       "supported; softmax scoring (DeepSeek-V2) has no definition form in the dataset"},
      {"llama-3.1-8b", "num_key_value_heads", 7,
       "llama-3.1-8b.json: field 'num_key_value_heads': 7 does not divide num_attention_heads (32)"},
      {"nemotron-h-8b", "hybrid_override_pattern", "M*",
       "nemotron-h-8b.json: field 'hybrid_override_pattern': has 2 layers, num_hidden_layers says 52"},
      {"llama-3.1-8b", "hidden_size", "4096",
       "llama-3.1-8b.json: field 'hidden_size': must be a positive integer, found \"4096\""},
  };
  for (const auto& c : cases) {
    nlohmann::json doc = fixture_json(c.fixture);
    doc[c.field] = c.value;
    auto config = HfConfig::from_json(doc, std::string(c.fixture) + ".json");
    ASSERT_TRUE(config);
    auto spec = read_model_spec(*config);
    ASSERT_FALSE(spec) << c.fixture << " " << c.field;
    EXPECT_EQ(spec.error().message, c.expected);
  }
}

}  // namespace
}  // namespace kjit::jit::model_test
