// KernelSignature: the launch-time argument check, with every error a user
// can make (each message asserted word for word where it names values).
#include <array>

#include <gtest/gtest.h>

#include "jit/definition/parse.h"
#include "runtime/kernel_signature.h"

namespace kjit::runtime {
namespace {

jit::Definition attention_like() {
  auto doc = nlohmann::ordered_json::parse(R"J({
    "name": "toy_decode", "op_type": "toy",
    "axes": {"batch_size": {"type": "var"}, "heads": {"type": "const", "value": 4},
             "head_dim": {"type": "const", "value": 8}, "len_indptr": {"type": "var"}},
    "inputs": {"q": {"shape": ["batch_size", "heads", "head_dim"], "dtype": "bfloat16"},
               "indptr": {"shape": ["len_indptr"], "dtype": "int32"},
               "scale": {"shape": null, "dtype": "float32"}},
    "outputs": {"out": {"shape": ["batch_size", "heads", "head_dim"], "dtype": "bfloat16"},
                "lse": {"shape": ["batch_size", "heads"], "dtype": "float32"}},
    "reference": "def run(q, indptr, scale):\n    return q"})J");
  return *jit::parse_definition(doc, "toy");
}

// The four tensors of a valid toy_decode launch (batch 5); a test breaks one.
struct Tensors {
  std::array<std::int64_t, 3> q_shape{5, 4, 8};
  std::array<std::int64_t, 1> i_shape{6};
  std::array<std::int64_t, 3> o_shape{5, 4, 8};
  std::array<std::int64_t, 2> l_shape{5, 4};
  TensorArg q{0x10000, q_shape.data(), nullptr, 3, jit::Dtype::bfloat16};
  TensorArg indptr{0x20000, i_shape.data(), nullptr, 1, jit::Dtype::int32};
  TensorArg out{0x30000, o_shape.data(), nullptr, 3, jit::Dtype::bfloat16};
  TensorArg lse{0x40000, l_shape.data(), nullptr, 2, jit::Dtype::float32};
  std::array<const TensorArg*, 4> slots() const { return {&q, &indptr, &out, &lse}; }
};

// Each test gets toy_decode's signature and a valid launch's tensors `f` to break.
class KernelSignatureTest : public ::testing::Test {
 protected:
  // bind()'s error message for the tensors of `f`, or "ok".
  static std::string bind_error(const KernelSignature& sig, const Tensors& f) {
    std::array<std::int64_t, k_max_axes> axes{};
    auto s = f.slots();
    auto r = sig.bind(s, axes.data(), nullptr);
    return r ? std::string("ok") : r.error().message;
  }
  KernelSignature sig = *KernelSignature::from_definition(attention_like());
  Tensors f;
};

TEST_F(KernelSignatureTest, SlotsAreTensorInputsThenOutputsAndScalarsApart) {
  ASSERT_EQ(sig.tensors().size(), 4u);
  EXPECT_EQ(sig.tensor_list(), "q, indptr, out, lse");
  EXPECT_EQ(sig.num_tensor_inputs(), 2);
  ASSERT_EQ(sig.scalars().size(), 1u);
  EXPECT_EQ(sig.scalars()[0].name, "scale");
  ASSERT_EQ(sig.inputs().size(), 3u);
  EXPECT_TRUE(sig.inputs()[2].is_scalar);
  EXPECT_EQ(sig.describe(0), "bfloat16[batch_size, 4, 8]");
  EXPECT_EQ(sig.tensors()[0].alignment, 16u);  // floating point: 16-byte vectors
  EXPECT_EQ(sig.tensors()[1].alignment, 4u);   // int32: its element
}

TEST_F(KernelSignatureTest, InfersVarAxesFromShapes) {
  std::array<std::int64_t, k_max_axes> axes{};
  int device = -2;
  auto s = f.slots();
  ASSERT_TRUE(sig.bind(s, axes.data(), &device));
  EXPECT_EQ(axes[0], 5);  // batch_size
  EXPECT_EQ(axes[1], 4);  // heads (const)
  EXPECT_EQ(axes[3], 6);  // len_indptr
  EXPECT_EQ(device, 0);
}

TEST_F(KernelSignatureTest, WrongDtypeNamesTensorAndBothDtypes) {
  f.q.dtype = jit::Dtype::float16;
  EXPECT_EQ(bind_error(sig, f), "toy_decode: tensor 'q' has dtype float16, the definition says bfloat16 (bfloat16[batch_size, 4, 8])");
}

TEST_F(KernelSignatureTest, WrongRank) {
  f.lse.ndim = 1;
  EXPECT_EQ(bind_error(sig, f), "toy_decode: tensor 'lse' has rank 1 (shape [5]), the definition says rank 2 (float32[batch_size, 4])");
}

TEST_F(KernelSignatureTest, MismatchedVarAxisBetweenTwoTensorsNamesBoth) {
  f.l_shape[0] = 7;
  EXPECT_EQ(bind_error(sig, f), "toy_decode: tensor 'lse' dim 0 (axis 'batch_size') is 7, but tensor 'q' dim 0 gave batch_size = 5");
}

TEST_F(KernelSignatureTest, ConstAxisMismatch) {
  f.o_shape[2] = 16;
  EXPECT_EQ(bind_error(sig, f), "toy_decode: tensor 'out' dim 2 (axis 'head_dim') is 16, the definition says 8");
}

TEST_F(KernelSignatureTest, NonContiguousIsRefusedButSizeOneStridesAreIgnored) {
  std::array<std::int64_t, 3> transposed{1, 40, 5};  // a permuted view
  f.q.strides = transposed.data();
  EXPECT_EQ(bind_error(sig, f),
            "toy_decode: tensor 'q' is not contiguous (shape [5, 4, 8], strides [1, 40, 5] elements; dim 2 needs stride 1): kjit "
            "kernels read row-major contiguous tensors (call .contiguous())");
  std::array<std::int64_t, 3> compact{32, 8, 1};
  f.q.strides = compact.data();
  EXPECT_EQ(bind_error(sig, f), "ok");
  f.q_shape[0] = 1;
  f.o_shape[0] = f.l_shape[0] = 1;
  std::array<std::int64_t, 3> size_one{999, 8, 1};  // PyTorch gives odd strides to size-1 dims
  f.q.strides = size_one.data();
  EXPECT_EQ(bind_error(sig, f), "ok");
}

TEST_F(KernelSignatureTest, MisalignedFloatTensor) {
  f.q.data = 0x10008;
  EXPECT_EQ(bind_error(sig, f),
            "toy_decode: tensor 'q' starts at 0x10008, which is not 16-byte aligned (kjit's kernels load bfloat16 tensors 16 bytes at "
            "a time; a view at an offset may break this: copy it)");
  f.q.data = 0x10000;
  f.indptr.data = 0x20004;  // int32: 4-byte alignment is enough
  EXPECT_EQ(bind_error(sig, f), "ok");
}

TEST_F(KernelSignatureTest, CpuMemoryIsRefused) {
  f.indptr.memory = MemoryKind::host;
  EXPECT_EQ(bind_error(sig, f), "toy_decode: tensor 'indptr' is in CPU memory; kjit kernels need CUDA device memory (move it to the GPU first)");
  f.indptr.memory = MemoryKind::managed;
  EXPECT_EQ(bind_error(sig, f), "ok");
}

TEST_F(KernelSignatureTest, TensorsOnTwoDevices) {
  f.out.device_id = 1;
  EXPECT_EQ(bind_error(sig, f),
            "toy_decode: tensor 'out' is on CUDA device 1 but 'q' is on device 0; all tensors of a launch must be on one device");
}

TEST_F(KernelSignatureTest, MissingTensorAndAllowMissing) {
  std::array<const TensorArg*, 4> s{&f.q, &f.indptr, nullptr, nullptr};
  std::array<std::int64_t, k_max_axes> axes{};
  auto r = sig.bind(s, axes.data(), nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "toy_decode: tensor 'out' (bfloat16[batch_size, 4, 8]) was not given");
  ASSERT_TRUE(sig.bind(s, axes.data(), nullptr, true));
  EXPECT_EQ(axes[0], 5);
}

TEST_F(KernelSignatureTest, VarAxisInNoTensorIsRefusedAtCreation) {
  auto doc = nlohmann::ordered_json::parse(R"J({"name": "hidden_axis", "op_type": "toy",
    "axes": {"n": {"type": "var"}, "m": {"type": "var"}},
    "inputs": {"x": {"shape": ["n"], "dtype": "float32"}}, "outputs": {"y": {"shape": ["n"], "dtype": "float32"}},
    "reference": "def run(x):\n    return x"})J");
  auto r = KernelSignature::from_definition(*jit::parse_definition(doc, "toy"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "hidden_axis: var axis 'm' is in no tensor's shape, so a launch cannot infer it");
}

}  // namespace
}  // namespace kjit::runtime
