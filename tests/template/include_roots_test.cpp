// Include resolution stays inside the template folders (issue #19): an
// absolute include or one that climbs out of the root template's folder and
// the search path is a render error naming the include, so a hostile
// template cannot copy /etc/passwd into its output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "jit/template/environment.h"
#include "tests/common/temp_dir.h"

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;

class IncludeRootsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write("secret.txt", "TOP SECRET\n");
    write("lib/shared.h", "shared\n");
  }
  void write(const std::string& rel, const std::string& text) { m_tmp.write(rel, text); }
  ::kjit::testing::TempDir m_tmp{"kjit_include_roots"};
  fs::path m_dir = m_tmp.path();
};

TEST_F(IncludeRootsTest, AbsoluteIncludeIsRefused) {
  write("t/main.j2", "{% include '/etc/passwd' %}");
  Environment env;
  auto r = env.render_file(m_dir / "t/main.j2", nlohmann::json::object());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::render_error);
  EXPECT_NE(r.error().message.find("main.j2:1:"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("include '/etc/passwd' refused: absolute paths are not allowed"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("root:"), std::string::npos);
}

TEST_F(IncludeRootsTest, ClimbingOutOfTheRootsIsRefused) {
  write("t/main.j2", "{% include '../secret.txt' %}");
  Environment env;
  auto r = env.render_file(m_dir / "t/main.j2", nlohmann::json::object());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("include '../secret.txt' refused: it resolves outside the template folders"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("TOP SECRET"), std::string::npos);
}

TEST_F(IncludeRootsTest, ClimbingFromAnIncludedFileIsRefusedToo) {
  write("t/main.j2", "{% include 'sub/inner.j2' %}");
  write("t/sub/inner.j2", "{% include '../../secret.txt' %}");
  Environment env;
  auto r = env.render_file(m_dir / "t/main.j2", nlohmann::json::object());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("inner.j2:1:"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("refused"), std::string::npos) << r.error().message;
}

TEST_F(IncludeRootsTest, IncludesInsideTheRootsStillWork) {
  write("t/main.j2", "{% include 'sub/inner.j2' %}|{% include 'shared.h' %}");
  write("t/sub/inner.j2", "{% include '../sibling.j2' %}");  // climbs, but stays inside t/
  write("t/sibling.j2", "sibling");
  Environment env({m_dir / "lib"});
  auto r = env.render_file(m_dir / "t/main.j2", nlohmann::json::object());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "sibling|shared\n");
}

TEST_F(IncludeRootsTest, AnOperatorAddsAFolderWithTheSearchPath) {
  write("t/main.j2", "{% include '../secret.txt' %}");
  Environment env({m_dir});  // the operator chose to allow m_dir
  auto r = env.render_file(m_dir / "t/main.j2", nlohmann::json::object());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "TOP SECRET\n");
}

}  // namespace
}  // namespace kjit::jit
