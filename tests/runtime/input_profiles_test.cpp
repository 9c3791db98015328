// Tests for the input profiles (runtime/input_profiles.h): each sampling
// case has the property it promises (one-hot rows, uniform rows, a tie at the
// k-th value, zeros and denormals with a zero k-th value, unfiltered k and p,
// a tiny p, two maxima), `edge` cycles through them, and unknown names or op
// types are refused with the list of profiles.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "runtime/input_profiles.h"
#include "runtime/reference/sampling.h"

namespace kjit::runtime {
namespace {

jit::Definition sampling_def(std::int64_t vocab) {
  jit::Definition def;
  def.name = "top_k_top_p_sampling_from_probs_test";
  def.op_type = "sampling";
  def.axes = {{"batch_size", jit::AxisKind::var, 0, ""}, {"vocab_size", jit::AxisKind::const_, vocab, ""}};
  def.inputs = {{"probs", std::vector<std::string>{"batch_size", "vocab_size"}, Dtype::float32, {}, false},
                {"top_k", std::vector<std::string>{"batch_size"}, Dtype::int32, {}, false},
                {"top_p", std::vector<std::string>{"batch_size"}, Dtype::float32, {}, false}};
  def.outputs = {{"samples", std::vector<std::string>{"batch_size"}, Dtype::int64, {}, false}};
  return def;
}

std::vector<double> row_of(const HostTensor& t, std::int64_t r) {
  const std::int64_t v = t.shape[1];
  std::vector<double> row(static_cast<std::size_t>(v));
  for (std::int64_t i = 0; i < v; ++i) row[static_cast<std::size_t>(i)] = t.get(r * v + i);
  return row;
}

TEST(InputProfilesTest, EdgeRowsHaveTheirProperties) {
  constexpr std::int64_t vocab = 4096;
  const auto def = sampling_def(vocab);
  InputOptions options;
  options.profile = "edge";
  auto set = make_inputs(def, nullptr, {{"batch_size", 14}}, options);
  ASSERT_TRUE(set) << set.error().full();
  const HostTensor& probs = *set->find("probs");
  const HostTensor& top_k = *set->find("top_k");
  const HostTensor& top_p = *set->find("top_p");
  for (std::int64_t r = 0; r < 14; ++r) {
    const auto row = row_of(probs, r);
    const auto order = reference::sampling_order(row);
    const std::int64_t k = top_k.get_int(r);
    const double p = top_p.get(r);
    const auto nonzero = std::count_if(row.begin(), row.end(), [](double v) { return v > 0; });
    switch (r % 7) {
      case 0:  // onehot
        EXPECT_EQ(nonzero, 1) << r;
        EXPECT_EQ(row[static_cast<std::size_t>(order[0])], 1.0);
        break;
      case 1:  // uniform
        EXPECT_EQ(std::count(row.begin(), row.end(), row[0]), vocab) << r;
        break;
      case 2: {  // ties: the k-th value has equal neighbours on both sides of rank k
        ASSERT_GT(k, 1);
        const double kth = row[static_cast<std::size_t>(order[static_cast<std::size_t>(k - 1)])];
        EXPECT_EQ(row[static_cast<std::size_t>(order[static_cast<std::size_t>(k - 2)])], kth) << r;
        EXPECT_EQ(row[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])], kth) << r;
        EXPECT_GT(p, 0.0);
        EXPECT_LT(p, 1.0);
        break;
      }
      case 3: {  // sparse: zeros, denormals, and a zero k-th value
        EXPECT_GT(std::count(row.begin(), row.end(), 0.0), vocab / 3) << r;
        EXPECT_GT(std::count_if(row.begin(), row.end(), [](double v) { return v > 0 && v < 0x1p-126; }), vocab / 20) << r;
        EXPECT_EQ(row[static_cast<std::size_t>(order[static_cast<std::size_t>(k - 1)])], 0.0) << r;
        break;
      }
      case 4:  // unfiltered
        EXPECT_EQ(k, vocab);
        EXPECT_EQ(p, 1.0);
        break;
      case 5:  // tiny_p
        EXPECT_LT(p, 1e-6);
        EXPECT_GT(p, 0.0);
        break;
      case 6:  // max_ties
        EXPECT_EQ(row[static_cast<std::size_t>(order[0])], row[static_cast<std::size_t>(order[1])]) << r;
        EXPECT_EQ(k, 1);
        EXPECT_EQ(p, 0.0);
        break;
    }
  }
  EXPECT_NE(std::find(set->notes.begin(), set->notes.end(), "inputs: profile 'edge' (runtime/input_profiles.h)"),
            set->notes.end());
}

TEST(InputProfilesTest, SameSeedSameInputsAndNamedErrors) {
  const auto def = sampling_def(64);
  InputOptions options;
  options.profile = "ties";
  auto a = make_inputs(def, nullptr, {{"batch_size", 3}}, options);
  auto b = make_inputs(def, nullptr, {{"batch_size", 3}}, options);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->find("probs")->bytes, b->find("probs")->bytes);
  options.profile = "nope";
  auto bad = make_inputs(def, nullptr, {{"batch_size", 3}}, options);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("no input profile 'nope' for op_type 'sampling' (profiles: onehot, uniform, ties, "
                                     "sparse, unfiltered, tiny_p, max_ties, edge)"),
            std::string::npos)
      << bad.error().message;
  jit::Definition other = def;
  other.op_type = "rmsnorm";
  EXPECT_TRUE(input_profiles(other).empty());
}

TEST(InputProfilesTest, RopePositionsIndexTheCache) {
  jit::Definition def;
  def.name = "rope_test";
  def.op_type = "rope";
  def.axes = {{"num_tokens", jit::AxisKind::var, 0, ""}, {"max_seq_len", jit::AxisKind::var, 0, ""}};
  def.inputs = {{"positions", std::vector<std::string>{"num_tokens"}, Dtype::int64, {}, false}};
  auto set = make_inputs(def, nullptr, {{"num_tokens", 1000}, {"max_seq_len", 37}}, {});
  ASSERT_TRUE(set) << set.error().full();
  const HostTensor& pos = *set->find("positions");
  for (std::int64_t i = 0; i < pos.numel(); ++i) {
    EXPECT_GE(pos.get_int(i), 0);
    EXPECT_LT(pos.get_int(i), 37);
  }
}

}  // namespace
}  // namespace kjit::runtime
