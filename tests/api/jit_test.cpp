// End-to-end tests of the Jit facade without a GPU: definition → template →
// NVRTC → cache, memory and disk hits, reload, errors and exit codes.
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>

#include "cache/cache.h"
#include "jit/api/jit.h"
#include "tests/common/temp_dir.h"

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;

class JitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(m_root / "templates/scale");
    fs::create_directories(m_root / "defs/scale");
    write("defs/scale/scale_h64.json", definition("scale_h64", 64));
    write("defs/scale/scale_h7.json", definition("scale_h7", 7));
    write("defs/other/other.json", R"J({"name": "other", "op_type": "other", "axes": {},
      "inputs": {"x": {"shape": null, "dtype": "float32"}}, "outputs": {"y": {"shape": null, "dtype": "float32"}},
      "reference": "def run(x):\n    return x"})J");
    write("templates/scale/scale.kjit.json", R"J({"source": "scale.cu.j2", "plan": "scale.plan.j2",
      "serves": {"op_type": "scale", "inputs": ["x"], "outputs": ["y"], "const_axes": ["hidden_size"]}})J");
    write_source("y[i] = x[i] * (float)({{ consts.FACTOR }});");
    write("templates/scale/scale.plan.j2", R"J({"launches": [{"entry": "{{ entry_prefix }}",
      "grid": ["ceil_div(n * {{ const.hidden_size }}, 128)"], "block": [128], "args": ["x", "y", "n"]}]})J");
    m_config.cache_dir = m_root / "cache";
    m_config.templates_dir = m_root / "templates";
    m_config.builtin_definitions_dir = m_root / "defs";
  }
  // A test may make the root read-only; m_tmp removes it after this.
  void TearDown() override { fs::permissions(m_root, fs::perms::owner_all, fs::perm_options::add); }
  static std::string definition(const std::string& name, int h) {
    return R"J({"name": ")J" + name + R"J(", "op_type": "scale", "axes": {"n": {"type": "var"},
      "hidden_size": {"type": "const", "value": )J" + std::to_string(h) + R"J(}},
      "inputs": {"x": {"shape": ["n", "hidden_size"], "dtype": "float32"}},
      "outputs": {"y": {"shape": ["n", "hidden_size"], "dtype": "float32"}},
      "reference": "def run(x):\n    FACTOR = 3\n    return x * FACTOR"})J";
  }
  void write(const std::string& rel, const std::string& text) { m_tmp.write(rel, text); }
  void write_source(const std::string& body) {
    write("templates/scale/scale.cu.j2",
          "// scale kernel for {{ name }}\n"
          "extern \"C\" __global__ void {{ entry_prefix }}(const float* x, float* y, long long n) {\n"
          "  long long i = blockIdx.x * 128ll + threadIdx.x;\n"
          "  if (i >= n * {{ const.hidden_size }}) return;\n"
          "  " + body + "\n"
          "}\n");
  }
  std::unique_ptr<Jit> open() {
    auto j = Jit::open(m_config);
    EXPECT_TRUE(j) << j.error().message;
    return j ? std::move(*j) : nullptr;
  }
  ::kjit::testing::TempDir m_tmp{"kjit_jit"};
  fs::path m_root = m_tmp.path();
  Config m_config;
};

TEST_F(JitTest, CompilesOnceThenServesFromMemoryAndDisk) {
  auto jit = open();
  auto first = jit->get("scale_h64", "sm_90a");
  ASSERT_TRUE(first) << first.error().full();
  EXPECT_EQ(first->status, GetStatus::compiled);
  const Artifact& a = *first->artifact;
  EXPECT_EQ(a.key.size(), 32u);
  ASSERT_GE(a.cubin.size(), 4u);
  EXPECT_EQ(a.cubin[0], 0x7f);  // ELF
  EXPECT_EQ(a.cubin[1], 'E');
  EXPECT_EQ(a.template_name, "scale/scale");
  ASSERT_EQ(a.plan.launches.size(), 1u);
  EXPECT_EQ(a.plan.launches[0].entry, "kjit_scale_h64");
  ASSERT_EQ(a.resources.size(), 1u);
  EXPECT_GT(a.resources[0].registers, 0);
  EXPECT_NE(a.source.find("* (float)(3)"), std::string::npos);

  auto again = jit->get("scale_h64", "sm_90a");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, GetStatus::memory_hit);
  EXPECT_EQ(again->artifact.get(), first->artifact.get());

  auto jit2 = open();  // a new process-like facade on the same cache
  auto disk = jit2->get("scale_h64", "sm_90a");
  ASSERT_TRUE(disk);
  EXPECT_EQ(disk->status, GetStatus::hit);
  EXPECT_EQ(disk->artifact->cubin, a.cubin);
  auto stats = jit2->cache().stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ((*stats)[cache::Counter::compiles], 1u);
  EXPECT_EQ(stats->entries, 1u);
}

