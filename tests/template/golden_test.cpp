// Golden corpus: renders every tests/data/templates/<case>/template.j2 with
// its context.json and compares against Jinja2's output (expected.txt), or
// checks the error (expected_error.txt).
//
// Rule for error cases: expected_error.txt holds `<file>:<line>:<col>: <phrase>`
// (line from Jinja2, column and phrase from tools/dev/gen_template_golden.py's
// case table). kjit's message must contain `<file>:<line>:<col>: ` and the
// phrase. Regenerate the corpus with `python3 tools/dev/gen_template_golden.py`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "jit/template/environment.h"

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  fs::path root = fs::path(KJIT_TEST_DATA) / "templates";
  if (!fs::is_directory(root)) return names;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesJinja2) {
  fs::path dir = fs::path(KJIT_TEST_DATA) / "templates" / GetParam();
  auto context = parse_context_json(slurp(dir / "context.json"), "context.json");
  ASSERT_TRUE(context) << context.error().message;
  Environment env({dir});
  auto r = env.render_file(dir / "template.j2", *context);
  if (fs::exists(dir / "expected.txt")) {
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->text, slurp(dir / "expected.txt"));
    // One line-map entry per output line.
    std::size_t lines = static_cast<std::size_t>(std::count(r->text.begin(), r->text.end(), '\n'));
    if (!r->text.empty() && r->text.back() != '\n') ++lines;
    EXPECT_EQ(r->line_map.size(), lines);
    ASSERT_FALSE(r->dependencies.empty());
    EXPECT_EQ(r->dependencies[0].file, (dir / "template.j2").string());
    return;
  }
  std::string expected = slurp(dir / "expected_error.txt");
  ASSERT_FALSE(expected.empty()) << "case has neither expected.txt nor expected_error.txt";
  if (expected.back() == '\n') expected.pop_back();
  // `<file>:<line>:<col>: <phrase>`: split after the third colon.
  std::size_t c1 = expected.find(':');
  std::size_t c2 = expected.find(':', c1 + 1);
  std::size_t c3 = expected.find(':', c2 + 1);
  ASSERT_NE(c3, std::string::npos) << expected;
  std::string location = expected.substr(0, c3 + 2);
  std::string phrase = expected.substr(c3 + 2);
  ASSERT_FALSE(r.has_value()) << "expected an error, rendered: " << r->text;
  EXPECT_TRUE(r.error().code == ErrorCode::parse_error || r.error().code == ErrorCode::render_error);
  EXPECT_NE(r.error().message.find("/" + location), std::string::npos)
      << "message: " << r.error().message << "\nexpected location: " << location;
  EXPECT_NE(r.error().message.find(phrase), std::string::npos)
      << "message: " << r.error().message << "\nexpected phrase: " << phrase;
}

INSTANTIATE_TEST_SUITE_P(Corpus, GoldenTest, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

TEST(GoldenCorpusTest, HasAtLeastEightyCases) { EXPECT_GE(case_names().size(), 80u); }

}  // namespace
}  // namespace kjit::jit
