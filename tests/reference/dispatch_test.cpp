// Tests for run_reference's dispatch, has_reference, the constants view and
// parallel_for.
#include <gtest/gtest.h>

#include <atomic>

#include "runtime/reference/constants.h"
#include "runtime/reference/parallel.h"
#include "tests/reference/reference_test_util.h"

namespace kjit::runtime::reference {
namespace {

using namespace testing;

TEST(ReferenceDispatchTest, UnsupportedOpTypeIsRefusedByName) {
  auto def = make_definition("made_up_x", "made_up_op", {}, {}, {});
  EXPECT_FALSE(has_reference(def));
  auto out = run_reference(def, {}, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(out.error().message.rfind("no C++ reference for op_type 'made_up_op'", 0), 0u) << out.error().message;
  EXPECT_NE(out.error().message.find("moe"), std::string::npos) << "the known op types are listed";
}

TEST(ReferenceDispatchTest, MoeWithoutItsInputsIsRefusedByStructure) {
  auto def = make_definition("moe_x", "moe", {}, {}, {});
  EXPECT_FALSE(has_reference(def));
  auto out = run_reference(def, {}, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message.rfind("no C++ reference for definition 'moe_x' of op_type 'moe'", 0), 0u)
      << out.error().message;
}

TEST(ReferenceDispatchTest, UnknownExtraInputIsRefusedNotIgnored) {
  auto def = make_definition("gemm_masked", "gemm", {{"M", 2}, {"N", 2}, {"K", 2}},
                             {{"A", std::vector<std::string>{"M", "K"}},
                              {"B", std::vector<std::string>{"N", "K"}},
                              {"bias", std::vector<std::string>{"N"}}},
                             {{"C", std::vector<std::string>{"M", "N"}}});
  EXPECT_FALSE(has_reference(def));
  auto out = run_reference(def, {{"M", 2}, {"N", 2}, {"K", 2}}, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message,
            "no C++ reference for definition 'gemm_masked' of op_type 'gemm': input 'bias' is not one the gemm "
            "reference understands");
}

TEST(ReferenceConstantsTest, ReadsAssignmentsFromTheReference) {
  auto def = make_definition("c", "rmsnorm", {}, {}, {},
                             "CHUNK_Q = 512  # chunk\n\ndef run(x):\n    EPS = 1e-5\n    if x == 3:\n"
                             "        EPS = 2.0\n    n += 1\n");
  auto constants = reference_constants(def);
  EXPECT_EQ(constants.at("CHUNK_Q"), 512.0);
  EXPECT_EQ(constants.at("EPS"), 1e-5);  // first assignment wins
  EXPECT_FALSE(constants.contains("n"));
  EXPECT_EQ(reference_constant(def, "EPS"), 1e-5);
  EXPECT_EQ(reference_constant(def, "MISSING"), std::nullopt);
}

TEST(ParallelForTest, RunsEveryIndexExactlyOnce) {
  for (unsigned threads : {1u, 2u, 7u, 0u}) {
    std::vector<std::atomic<int>> hits(1000);
    parallel_for(hits.size(), threads, [&](std::size_t i) { hits[i].fetch_add(1); });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1) << threads << " threads";
  }
  parallel_for(0, 4, [](std::size_t) { FAIL() << "no index to run"; });
  EXPECT_GE(resolve_threads(0), 1u);
  EXPECT_EQ(resolve_threads(3), 3u);
}

}  // namespace
}  // namespace kjit::runtime::reference