TEST_F(JitTest, ArchIsPartOfTheKey) {
  auto jit = open();
  auto a = jit->key("scale_h64", "sm_90a");
  auto b = jit->key("scale_h64", "sm_90");
  auto c = jit->key("scale_h7", "sm_90a");
  ASSERT_TRUE(a && b && c);
  EXPECT_NE(a->hex, b->hex);
  EXPECT_NE(a->hex, c->hex);
  EXPECT_EQ(a->hex, jit->key("scale_h64", "sm_90a")->hex);
}

TEST_F(JitTest, ReloadPicksUpTemplateEdits) {
  auto jit = open();
  auto before = jit->get("scale_h64", "sm_90a");
  ASSERT_TRUE(before);
  write_source("y[i] = x[i] * (float)({{ consts.FACTOR }}) + 1.0f;");
  auto stale = jit->get("scale_h64", "sm_90a");
  EXPECT_EQ(stale->status, GetStatus::memory_hit);  // no reload yet
  jit->reload();
  auto after = jit->get("scale_h64", "sm_90a");
  ASSERT_TRUE(after) << after.error().full();
  EXPECT_EQ(after->status, GetStatus::compiled);
  EXPECT_NE(after->artifact->key, before->artifact->key);
}

TEST_F(JitTest, ErrorsCarryCodesAndPlaces) {
  auto jit = open();
  auto unknown = jit->get("scale_h65", "sm_90a");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  EXPECT_EQ(exit_code_for(unknown.error().code), 3);

  auto none = jit->get("other", "sm_90a");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::no_template);
  EXPECT_EQ(none.error().message, "no template serves definition 'other' (op_type other)");

  auto arch = jit->get("scale_h64", "sm_9x");
  ASSERT_FALSE(arch);
  EXPECT_EQ(arch.error().code, ErrorCode::invalid_argument);

  write_source("y[i] = x[i] * undefined_thing;");
  jit->reload();
  auto bad = jit->get("scale_h7", "sm_90a");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::compile_error);
  EXPECT_NE(bad.error().message.find("scale.cu.j2:5:"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("undefined_thing"), std::string::npos);
  // Remembered: a second try is answered from the index without compiling.
  auto again = jit->get("scale_h7", "sm_90a");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::compile_error);
  auto stats = jit->cache().stats();
  EXPECT_EQ((*stats)[cache::Counter::compile_failures], 1u);
}

TEST_F(JitTest, TemplateSyntaxErrorPointsAtTheTemplate) {
  // An unclosed `{{` on line 5: like Jinja2, the error is where the parser
  // meets the token it cannot take (the kernel's closing `}` on line 6).
  write_source("{{ consts.FACTOR ");
  auto jit = open();
  auto r = jit->get("scale_h64", "sm_90a");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().code == ErrorCode::parse_error || r.error().code == ErrorCode::render_error);
  EXPECT_NE(r.error().message.find("scale.cu.j2:6:1: unexpected '}'"), std::string::npos) << r.error().message;
  EXPECT_EQ(exit_code_for(r.error().code), 4);
}

TEST_F(JitTest, UnwritableCacheDirIsAClearError) {
  write("blocker", "a file, not a folder");
  m_config.cache_dir = m_root / "blocker" / "cache";
  auto j = Jit::open(m_config);
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find((m_root / "blocker").string()), std::string::npos) << j.error().message;
}

TEST_F(JitTest, ConcurrentColdGetsCompileOnce) {
  auto jit = open();
  std::vector<std::thread> threads;
  std::vector<std::string> keys(8);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      auto r = jit->get("scale_h64", "sm_90a");
      if (r) keys[t] = r->artifact->key;
    });
  for (auto& t : threads) t.join();
  for (const auto& k : keys) EXPECT_EQ(k, keys[0]);
  EXPECT_EQ((*jit->cache().stats())[cache::Counter::compiles], 1u);
}

}  // namespace
}  // namespace kjit::jit
