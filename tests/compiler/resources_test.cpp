// Tests for ptxas -v report parsing (reports captured from NVRTC 13.0).
#include "jit/compiler/resources.h"

#include <gtest/gtest.h>

namespace kjit::jit {
namespace {

constexpr std::string_view k_report =
    "ptxas info    : Overriding maximum register limit 256 for '_Z1kPf' with  32 of maxrregcount option\n"
    "ptxas info    : 0 bytes gmem\n"
    "ptxas info    : Compiling entry function '_Z1kPf' for 'sm_90a'\n"
    "ptxas info    : Function properties for _Z1kPf\n"
    "ptxas         .     256 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
    "ptxas info    : Used 32 registers, used 1 barriers, 256 bytes cumulative stack size, 4096 bytes smem, "
    "384 bytes cmem[0], 8 bytes cmem[2]\n"
    "ptxas info    : Compile time = 21.597 ms\n"
    "ptxas info    : Function properties for _Z1fPfi\n"
    "ptxas         .     64 bytes stack frame, 4 bytes spill stores, 4 bytes spill loads\n"
    "ptxas info    : Compiling entry function '_Z2spPfi' for 'sm_90a'\n"
    "ptxas info    : Function properties for _Z2spPfi\n"
    "ptxas         .     2304 bytes stack frame, 2604 bytes spill stores, 3080 bytes spill loads\n"
    "ptxas info    : Used 32 registers, used 0 barriers, 2304 bytes cumulative stack size\n";

TEST(ResourcesTest, ParsesEntryFunctions) {
  auto r = parse_ptxas_resources(k_report);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].function, "_Z1kPf");
  EXPECT_EQ(r[0].registers, 32);
  EXPECT_EQ(r[0].stack_bytes, 256);
  EXPECT_EQ(r[0].spill_store_bytes, 0);
  EXPECT_EQ(r[0].shared_bytes, 4096);
  EXPECT_EQ(r[0].constant_bytes, 392);
  // The non-entry function's properties do not leak into either entry.
  EXPECT_EQ(r[1].function, "_Z2spPfi");
  EXPECT_EQ(r[1].stack_bytes, 2304);
  EXPECT_EQ(r[1].spill_store_bytes, 2604);
  EXPECT_EQ(r[1].spill_load_bytes, 3080);
  EXPECT_EQ(r[1].shared_bytes, 0);
}

TEST(ResourcesTest, EmptyAndUnrelatedLogs) {
  EXPECT_TRUE(parse_ptxas_resources("").empty());
  EXPECT_TRUE(parse_ptxas_resources("kernel.cu(1): error: x\nptxas info    : 0 bytes gmem\n").empty());
}

}  // namespace
}  // namespace kjit::jit
