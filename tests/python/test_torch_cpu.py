"""The kjit package with PyTorch tensors, without a GPU (any torch build,
CPU-only included; skipped when torch is absent): the torch fast path reads
dtype, shape and device (a CPU tensor is refused naming the tensor), outputs
are allocated with torch.empty like the inputs, and kjit.torch.library
defines an operator whose schema comes from the definition and whose
fake/meta implementation gives the output shapes (what torch.compile traces)."""
import os
import unittest

try:
    import torch
except ImportError:  # pragma: no cover - depends on the interpreter
    torch = None

import kjit

if os.environ.get("KJIT_TEST_CACHE"):
    kjit.configure(cache_dir=os.environ["KJIT_TEST_CACHE"])


@unittest.skipIf(torch is None, "torch is not installed for this interpreter")
class TorchCpuTest(unittest.TestCase):
    def test_cpu_tensors_are_refused_by_name(self):
        k = kjit.kernel("rmsnorm_h4096")
        x = torch.zeros(3, 4096, dtype=torch.bfloat16)
        w = torch.zeros(4096, dtype=torch.bfloat16)
        with self.assertRaises(ValueError) as cm:
            k(x, w)  # the output is allocated with torch.empty on the CPU first
        self.assertEqual(str(cm.exception), "rmsnorm_h4096: tensor 'hidden_states' is in CPU memory; kjit kernels need CUDA "
                                            "device memory (move it to the GPU first)")

    def test_unsupported_torch_dtype(self):
        k = kjit.kernel("rmsnorm_h4096")
        x = torch.zeros(3, 4096, dtype=torch.complex64)
        w = torch.zeros(4096, dtype=torch.bfloat16)
        with self.assertRaisesRegex(ValueError, "tensor 'hidden_states' has dtype torch.complex64, which kjit does not support"):
            k(x, w, out=torch.zeros(3, 4096, dtype=torch.bfloat16))

    def test_output_allocation_follows_the_inputs(self):
        k = kjit.kernel("gqa_paged_decode_h32_kv8_d128_ps64")
        inputs = [torch.zeros(5, 32, 128, dtype=torch.bfloat16), torch.zeros(9, 64, 8, 128, dtype=torch.bfloat16),
                  torch.zeros(9, 64, 8, 128, dtype=torch.bfloat16), torch.zeros(6, dtype=torch.int32),
                  torch.zeros(7, dtype=torch.int32), torch.zeros(5, dtype=torch.int32)]
        out, lse = k._allocate(tuple(inputs), (None, None))
        self.assertEqual((tuple(out.shape), out.dtype), ((5, 32, 128), torch.bfloat16))
        self.assertEqual((tuple(lse.shape), lse.dtype), ((5, 32), torch.float32))

    def test_library_schema_and_fake_shapes(self):
        import kjit.torch as kt
        k = kjit.kernel("gqa_paged_decode_h32_kv8_d128_ps1")
        self.assertEqual(kt.schema(k), "(Tensor q, Tensor k_cache, Tensor v_cache, Tensor kv_indptr, Tensor kv_indices, "
                                       "float sm_scale) -> (Tensor, Tensor)")
        op = kt.library("gqa_paged_decode_h32_kv8_d128_ps1")
        self.assertIs(op, kt.library("gqa_paged_decode_h32_kv8_d128_ps1"))
        meta = dict(device="meta", dtype=torch.bfloat16)
        q = torch.empty(4, 32, 128, **meta)
        cache = torch.empty(100, 1, 8, 128, **meta)
        idx = dict(device="meta", dtype=torch.int32)
        out, lse = op(q, cache, cache, torch.empty(5, **idx), torch.empty(40, **idx), 0.088)
        self.assertEqual((tuple(out.shape), out.dtype, out.device.type), ((4, 32, 128), torch.bfloat16, "meta"))
        self.assertEqual((tuple(lse.shape), lse.dtype), ((4, 32), torch.float32))
        norm = kt.library("rmsnorm_h4096")
        y = norm(torch.empty(7, 4096, **meta), torch.empty(4096, **meta))
        self.assertEqual(tuple(y.shape), (7, 4096))


if __name__ == "__main__":
    unittest.main()
