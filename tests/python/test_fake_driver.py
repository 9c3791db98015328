"""The kjit Python package's launch path on the fake CUDA driver
(tests/fakes; LD_LIBRARY_PATH=build/fake_cuda): what a call hands
cuLaunchKernel, positional / named / out= calls, DLPack inputs and their
stream, multi-output kernels, KJIT_LOGLEVEL in a child process, and the
binding's per-call host overhead against a driver that does no work (printed)."""
import os
import subprocess
import sys
import textwrap
import timeit
import unittest

import kjit
from kjit_test_util import DLPackArray, FakeCuda

if os.environ.get("KJIT_TEST_CACHE"):
    kjit.configure(cache_dir=os.environ["KJIT_TEST_CACHE"])

FAKE = FakeCuda.load()
DEV = 0x7F0000000000


def bf16(ptr, *shape):
    return kjit.TensorRef(ptr, shape, "bfloat16")


@unittest.skipIf(FAKE is None, "libcuda.so.1 is not kjit's fake driver (run with LD_LIBRARY_PATH=build/fake_cuda)")
class FakeLaunchTest(unittest.TestCase):
    def setUp(self):
        FAKE.reset()

    def test_positional_named_and_out(self):
        k = kjit.kernel("rmsnorm_h4096")
        x, w, y = bf16(DEV, 6, 4096), bf16(DEV + 0x100000, 4096), bf16(DEV + 0x200000, 6, 4096)
        self.assertIs(k(x, w, out=y), y)
        self.assertIs(k(hidden_states=x, weight=w, output=y), y)
        self.assertEqual(FAKE.recorded(), 2)
        for i in range(2):
            l = FAKE.launch(i)
            self.assertEqual(l.entry, b"kjit_rmsnorm_h4096")
            self.assertEqual(list(l.grid), [6, 1, 1])
            self.assertEqual(list(l.param[:4]), [DEV, DEV + 0x100000, DEV + 0x200000, 6])

    def test_dlpack_inputs_and_an_explicit_stream(self):
        k = kjit.kernel("rmsnorm_h4096")
        x = DLPackArray(DEV, (2, 4096), 4, 16)
        w = DLPackArray(DEV + 0x100000, (4096,), 4, 16)
        y = bf16(DEV + 0x200000, 2, 4096)
        k(x, w, out=y, stream=0x1234)
        l = FAKE.launch(0)
        self.assertEqual(l.stream, 0x1234)
        self.assertEqual(x.streams, [0x1234])  # DLPack: the consumer's stream goes to the producer
        self.assertEqual(l.param[0], DEV)

    def test_multiple_outputs_and_scalars(self):
        k = kjit.kernel("gqa_paged_decode_h32_kv8_d128_ps64")
        q = bf16(DEV, 2, 32, 128)
        kc = bf16(DEV + 0x10000000, 10, 64, 8, 128)
        vc = bf16(DEV + 0x20000000, 10, 64, 8, 128)
        indptr = kjit.TensorRef(DEV + 0x30000000, (3,), "int32")
        indices = kjit.TensorRef(DEV + 0x30001000, (6,), "int32")
        last = kjit.TensorRef(DEV + 0x30002000, (2,), "int32")
        o = bf16(DEV + 0x40000000, 2, 32, 128)
        lse = kjit.TensorRef(DEV + 0x50000000, (2, 32), "float32")
        got = k(q, kc, vc, indptr, indices, last, 0.0883883476, out=(o, lse))
        self.assertEqual(got, (o, lse))
        self.assertEqual(FAKE.recorded(), 2)
        self.assertEqual(FAKE.launch(1).pdl, 1)
        with self.assertRaisesRegex(TypeError, "missing scalar input 'sm_scale'"):
            k(q, kc, vc, indptr, indices, last, out=(o, lse))
        with self.assertRaisesRegex(TypeError, "out= needs 2 tensors, got 1"):
            k(q, kc, vc, indptr, indices, last, 0.1, out=(o,))

    def test_log_level_3_in_a_child_process(self):
        code = textwrap.dedent(f"""
            import kjit, os
            if os.environ.get("KJIT_TEST_CACHE"): kjit.configure(cache_dir=os.environ["KJIT_TEST_CACHE"])
            k = kjit.kernel("rmsnorm_h4096")
            x, w, y = (kjit.TensorRef({DEV}, (3, 4096), "bfloat16"), kjit.TensorRef({DEV + 0x100000}, (4096,), "bfloat16"),
                       kjit.TensorRef({DEV + 0x200000}, (3, 4096), "bfloat16"))
            k(x, w, out=y)
        """)
        env = dict(os.environ, KJIT_LOGLEVEL="3", KJIT_LOGDEST="stderr")
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("launch rmsnorm_h4096\n  axes: batch_size=3 hidden_size=4096\n", r.stderr)
        self.assertIn("  kernel kjit_rmsnorm_h4096: grid (3, 1, 1) block (256, 1, 1) shared 8192 B\n", r.stderr)

    def test_per_call_overhead_against_a_no_op_driver(self):
        k = kjit.kernel("rmsnorm_h4096")
        x, w, y = bf16(DEV, 1, 4096), bf16(DEV + 0x100000, 4096), bf16(DEV + 0x200000, 1, 4096)
        FAKE.reset(record=False)
        n = 20000
        best = min(timeit.repeat(lambda: k(x, w, out=y), number=n, repeat=5)) / n
        named = min(timeit.repeat(lambda: k(hidden_states=x, weight=w, output=y), number=n, repeat=3)) / n
        self.assertEqual(FAKE.count(), n * 8)
        print(f"\nkjit Python call on the fake driver (TensorRef args): {best * 1e6:.2f} us positional+out=, "
              f"{named * 1e6:.2f} us by name", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
