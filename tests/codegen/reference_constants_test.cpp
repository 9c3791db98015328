// Tests for reference constant extraction.
#include <gtest/gtest.h>

#include "jit/codegen/reference_constants.h"

namespace kjit::jit {
namespace {

TEST(ReferenceConstantsTest, FindsNumericAssignments) {
  auto c = reference_constants(
      "import torch\n\ndef run(x, w):\n    EPS = 1e-5\n    BLOCK = 64  # page\n    x = x + 1\n"
      "    assert hidden == 4096\n    y += 2\n    SCALE = -0.5\n    name = 'x'\n    EPS = 7\n");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_DOUBLE_EQ(std::get<double>(c.at("EPS")), 1e-5);
  EXPECT_EQ(std::get<std::int64_t>(c.at("BLOCK")), 64);
  EXPECT_DOUBLE_EQ(std::get<double>(c.at("SCALE")), -0.5);
  EXPECT_EQ(reference_constant("EPS = 1e-6", "EPS"), 1e-6);
  EXPECT_FALSE(reference_constant("x = 1", "EPS").has_value());
}

}  // namespace
}  // namespace kjit::jit
