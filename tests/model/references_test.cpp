// Reference templates (jit/model/references.h): every embedded template
// renders with its placeholders filled, and rendering refuses an unknown
// template, a missing value and a value no placeholder uses.
#include <regex>
#include <set>

#include "jit/model/references.h"
#include "tests/model/model_test_util.h"

namespace kjit::jit::model_test {
namespace {

TEST(ReferencesTest, EveryTemplateDefinesRunAndRendersWithItsPlaceholders) {
  auto names = reference_template_names();
  ASSERT_GE(names.size(), 25u);
  const std::regex placeholder(R"(\{\{([A-Z0-9_]+)\}\})");
  for (auto name : names) {
    auto text = reference_template(name);
    ASSERT_TRUE(text) << name;
    EXPECT_NE(text->find("def run("), std::string_view::npos) << name;
    EXPECT_NE(text->find("import torch"), std::string_view::npos) << name;
    ReferenceValues values;
    std::string s(*text);
    for (std::sregex_iterator it(s.begin(), s.end(), placeholder), end; it != end; ++it) values[(*it)[1]] = "7";
    auto rendered = render_reference(name, values);
    ASSERT_TRUE(rendered) << name << ": " << rendered.error().message;
    EXPECT_EQ(rendered->find("{{"), std::string::npos) << name;
  }
}

TEST(ReferencesTest, RenderSubstitutesEveryOccurrence) {
  auto r = render_reference("rmsnorm", {{"HIDDEN_SIZE", "4096"}, {"EPS", "1e-05"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(r->find("HIDDEN_SIZE = 4096\n"), std::string::npos);
  EXPECT_NE(r->find("EPS = 1e-05\n"), std::string::npos);
}

TEST(ReferencesTest, UnknownTemplateIsNotFound) {
  auto r = render_reference("no_such_op", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_NE(r.error().message.find("no reference template 'no_such_op' (known: "), std::string::npos);
}

TEST(ReferencesTest, MissingValueAndUnusedValueAreErrors) {
  auto missing = render_reference("rmsnorm", {{"HIDDEN_SIZE", "4096"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "reference template 'rmsnorm': no value for {{EPS}}");
  auto unused = render_reference("rmsnorm", {{"HIDDEN_SIZE", "4096"}, {"EPS", "1e-5"}, {"BOGUS", "1"}});
  ASSERT_FALSE(unused);
  EXPECT_EQ(unused.error().message, "reference template 'rmsnorm' has no placeholder {{BOGUS}}");
}

}  // namespace
}  // namespace kjit::jit::model_test
