// Tests for arch parsing and validation against the linked NVRTC.
#include "jit/compiler/arch.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace kjit::jit {
namespace {

TEST(ArchTest, ParsesValidForms) {
  struct Case {
    const char* text;
    int number;
    ArchFeature feature;
    const char* sm;
    const char* compute;
  };
  const Case cases[] = {
      {"sm_80", 80, ArchFeature::none, "sm_80", "compute_80"},
      {"sm_89", 89, ArchFeature::none, "sm_89", "compute_89"},
      {"sm_90", 90, ArchFeature::none, "sm_90", "compute_90"},
      {"sm_90a", 90, ArchFeature::arch_specific, "sm_90a", "compute_90a"},
      {"sm_100a", 100, ArchFeature::arch_specific, "sm_100a", "compute_100a"},
      {"sm_100f", 100, ArchFeature::family_specific, "sm_100f", "compute_100f"},
      {"sm_120a", 120, ArchFeature::arch_specific, "sm_120a", "compute_120a"},
      {"compute_90a", 90, ArchFeature::arch_specific, "sm_90a", "compute_90a"},
  };
  for (const auto& c : cases) {
    auto arch = parse_arch(c.text);
    ASSERT_TRUE(arch) << c.text << ": " << arch.error().message;
    EXPECT_EQ(arch->number, c.number) << c.text;
    EXPECT_EQ(arch->feature, c.feature) << c.text;
    EXPECT_EQ(arch->sm(), c.sm);
    EXPECT_EQ(arch->compute(), c.compute);
  }
  EXPECT_EQ(parse_arch("sm_121a")->major(), 12);
  EXPECT_EQ(parse_arch("sm_121a")->minor(), 1);
}

TEST(ArchTest, RejectsGarbageListingValidForms) {
  for (const char* text : {"", "sm", "sm_", "sm90", "SM_90", "sm_9", "sm_1000", "sm_90b", "sm_90aa", "sm_0a",
                           "sm_x0", "compute", "gfx90a", "sm_80a", "sm_90f", "sm_ 90", "sm_90 "}) {
    auto arch = parse_arch(text);
    ASSERT_FALSE(arch) << "accepted '" << text << "'";
    EXPECT_EQ(arch.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(arch.error().message.find(std::string("invalid arch '") + text + "'"), std::string::npos)
        << arch.error().message;
    EXPECT_NE(arch.error().message.find("sm_XX, sm_XXa"), std::string::npos) << arch.error().message;
  }
}

TEST(ArchTest, SuffixRulesAreExplained) {
  EXPECT_NE(parse_arch("sm_89a").error().message.find("'a' suffix needs sm_90"), std::string::npos);
  EXPECT_NE(parse_arch("sm_90f").error().message.find("'f' suffix needs sm_100"), std::string::npos);
}

TEST(ArchTest, SupportedListComesFromNvrtc) {
  const auto& archs = nvrtc_supported_archs();
  ASSERT_FALSE(archs.empty());
  EXPECT_TRUE(std::ranges::is_sorted(archs));
  // CUDA 13 NVRTC targets Turing and later, Hopper and Blackwell included.
  EXPECT_TRUE(std::ranges::binary_search(archs, 90));
  EXPECT_TRUE(std::ranges::binary_search(archs, 100));
  const std::string described = describe_supported_archs();
  EXPECT_NE(described.find("sm_90a"), std::string::npos) << described;
  EXPECT_NE(described.find("sm_100f"), std::string::npos) << described;
  EXPECT_EQ(described.find("sm_80a"), std::string::npos) << described;
}

TEST(ArchTest, ValidateRejectsUnsupportedWithList) {
  ASSERT_TRUE(validate_arch("sm_90a"));
  ASSERT_TRUE(validate_arch("sm_100f"));
  auto old = validate_arch("sm_35");
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(old.error().message.find("is not supported by nvrtc 13."), std::string::npos);
  EXPECT_NE(old.error().message.find("supported: sm_"), std::string::npos) << old.error().message;
  EXPECT_FALSE(validate_arch("sm_999"));
  EXPECT_FALSE(validate_arch("nonsense"));
}

}  // namespace
}  // namespace kjit::jit
