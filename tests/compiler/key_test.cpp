// Tests for the cache key builder: what changes the key and what must not.
#include "jit/compiler/key.h"
#include "jit/util/hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

namespace kjit::jit {
namespace {

KeyInputs base_inputs() {
  KeyInputs in;
  in.nvrtc_version = "nvrtc 13.0 (V13.0.88, CL-36424714)";
  in.cuda_header_version = "cuda 13000, cccl 3000001";
  in.arch = "sm_90a";
  in.options = {"-Xptxas=-v", "-arch=sm_90a", "-std=c++17"};
  in.name_expressions = {"kjit_rmsnorm"};
  in.source = "extern \"C\" __global__ void kjit_rmsnorm() {}\n";
  in.plan = R"({"launches":[{"entry":"kjit_rmsnorm","grid":["batch_size",1,1],"block":[256,1,1]}]})";
  return in;
}

TEST(KeyTest, HexIs32LowercaseDigits) {
  const Key key = build_key(base_inputs());
  ASSERT_EQ(key.hex.size(), 32u);
  EXPECT_TRUE(std::ranges::all_of(key.hex, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }));
  EXPECT_EQ(build_key(base_inputs()).hex, key.hex);
}

// Pins the grammar: if this changes, bump k_key_schema_version (every
// existing cache entry becomes unreachable, which must be deliberate).
TEST(KeyTest, GoldenValueForSchema2) {
  ASSERT_EQ(k_key_schema_version, 2);
  EXPECT_EQ(build_key(base_inputs()).hex, "c86375aa0f121ab0eb185383a6d48ae8");
}

TEST(KeyTest, EveryInputChangesTheKey) {
  const std::string base = build_key(base_inputs()).hex;
  const std::vector<std::pair<const char*, std::function<void(KeyInputs&)>>> edits = {
      {"schema", [](KeyInputs& in) { in.schema_version = 1; }},
      {"nvrtc build", [](KeyInputs& in) { in.nvrtc_version = "nvrtc 13.0 (V13.0.48, CL-36000000)"; }},
      {"headers", [](KeyInputs& in) { in.cuda_header_version = "cuda 13010, cccl 3000001"; }},
      {"arch", [](KeyInputs& in) { in.arch = "sm_90"; }},
      {"option added", [](KeyInputs& in) { in.options.push_back("--use_fast_math"); }},
      {"option value", [](KeyInputs& in) { in.options[2] = "-std=c++20"; }},
      {"name expression", [](KeyInputs& in) { in.name_expressions = {"&foo<128>"}; }},
      {"source byte", [](KeyInputs& in) { in.source.back() = ' '; }},
      {"source appended", [](KeyInputs& in) { in.source += "// comment\n"; }},
      // A plan-only template edit (block size, grid expression) must miss.
      {"plan block", [](KeyInputs& in) { in.plan.replace(in.plan.find("256"), 3, "512"); }},
      {"plan grid", [](KeyInputs& in) { in.plan.replace(in.plan.find("\"batch_size\""), 12, "\"ceil_div(batch_size, 2)\""); }},
  };
  for (const auto& [what, edit] : edits) {
    KeyInputs in = base_inputs();
    edit(in);
    EXPECT_NE(build_key(in).hex, base) << what;
  }
}

TEST(KeyTest, OrderAndDuplicatesDoNotChangeTheKey) {
  const std::string base = build_key(base_inputs()).hex;
  KeyInputs in = base_inputs();
  std::ranges::reverse(in.options);
  in.options.push_back("-arch=sm_90a");
  EXPECT_EQ(build_key(in).hex, base);

  KeyInputs a = base_inputs(), b = base_inputs();
  a.name_expressions = {"x", "y"};
  b.name_expressions = {"y", "x", "y"};
  EXPECT_EQ(build_key(a).hex, build_key(b).hex);
}

TEST(KeyTest, FieldsCannotRunTogether) {
  KeyInputs a = base_inputs(), b = base_inputs();
  a.nvrtc_version = "ab";
  a.cuda_header_version = "c";
  b.nvrtc_version = "a";
  b.cuda_header_version = "bc";
  EXPECT_NE(build_key(a).hex, build_key(b).hex);

  // A name expression cannot pose as an option, nor a list item as two.
  KeyInputs c = base_inputs(), d = base_inputs();
  c.options = {"-DX"};
  c.name_expressions = {};
  d.options = {};
  d.name_expressions = {"-DX"};
  EXPECT_NE(build_key(c).hex, build_key(d).hex);
  c.options = {"-DAB"};
  d.options = {"-DA", "B"};
  d.name_expressions = {};
  EXPECT_NE(build_key(c).hex, build_key(d).hex);
}

TEST(KeyTest, FieldsArePrintable) {
  const Key key = build_key(base_inputs());
  std::vector<std::string> tags;
  for (const auto& [tag, value] : key.fields) tags.push_back(tag);
  EXPECT_EQ(tags, (std::vector<std::string>{"schema", "nvrtc", "cuda_headers", "arch", "options", "option", "option",
                                            "option", "name_expressions", "name_expression", "source", "plan"}));
  EXPECT_EQ(key.fields[0].second, "2");
  EXPECT_EQ(key.fields[3].second, "sm_90a");
  EXPECT_EQ(key.fields[4].second, "3");
  const std::string& source = key.fields[key.fields.size() - 2].second;
  EXPECT_EQ(source, "xxh3-128 " + xxh3_128_hex(base_inputs().source) + ", 45 bytes");
  EXPECT_EQ(key.fields.back().second,
            "xxh3-128 " + xxh3_128_hex(base_inputs().plan) + ", " + std::to_string(base_inputs().plan.size()) + " bytes");
}

// A compiler that needs no NVRTC: shows key_inputs_for uses the compiler's
// identity and normalization.
class FakeCompiler final : public Compiler {
 public:
  explicit FakeCompiler(std::string version) : m_version(std::move(version)) {}
  Result<CompileOutput> compile(const CompileRequest&) const override {
    return fail(ErrorCode::internal, "fake compiler does not compile");
  }
  std::string version() const override { return m_version; }
  std::string header_version() const override { return "cuda 13000, cccl 3000001"; }

