// The C API's launch functions on the fake CUDA driver: DLPack's own
// DLTensor passed as kjit_tensor, positional and named launches, resolve
// JSON, return codes and messages for bad arguments, the catalog functions.
#include <dlpack/dlpack.h>

#include <cstring>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jit/capi/kjit.h"
#include "tests/fakes/fake_cuda.h"

namespace {

namespace fs = std::filesystem;
using kjit::testing::FakeCuda;

class CapiLaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string cache = (fs::path(KJIT_BINARY).parent_path() / "test-cache").string();
    ASSERT_EQ(kjit_open(cache.c_str(), nullptr, &h), KJIT_OK) << kjit_last_error();
    ASSERT_EQ(kjit_get_kernel(h, "rmsnorm_h4096", nullptr, &k), KJIT_OK) << kjit_last_error();
  }
  void TearDown() override {
    kjit_kernel_free(k);
    kjit_close(h);
  }
  // hidden_states [rows, 4096], weight [4096], output [rows, 4096], bf16 on CUDA device 0.
  void make(std::int64_t rows) {
    xs[0] = os[0] = rows;
    xs[1] = os[1] = ws[0] = 4096;
    DLDataType bf16{kDLBfloat, 16, 1};
    DLDevice cuda{kDLCUDA, 0};
    t[0] = DLTensor{reinterpret_cast<void*>(0x7a0000000000), cuda, 2, bf16, xs, nullptr, 0};
    t[1] = DLTensor{reinterpret_cast<void*>(0x7b0000000000), cuda, 1, bf16, ws, nullptr, 0};
    t[2] = DLTensor{reinterpret_cast<void*>(0x7c0000000000), cuda, 2, bf16, os, nullptr, 256};
  }
  const kjit_tensor* tensors() const { return reinterpret_cast<const kjit_tensor*>(t); }

  kjit_handle* h = nullptr;
  kjit_kernel* k = nullptr;
  std::int64_t xs[2], ws[1], os[2];
  DLTensor t[3];
};

TEST_F(CapiLaunchTest, DLTensorsLaunchAndMatchResolve) {
  const FakeCuda& fake = FakeCuda::get();
  fake.reset(1);
  make(9);
  ASSERT_EQ(kjit_launch(k, tensors(), 3, nullptr, 0, reinterpret_cast<void*>(0x42)), KJIT_OK) << kjit_last_error();
  ASSERT_EQ(fake.recorded(), 1);
  kjit_fake_launch l = fake.launch(0);
  EXPECT_STREQ(l.entry, "kjit_rmsnorm_h4096");
  EXPECT_EQ(l.grid[0], 9u);
  EXPECT_EQ(l.stream, reinterpret_cast<void*>(0x42));
  EXPECT_EQ(l.param[2], 0x7c0000000000ull + 256);  // byte_offset applied
  char* json = nullptr;
  ASSERT_EQ(kjit_resolve(k, nullptr, tensors(), 3, nullptr, nullptr, 0, nullptr, &json), KJIT_OK) << kjit_last_error();
  auto r = nlohmann::json::parse(json);
  kjit_free(json);
  EXPECT_EQ(r["launches"][0]["grid"], nlohmann::json({9, 1, 1}));
  EXPECT_EQ(r["launches"][0]["args"][2]["pointer"], 0x7c0000000000ull + 256);
  EXPECT_EQ(r["axes"]["batch_size"], 9);
}

TEST_F(CapiLaunchTest, NamedLaunchAndOptionsOfAnOlderSize) {
  const FakeCuda& fake = FakeCuda::get();
  fake.reset(1);
  make(3);
  const char* names[] = {"output", "weight", "hidden_states"};
  DLTensor reordered[3] = {t[2], t[1], t[0]};
  kjit_launch_options o{};
  o.size = offsetof(kjit_launch_options, num_sms);  // a caller built against a header without num_sms
  o.flags = KJIT_LAUNCH_DEVICE_FROM_TENSORS;
  ASSERT_EQ(kjit_launch_ex(k, names, reinterpret_cast<const kjit_tensor*>(reordered), 3, nullptr, nullptr, 0, nullptr, &o), KJIT_OK)
      << kjit_last_error();
  EXPECT_EQ(fake.launch(0).param[0], 0x7a0000000000ull);
  EXPECT_EQ(fake.launch(0).param[2], 0x7c0000000000ull + 256);
  names[0] = "out";
  EXPECT_EQ(kjit_launch_ex(k, names, reinterpret_cast<const kjit_tensor*>(reordered), 3, nullptr, nullptr, 0, nullptr, nullptr),
            KJIT_INVALID_ARGUMENT);
  EXPECT_STREQ(kjit_last_error(), "rmsnorm_h4096 has no tensor 'out' (tensors: hidden_states, weight, output)");
}

