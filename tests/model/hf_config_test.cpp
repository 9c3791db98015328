// HfConfig: loading errors and typed field access with errors naming the
// file and the field (text_config fields named as text_config.X).
#include "tests/model/model_test_util.h"

namespace kjit::jit::model_test {
namespace {

TEST(HfConfigTest, MissingFileIsNotFound) {
  auto c = HfConfig::load("/no/such/config.json");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::not_found);
  EXPECT_EQ(c.error().message, "/no/such/config.json: no such config file; give the path of the model's config.json");
}

TEST(HfConfigTest, MalformedJsonNamesLineAndColumn) {
  TempDir dir;
  write_text(dir.path() / "bad.json", "{\n  \"hidden_size\": 4096,\n  oops\n}\n");
  auto c = HfConfig::load(dir.path() / "bad.json");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::parse_error);
  EXPECT_NE(c.error().message.find("bad.json:3:3: malformed JSON"), std::string::npos) << c.error().message;
}

TEST(HfConfigTest, NonObjectIsRejected) {
  auto c = HfConfig::from_json(nlohmann::json::array({1, 2}), "x.json");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "x.json: a config.json must be a JSON object, found [1,2]");
}

TEST(HfConfigTest, TypedAccessorsNameTheField) {
  auto c = HfConfig::from_json(nlohmann::json{{"model_type", "llama"},
                                              {"hidden_size", "4096"},
                                              {"head_dim", 128.0},
                                              {"n", -1},
                                              {"flag", 1},
                                              {"list", {1, "a"}}},
                               "m.json");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c->model_type(), "llama");
  auto h = c->positive("hidden_size");
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().message, "m.json: field 'hidden_size': must be a positive integer, found \"4096\"");
  EXPECT_EQ(*c->positive("head_dim"), 128);  // an integral float is accepted
  EXPECT_FALSE(c->count("n"));
  auto flag = c->boolean("flag");
  ASSERT_FALSE(flag);
  EXPECT_EQ(flag.error().message, "m.json: field 'flag': must be true or false, found 1");
  auto list = c->integers("list");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().message, "m.json: field 'list': must be a list of integers, found the entry \"a\"");
  auto missing = c->positive("vocab_size");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "m.json: missing field 'vocab_size' (model_type 'llama' needs it to derive the kernels); copy it from "
            "the model's config.json");
}

TEST(HfConfigTest, TextConfigFieldsAreNamedWithTheirPrefix) {
  auto c = HfConfig::from_json(nlohmann::json{{"model_type", "gemma3"}, {"text_config", {{"hidden_size", 5376}}}},
                               "g.json");
  ASSERT_TRUE(c);
  HfConfig text = c->text();
  EXPECT_EQ(*text.positive("hidden_size"), 5376);
  auto missing = text.positive("vocab_size");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "g.json: missing field 'text_config.vocab_size' (model_type 'gemma3' needs it to derive the kernels); "
            "copy it from the model's config.json");
}

TEST(HfConfigTest, MissingModelTypeSaysWhereItGoes) {
  auto c = HfConfig::from_json(nlohmann::json{{"hidden_size", 1}}, "m.json");
  ASSERT_TRUE(c);
  auto t = c->model_type();
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("m.json: missing field 'model_type'"), std::string::npos);
}

}  // namespace
}  // namespace kjit::jit::model_test
