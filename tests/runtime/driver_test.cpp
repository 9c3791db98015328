// CPU-side tests of the driver wrapper and the launcher's argument packing:
// the no-device error, the arch naming, and byte-exact packing from a plan
// and a binding (no GPU needed).
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <vector>

#include "runtime/arg_pack.h"
#include "runtime/driver.h"
#include "runtime/launcher.h"

namespace kjit::runtime {
namespace {

TEST(DriverTest, NoDeviceGivesNoDeviceErrorOrAWorkingDevice) {
  auto count = device_count();
  if (count) {
    // A machine with a GPU: the driver must also open device 0.
    auto device = Device::open(0);
    ASSERT_TRUE(device) << device.error().full();
    EXPECT_GT((*device)->info().sm_count, 0);
    EXPECT_FALSE((*device)->info().arch.empty());
    return;
  }
  EXPECT_EQ(count.error().code, ErrorCode::no_device);
  EXPECT_EQ(count.error().message, "no CUDA device: check and bench need a GPU");
  EXPECT_FALSE(count.error().details.empty());  // says why (dlopen, cuInit, zero devices)
  auto device = Device::open(0);
  ASSERT_FALSE(device);
  EXPECT_EQ(device.error().code, ErrorCode::no_device);
  EXPECT_EQ(exit_code_for(device.error().code), 6);
  auto buffer = DeviceBuffer::allocate(16, "x");
  ASSERT_FALSE(buffer);
  EXPECT_EQ(buffer.error().code, ErrorCode::no_device);
}

TEST(DriverTest, ZeroByteBufferNeedsNoDevice) {
  auto buffer = DeviceBuffer::allocate(0, "empty");
  ASSERT_TRUE(buffer) << buffer.error().full();
  EXPECT_EQ(buffer->ptr(), 0u);
  EXPECT_EQ(buffer->size(), 0u);
}

TEST(DriverTest, ArchForComputeCapability) {
  struct Case {
    int major, minor;
    const char* arch;
  };
  for (const Case& c : {Case{9, 0, "sm_90a"}, Case{10, 0, "sm_100a"}, Case{12, 0, "sm_120a"}, Case{8, 6, "sm_86"},
                        Case{8, 0, "sm_80"}, Case{10, 3, "sm_103a"}}) {
    EXPECT_EQ(arch_for_compute_capability(c.major, c.minor), c.arch) << c.major << "." << c.minor;
  }
}

TEST(DriverTest, CheckNamesCallAndWhat) {
  auto ok = cu_check(CUDA_SUCCESS, "cuMemAlloc_v2", "allocating");
  EXPECT_TRUE(ok);
  auto bad = cu_check(CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc_v2", "allocating 8 bytes for 'output'");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::launch_error);
  EXPECT_NE(bad.error().message.find("cuMemAlloc_v2 failed with "), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("while allocating 8 bytes for 'output'"), std::string::npos);
  // With a driver the CUDA name appears; without one the numeric code does.
  bool named = bad.error().message.find("CUDA_ERROR_OUT_OF_MEMORY") != std::string::npos;
  bool numbered = bad.error().message.find("CUDA error 2") != std::string::npos;
  EXPECT_TRUE(named || numbered) << bad.error().message;
}

template <class T>
T read_slot(const PackedArgs& packed, std::size_t i) {
  T value{};
  std::memcpy(&value, packed.storage().data() + packed.args()[i].offset, sizeof(T));
  return value;
}

TEST(ArgPackTest, PacksPlanArgumentsByteExact) {
  // A plan with a let and a workspace buffer, as docs/templates.md shows.
  auto plan = jit::LaunchPlan::from_json(nlohmann::json::parse(R"json({
    "lets": [{"name": "num_splits", "expr": "max(1, min(32, ceil_div(2 * num_sms, batch_size * 8)))"}],
    "workspace": [{"name": "partial", "bytes": "batch_size * num_splits * 4", "zero": true}],
    "launches": [{"entry": "k", "grid": ["batch_size", "num_splits", 1], "block": [256, 1, 1],
                  "shared_bytes": 0,
                  "args": ["x", "eps", "out", "batch_size", "hidden_size", "num_splits", "partial", "num_sms"]}]
  })json"));
  ASSERT_TRUE(plan) << plan.error().full();
  jit::Bindings axes{{"batch_size", 3}, {"hidden_size", 4096}};
  auto resolved = jit::resolve_plan(*plan, axes, 132);
  ASSERT_TRUE(resolved) << resolved.error().full();
  // num_splits = max(1, min(32, ceil_div(264, 24))) = 11
  ASSERT_EQ(resolved->launches.size(), 1u);
  EXPECT_EQ(resolved->launches[0].grid[1], 11u);

  std::map<std::string, std::uint64_t, std::less<>> tensors{{"x", 0x7f0000001000ull}, {"out", 0x7f0000002000ull}};
  std::map<std::string, ScalarArg, std::less<>> scalars{{"eps", ScalarArg::from_double(jit::Dtype::float32, 1e-6)}};
  ArgTable table = make_arg_table(*resolved, tensors, scalars, {0x7f0000003000ull});
  auto packed = pack_args(resolved->launches[0], table);
  ASSERT_TRUE(packed) << packed.error().full();

  ASSERT_EQ(packed->args().size(), 8u);
  ASSERT_EQ(packed->storage().size(), 64u);  // 8 slots of 8 bytes
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(packed->args()[i].offset, i * 8);
  EXPECT_EQ(read_slot<std::uint64_t>(*packed, 0), 0x7f0000001000ull);
  EXPECT_EQ(packed->args()[0].kind, ArgKind::tensor);
  EXPECT_EQ(read_slot<float>(*packed, 1), 1e-6f);
  EXPECT_EQ(packed->args()[1].size, 4u);
  EXPECT_EQ(read_slot<std::uint32_t>(*packed, 1) >> 0, std::bit_cast<std::uint32_t>(1e-6f));
  // The unused half of a 4-byte slot stays zero.
  EXPECT_EQ(read_slot<std::uint64_t>(*packed, 1) >> 32, 0u);
  EXPECT_EQ(read_slot<std::uint64_t>(*packed, 2), 0x7f0000002000ull);
  EXPECT_EQ(read_slot<std::int64_t>(*packed, 3), 3);
  EXPECT_EQ(read_slot<std::int64_t>(*packed, 4), 4096);
  EXPECT_EQ(read_slot<std::int64_t>(*packed, 5), 11);
  EXPECT_EQ(packed->args()[6].kind, ArgKind::workspace);
  EXPECT_EQ(read_slot<std::uint64_t>(*packed, 6), 0x7f0000003000ull);
  EXPECT_EQ(read_slot<std::int64_t>(*packed, 7), 132);

  // params() points at each slot, also after a copy.
  PackedArgs copy = *packed;
  void** params = copy.params();
  for (std::size_t i = 0; i < 8; ++i)
    EXPECT_EQ(static_cast<const void*>(params[i]), static_cast<const void*>(copy.storage().data() + i * 8));
}

TEST(ArgPackTest, ScalarDtypesHaveTheirSizes) {
  struct Case {
    jit::Dtype dtype;
    double value;
    std::uint64_t bits;
    std::size_t size;
  };
  for (const Case& c : {Case{jit::Dtype::int32, -2, 0xfffffffeull, 4}, Case{jit::Dtype::int64, -2, ~1ull, 8},
                        Case{jit::Dtype::float32, 1.0, 0x3f800000ull, 4}, Case{jit::Dtype::bfloat16, 1.0, 0x3f80ull, 2},
                        Case{jit::Dtype::float16, 1.0, 0x3c00ull, 2}, Case{jit::Dtype::boolean, 3, 1, 1}}) {
    ScalarArg arg = ScalarArg::from_double(c.dtype, c.value);
    EXPECT_EQ(arg.bits, c.bits) << jit::dtype_name(c.dtype);
    EXPECT_EQ(arg.size(), c.size) << jit::dtype_name(c.dtype);
  }
}

TEST(ArgPackTest, UnknownArgumentNamesKernelAndArgument) {
  jit::ResolvedLaunch launch;
  launch.entry = "kjit_rmsnorm_h4096";
  launch.args = {"x", "mystery"};
  ArgTable table;
  table.tensors["x"] = 1;
  auto packed = pack_args(launch, table);
  ASSERT_FALSE(packed);
  EXPECT_EQ(packed.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(packed.error().message,
            "launch plan: argument 'mystery' of kernel 'kjit_rmsnorm_h4096' is not a tensor, scalar, axis, let or "
            "workspace buffer of the definition");
}

TEST(ArgPackTest, TensorWinsOverAxisOfTheSameName) {
  // docs/templates.md resolution order: tensor, scalar, axis/let, workspace.
  jit::ResolvedLaunch launch;
  launch.entry = "k";
  launch.args = {"n"};
  ArgTable table;
  table.tensors["n"] = 0xabcdull;
  table.values["n"] = 5;
  auto packed = pack_args(launch, table);
  ASSERT_TRUE(packed);
  EXPECT_EQ(read_slot<std::uint64_t>(*packed, 0), 0xabcdull);
}

}  // namespace
}  // namespace kjit::runtime