 private:
  std::string m_version;
};

TEST(KeyTest, InputsForRequestNormalizeLikeCompile) {
  FakeCompiler compiler("fake 1.0 (build 7)");
  CompileRequest request;
  request.source = "__global__ void k() {}";
  request.arch = "sm_90a";
  request.extra_options = {"-use_fast_math", "-DN=4"};
  request.name_expressions = {"k"};
  auto inputs = key_inputs_for(compiler, request, "{}");
  ASSERT_TRUE(inputs) << inputs.error().message;
  EXPECT_EQ(inputs->nvrtc_version, "fake 1.0 (build 7)");
  EXPECT_EQ(inputs->cuda_header_version, "cuda 13000, cccl 3000001");
  EXPECT_EQ(inputs->arch, "sm_90a");
  EXPECT_EQ(inputs->options,
            (std::vector<std::string>{"--minimal", "--use_fast_math", "-DN=4", "-Xptxas=-v", "-arch=sm_90a", "-std=c++17"}));
  // No paths in the key: the toolkit location never reaches it.
  for (const auto& option : inputs->options) EXPECT_EQ(option.find('/'), std::string::npos) << option;

  CompileRequest reordered = request;
  reordered.extra_options = {"-D", "N=4", "--use_fast_math"};
  EXPECT_EQ(build_key(*key_inputs_for(compiler, reordered, "{}")).hex, build_key(*inputs).hex);

  CompileRequest other_arch = request;
  other_arch.arch = "sm_100a";
  EXPECT_NE(build_key(*key_inputs_for(compiler, other_arch, "{}")).hex, build_key(*inputs).hex);
  CompileRequest ptx = request;
  ptx.output = OutputKind::ptx;
  EXPECT_NE(build_key(*key_inputs_for(compiler, ptx, "{}")).hex, build_key(*inputs).hex);
  EXPECT_NE(build_key(*key_inputs_for(FakeCompiler("fake 1.0 (build 8)"), request, "{}")).hex, build_key(*inputs).hex);

  CompileRequest bad = request;
  bad.arch = "sm_90x";
  ASSERT_FALSE(key_inputs_for(compiler, bad, "{}"));
  EXPECT_EQ(key_inputs_for(compiler, bad, "{}").error().code, ErrorCode::invalid_argument);
}

// Stored key inputs (issue #19.2): with the entry's source and plan they give
// back the same key, so an importer can recompute it.
TEST(KeyTest, StoredKeyInputsRecomputeTheKey) {
  const KeyInputs in = base_inputs();
  const std::string stored = key_inputs_to_json(in);
  EXPECT_EQ(stored.find(in.source), std::string::npos) << "the source is stored with the entry, not here";
  auto back = key_inputs_from_json(stored, in.source, in.plan);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(build_key(*back).hex, build_key(in).hex);
  auto other = key_inputs_from_json(stored, in.source + " ", in.plan);
  ASSERT_TRUE(other);
  EXPECT_NE(build_key(*other).hex, build_key(in).hex);
  for (const char* bad : {"", "[]", "{\"schema\": 2}", "{\"schema\": \"2\", \"nvrtc\": 1}"}) {
    auto r = key_inputs_from_json(bad, in.source, in.plan);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::corruption);
  }
}

}  // namespace
}  // namespace kjit::jit
