// Tests for the Mamba2 selective state update reference (mamba.cpp): a
// hand-computed element, the group of each head, pad slots (-1) and slots no
// batch entry names, and named errors.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/reference/reference_test_util.h"

namespace kjit::runtime::reference {
namespace {

using namespace testing;
using Shape = std::vector<std::string>;

// nheads 4, head_dim 2, dstate 3, ngroups 2: heads 0-1 read group 0, 2-3 group 1.
Definition mamba_definition() {
  return make_definition(
      "mamba_ssu_test", "mamba_ssu",
      {{"batch_size", std::nullopt}, {"state_cache_size", std::nullopt}, {"nheads", 4}, {"head_dim", 2}, {"dstate", 3},
       {"ngroups", 2}},
      {{"state", Shape{"state_cache_size", "nheads", "head_dim", "dstate"}},
       {"x", Shape{"batch_size", "nheads", "head_dim"}},
       {"dt", Shape{"batch_size", "nheads", "head_dim"}},
       {"A", Shape{"nheads", "head_dim", "dstate"}, Dtype::float32},
       {"B", Shape{"batch_size", "ngroups", "dstate"}},
       {"C", Shape{"batch_size", "ngroups", "dstate"}},
       {"D", Shape{"nheads", "head_dim"}},
       {"dt_bias", Shape{"nheads", "head_dim"}},
       {"state_batch_indices", Shape{"batch_size"}, Dtype::int32}},
      {{"output", Shape{"batch_size", "nheads", "head_dim"}},
       {"new_state", Shape{"state_cache_size", "nheads", "head_dim", "dstate"}}});
}

struct Case {
  TensorMap in;
  std::map<std::string, std::int64_t> axes;
};

Case random_case(std::int64_t batch, std::int64_t cache, std::vector<std::int64_t> slots, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Case c;
  c.axes = {{"batch_size", batch}, {"state_cache_size", cache}, {"nheads", 4}, {"head_dim", 2}, {"dstate", 3}, {"ngroups", 2}};
  c.in["state"] = random_tensor({cache, 4, 2, 3}, rng);
  c.in["x"] = random_tensor({batch, 4, 2}, rng);
  c.in["dt"] = random_tensor({batch, 4, 2}, rng);
  c.in["A"] = random_tensor({4, 2, 3}, rng);
  for (auto& v : c.in["A"].data) v = -std::exp(v);
  c.in["B"] = random_tensor({batch, 2, 3}, rng);
  c.in["C"] = random_tensor({batch, 2, 3}, rng);
  c.in["D"] = random_tensor({4, 2}, rng);
  c.in["dt_bias"] = random_tensor({4, 2}, rng);
  c.in["state_batch_indices"] = index_tensor(slots);
  return c;
}

TEST(MambaReferenceTest, OneElementMatchesHandComputation) {
  Case c = random_case(2, 3, {2, 0}, 1);
  auto out = run_reference(mamba_definition(), c.axes, c.in);
  ASSERT_TRUE(out) << out.error().message;
  // Batch entry 1 (slot 0), head 3 (group 1), head_dim index 1.
  const std::int64_t b = 1, slot = 0, h = 3, p = 1, g = 1;
  const double raw = c.in["dt"].data[(b * 4 + h) * 2 + p] + c.in["dt_bias"].data[h * 2 + p];
  const double dt = std::log1p(std::exp(raw));
  const double x = c.in["x"].data[(b * 4 + h) * 2 + p];
  double y = 0;
  for (std::int64_t n = 0; n < 3; ++n) {
    const double s0 = c.in["state"].data[((slot * 4 + h) * 2 + p) * 3 + n];
    const double s = s0 * std::exp(c.in["A"].data[(h * 2 + p) * 3 + n] * dt) + dt * x * c.in["B"].data[(b * 2 + g) * 3 + n];
    EXPECT_NEAR(out->at("new_state").data[((slot * 4 + h) * 2 + p) * 3 + n], s, 1e-12);
    y += s * c.in["C"].data[(b * 2 + g) * 3 + n];
  }
  EXPECT_NEAR(out->at("output").data[(b * 4 + h) * 2 + p], y + x * c.in["D"].data[h * 2 + p], 1e-12);
}

TEST(MambaReferenceTest, PadSlotsAndUnnamedSlotsKeepTheirState) {
  Case c = random_case(3, 4, {3, -1, 1}, 2);
  auto out = run_reference(mamba_definition(), c.axes, c.in);
  ASSERT_TRUE(out) << out.error().message;
  const std::int64_t slot_elems = 4 * 2 * 3, row = 4 * 2;
  for (std::int64_t slot : {0, 2})
    for (std::int64_t i = 0; i < slot_elems; ++i)
      EXPECT_EQ(out->at("new_state").data[slot * slot_elems + i], c.in["state"].data[slot * slot_elems + i]);
  for (std::int64_t i = 0; i < row; ++i) EXPECT_EQ(out->at("output").data[row + i], 0.0) << "pad entry's output";
  EXPECT_NE(out->at("new_state").data[3 * slot_elems], c.in["state"].data[3 * slot_elems]);
}

TEST(MambaReferenceTest, SlotBeyondTheCacheIsRefused) {
  Case c = random_case(1, 2, {2}, 3);
  auto out = run_reference(mamba_definition(), c.axes, c.in);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message,
            "reference for 'mamba_ssu_test': state_batch_indices[0] = 2 is not below state_cache_size 2 (negative "
            "entries are padding)");
}

}  // namespace
}  // namespace kjit::runtime::reference