TEST_F(CapiLaunchTest, BadArgumentsReturnCode2WithTheMessage) {
  make(3);
  t[1].dtype = DLDataType{kDLFloat, 64, 1};
  EXPECT_EQ(kjit_launch(k, tensors(), 3, nullptr, 0, nullptr), KJIT_INVALID_ARGUMENT);
  EXPECT_STREQ(kjit_last_error(), "rmsnorm_h4096: tensor 'weight' has DLPack dtype (code 2, bits 64, lanes 1), which kjit does not support");
  make(3);
  t[1].dtype = DLDataType{kDLFloat, 16, 1};
  EXPECT_EQ(kjit_launch(k, tensors(), 3, nullptr, 0, nullptr), KJIT_INVALID_ARGUMENT);
  EXPECT_STREQ(kjit_last_error(),
               "rmsnorm_h4096: tensor 'weight' has dtype float16, the definition says bfloat16 (bfloat16[4096])");
  make(3);
  t[0].device = DLDevice{kDLCPU, 0};
  EXPECT_EQ(kjit_launch(k, tensors(), 3, nullptr, 0, nullptr), KJIT_INVALID_ARGUMENT);
  EXPECT_STREQ(kjit_last_error(),
               "rmsnorm_h4096: tensor 'hidden_states' is in CPU memory; kjit kernels need CUDA device memory (move it to the GPU first)");
  make(3);
  os[0] = 4;
  EXPECT_EQ(kjit_launch(k, tensors(), 3, nullptr, 0, nullptr), KJIT_INVALID_ARGUMENT);
  EXPECT_STREQ(kjit_last_error(),
               "rmsnorm_h4096: tensor 'output' dim 0 (axis 'batch_size') is 4, but tensor 'hidden_states' dim 0 gave batch_size = 3");
  make(3);
  EXPECT_EQ(kjit_launch(k, tensors(), 2, nullptr, 0, nullptr), KJIT_INVALID_ARGUMENT);
  EXPECT_STREQ(kjit_last_error(), "rmsnorm_h4096 takes 3 tensors (hidden_states, weight, output), got 2");
  EXPECT_EQ(kjit_launch(nullptr, tensors(), 3, nullptr, 0, nullptr), KJIT_INVALID_ARGUMENT);
}

TEST_F(CapiLaunchTest, CatalogAndKernelJson) {
  char* list = nullptr;
  ASSERT_EQ(kjit_list_json(h, &list), KJIT_OK);
  auto l = nlohmann::json::parse(list);
  kjit_free(list);
  bool found = false;
  for (const auto& d : l) found = found || (d["name"] == "rmsnorm_h4096" && d["template"] == "rmsnorm/rmsnorm");
  EXPECT_TRUE(found);
  char* def = nullptr;
  ASSERT_EQ(kjit_definition_json(h, "gemm_n4096_k4096", &def), KJIT_OK);
  EXPECT_EQ(nlohmann::json::parse(def)["axes"]["K"]["value"], 4096);
  kjit_free(def);
  EXPECT_EQ(kjit_definition_json(h, "gemm_n1_k1", &def), KJIT_NOT_FOUND);
  EXPECT_EQ(def, nullptr);
  auto info = nlohmann::json::parse(kjit_kernel_info_json(k));
  EXPECT_EQ(info["name"], "rmsnorm_h4096");
  EXPECT_EQ(info["key"], kjit_kernel_key(k));
  EXPECT_EQ(info["spill_bytes"], 0);
  auto sig = nlohmann::json::parse(kjit_kernel_signature_json(k));
  EXPECT_EQ(sig["inputs"][0]["shape"], nlohmann::json({"batch_size", "hidden_size"}));
  EXPECT_EQ(sig["outputs"][0]["name"], "output");
  kjit_kernel* none = nullptr;
  EXPECT_EQ(kjit_get_kernel(h, "no_such_kernel", nullptr, &none), KJIT_NOT_FOUND);
  EXPECT_EQ(kjit_set_log(9, nullptr), KJIT_INVALID_ARGUMENT);
  EXPECT_EQ(kjit_set_log(0, nullptr), KJIT_OK);
}

TEST_F(CapiLaunchTest, KernelOutlivesTheHandle) {
  const FakeCuda& fake = FakeCuda::get();
  kjit_close(h);
  h = nullptr;
  fake.reset(1);
  make(2);
  ASSERT_EQ(kjit_launch(k, tensors(), 3, nullptr, 0, nullptr), KJIT_OK) << kjit_last_error();
  EXPECT_EQ(fake.recorded(), 1);
}

}  // namespace
