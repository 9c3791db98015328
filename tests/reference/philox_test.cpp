// Philox4x32-10 (templates/include/kjit_philox.cuh.j2, the very file the
// sampling kernels include) against Random123's published known-answer
// vectors (kat_vectors: "philox4x32 10 CTR[4] KEY[2] -> OUT[4]").
#include <gtest/gtest.h>

#include "templates/include/kjit_philox.cuh.j2"

namespace {

struct Kat {
  kjit::Philox4 ctr;
  unsigned key_lo, key_hi;
  kjit::Philox4 expected;
};

TEST(PhiloxTest, Random123KnownAnswers) {
  const Kat kats[] = {
      {{0u, 0u, 0u, 0u}, 0u, 0u, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
      {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
       0xffffffffu,
       0xffffffffu,
       {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
      {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
       0xa4093822u,
       0x299f31d0u,
       {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
  };
  for (const Kat& k : kats) {
    const kjit::Philox4 r = kjit::philox4x32_10(k.ctr, k.key_lo, k.key_hi);
    EXPECT_EQ(r.x, k.expected.x);
    EXPECT_EQ(r.y, k.expected.y);
    EXPECT_EQ(r.z, k.expected.z);
    EXPECT_EQ(r.w, k.expected.w);
  }
}

TEST(PhiloxTest, CounterAndKeyChangeTheOutputAndUniformJoinsTwoWords) {
  const kjit::Philox4 a = kjit::philox4x32_10({1u, 0u, 7u, 0u}, 42u, 0u);
  const kjit::Philox4 b = kjit::philox4x32_10({2u, 0u, 7u, 0u}, 42u, 0u);  // next offset
  const kjit::Philox4 c = kjit::philox4x32_10({1u, 0u, 8u, 0u}, 42u, 0u);  // next row
  const kjit::Philox4 d = kjit::philox4x32_10({1u, 0u, 7u, 0u}, 43u, 0u);  // another seed
  const kjit::Philox4 again = kjit::philox4x32_10({1u, 0u, 7u, 0u}, 42u, 0u);
  EXPECT_EQ(kjit::uniform_u64(a), kjit::uniform_u64(again));
  EXPECT_NE(kjit::uniform_u64(a), kjit::uniform_u64(b));
  EXPECT_NE(kjit::uniform_u64(a), kjit::uniform_u64(c));
  EXPECT_NE(kjit::uniform_u64(a), kjit::uniform_u64(d));
  EXPECT_EQ(kjit::uniform_u64(a), (static_cast<unsigned long long>(a.x) << 32) | a.y);
}

// The uniforms the kernels draw are uniform: 2^16 draws over 16 bins, chi-square with 15 degrees
// of freedom far below its 1e-6 tail (~60).
TEST(PhiloxTest, UniformsFillBinsEvenly) {
  unsigned long long bins[16] = {};
  constexpr int n = 1 << 16;
  for (unsigned row = 0; row < n; ++row) ++bins[kjit::uniform_u64(kjit::philox4x32_10({0u, 0u, row, 0u}, 0u, 0u)) >> 60];
  double chi2 = 0;
  for (unsigned long long b : bins) chi2 += (b - n / 16.0) * (b - n / 16.0) / (n / 16.0);
  EXPECT_LT(chi2, 60.0);
}

}  // namespace
