"""The kjit Python package without a GPU: catalog, compile, resolve for every
served op type against an independent evaluation of the plan, and every
argument error a caller can make. Run by CTest (label python) with
PYTHONPATH=build/python; KJIT_TEST_CACHE names the cache folder."""
import os
import subprocess
import sys
import unittest

import kjit
from kjit_test_util import DLPackArray, evaluate_plan

if os.environ.get("KJIT_TEST_CACHE"):
    kjit.configure(cache_dir=os.environ["KJIT_TEST_CACHE"])

DEV = 0x7F0000000000


def refs(k, axes, base=DEV, device="cuda:0"):
    """TensorRefs for every tensor input of `k` under `axes` (var axes by name)."""
    sig = k.signature
    consts = {a["name"]: a.get("value") for a in sig["axes"]}
    out = []
    for i, t in enumerate([t for t in sig["inputs"] if not t["scalar"]]):
        shape = [consts[a] if consts[a] is not None else axes[a] for a in t["shape"]]
        out.append(kjit.TensorRef(base + i * 0x100000000, shape, t["dtype"], device=device))
    return out


def call_args(k, axes):
    """Positional arguments (tensors as TensorRefs, scalars 0.5) in definition order."""
    tensors = iter(refs(k, axes))
    return [0.5 if t["scalar"] else next(tensors) for t in k.signature["inputs"]]


BINDINGS = [{"batch_size": n, "M": n, "len_indptr": n + 1, "num_pages": 64 * n + 5, "num_kv_indices": 37 * n,
             "total_q": 9 * n, "total_kv": 40 * n} for n in (1, 7, 64, 1000)]
SERVED = ["rmsnorm_h4096", "fused_add_rmsnorm_h4096", "gemm_n6144_k4096", "gemm_n4096_k14336", "gqa_paged_decode_h32_kv8_d128_ps1",
          "gqa_paged_decode_h32_kv8_d128_ps64", "gqa_paged_prefill_causal_h32_kv8_d128_ps64", "gqa_ragged_prefill_causal_h32_kv8_d128",
          "mla_paged_decode_h16_ckv512_kpe64_ps1", "mla_paged_prefill_causal_h16_ckv512_kpe64_ps64"]


class CatalogTest(unittest.TestCase):
    def test_imports_from_the_build(self):
        self.assertTrue(kjit.__file__.endswith(os.path.join("kjit", "__init__.py")))
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(kjit.__file__), "_kjit.abi3.so")))

    def test_list_and_definition(self):
        names = {d["name"]: d for d in kjit.list()}
        self.assertEqual(names["rmsnorm_h4096"]["template"], "rmsnorm/rmsnorm")
        self.assertTrue(all(d["op_type"] == "gemm" for d in kjit.list("gemm")))
        d = kjit.definition("gemm_n28672_k4096")
        self.assertEqual(d["axes"]["N"]["value"], 28672)
        self.assertIn("reference", d)

    def test_unknown_name_is_a_key_error_with_kjits_message(self):
        with self.assertRaises(KeyError) as cm:
            kjit.definition("rmsnorm_h4097")
        self.assertIsInstance(cm.exception, kjit.NotFoundError)
        self.assertEqual(str(cm.exception), "unknown definition 'rmsnorm_h4097': see `kjit list`")
        with self.assertRaises(KeyError):
            kjit.kernel("rmsnorm_h4097")
        with self.assertRaises(kjit.NotFoundError):
            kjit.compile("rmsnorm_h4097")

    def test_compile_reports_status_and_resources(self):
        info = kjit.compile("rmsnorm_h4096", arch="sm_90a")
        self.assertIn(info["status"], ("compiled", "hit", "memory_hit"))
        self.assertEqual(info["arch"], "sm_90a")
        self.assertEqual(len(info["key"]), 32)
        self.assertEqual(info["spill_bytes"], 0)
        self.assertEqual(kjit.compile("rmsnorm_h4096", arch="sm_90a")["status"], "memory_hit")

    def test_kernel_is_cached_per_name_and_arch(self):
        self.assertIs(kjit.kernel("rmsnorm_h4096"), kjit.kernel("rmsnorm_h4096"))
        k = kjit.kernel("gqa_paged_decode_h32_kv8_d128_ps64")
        self.assertEqual(k.input_names, ("q", "k_cache", "v_cache", "kv_indptr", "kv_indices", "kv_last_page_len", "sm_scale"))
        self.assertEqual(k.output_names, ("output", "lse"))
        self.assertEqual(k.cubin[:4], b"\x7fELF")


class ResolveTest(unittest.TestCase):
    def check(self, name, arch="sm_90a"):
        k = kjit.kernel(name, arch)
        for axes in BINDINGS:
            for num_sms in (None, 78):
                r = k.resolve(*call_args(k, axes), num_sms=num_sms)
                sms = num_sms or 132
                self.assertEqual(r["num_sms"], sms)
                consts = {a["name"]: a["value"] for a in k.signature["axes"] if a["kind"] == "const"}
                want = evaluate_plan(k.plan, {**{a: axes[a] for a in r["axes"] if a not in consts}, **consts}, sms)
                self.assertEqual([w["bytes"] for w in r["workspace"]], want["workspace"], name)
                self.assertEqual(len(r["launches"]), len(want["launches"]))
                for got, (grid, block, shared) in zip(r["launches"], want["launches"]):
                    self.assertEqual(got["grid"], grid, f"{name} {axes} {got['entry']}")
                    self.assertEqual(got["block"], block)
                    self.assertEqual(got["shared_bytes"], shared)
                    self.assertEqual(got["skipped"], 0 in grid)
                    for a in got["args"]:
                        if a["kind"] == "int64" and a["name"] in want["values"]:
                            self.assertEqual(a["value"], want["values"][a["name"]], a["name"])

    def test_every_served_op_type(self):
        for name in SERVED:
            with self.subTest(name=name):
                self.check(name)

    def test_outputs_by_name_or_out(self):
        k = kjit.kernel("rmsnorm_h4096")
        x, w = refs(k, {"batch_size": 5})
        y = kjit.TensorRef(DEV + 0x900000000, (5, 4096), "bfloat16")
        for r in (k.resolve(x, w, out=y), k.resolve(hidden_states=x, weight=w, output=y)):
            self.assertEqual(r["launches"][0]["args"][2]["pointer"], DEV + 0x900000000)
        self.assertEqual(k.resolve(x, w)["launches"][0]["args"][2]["pointer"], 0)  # left out: described only

    def test_dlpack_inputs(self):
        k = kjit.kernel("rmsnorm_h4096")
        x = DLPackArray(DEV, (3, 4096), 4, 16)
        w = DLPackArray(DEV + 0x100000, (4096,), 4, 16)
        r = k.resolve(x, w)
        self.assertEqual(r["axes"]["batch_size"], 3)
        self.assertEqual(r["launches"][0]["args"][0]["pointer"], DEV)


class ArgumentErrorTest(unittest.TestCase):
    def setUp(self):
        self.k = kjit.kernel("fused_add_rmsnorm_h4096")
        self.x, self.r, self.w = refs(self.k, {"batch_size": 4})

    def err(self, *args, **kwargs):
        with self.assertRaises(ValueError) as cm:
            self.k.resolve(*args, **kwargs)
        self.assertIsInstance(cm.exception, kjit.ArgumentError)
        return str(cm.exception)

    def test_wrong_dtype(self):
        w16 = kjit.TensorRef(self.w.data_ptr, (4096,), "float16")
        self.assertEqual(self.err(self.x, self.r, w16),
                         "fused_add_rmsnorm_h4096: tensor 'weight' has dtype float16, the definition says bfloat16 (bfloat16[4096])")

    def test_wrong_rank(self):
        x3 = kjit.TensorRef(self.x.data_ptr, (2, 2, 4096), "bfloat16")
        self.assertEqual(self.err(x3, self.r, self.w),
                         "fused_add_rmsnorm_h4096: tensor 'hidden_states' has rank 3 (shape [2, 2, 4096]), the definition says rank 2 "
                         "(bfloat16[batch_size, 4096])")

    def test_mismatched_axis_between_two_tensors(self):
        r5 = kjit.TensorRef(self.r.data_ptr, (5, 4096), "bfloat16")
        self.assertEqual(self.err(self.x, r5, self.w),
                         "fused_add_rmsnorm_h4096: tensor 'residual' dim 0 (axis 'batch_size') is 5, but tensor 'hidden_states' dim 0 "
                         "gave batch_size = 4")

    def test_const_axis(self):
        w = kjit.TensorRef(self.w.data_ptr, (2048,), "bfloat16")
        self.assertIn("tensor 'weight' dim 0 (axis 'hidden_size') is 2048, the definition says 4096", self.err(self.x, self.r, w))

    def test_non_contiguous(self):
        xt = kjit.TensorRef(self.x.data_ptr, (4, 4096), "bfloat16", strides=(1, 4))
        self.assertIn("tensor 'hidden_states' is not contiguous (shape [4, 4096], strides [1, 4] elements",
                      self.err(xt, self.r, self.w))

    def test_cpu_memory_from_dlpack_device_type(self):
        x = DLPackArray(DEV, (4, 4096), 4, 16, device_type=1)
        self.assertEqual(self.err(x, self.r, self.w),
                         "fused_add_rmsnorm_h4096: tensor 'hidden_states' is in CPU memory; kjit kernels need CUDA device memory "
                         "(move it to the GPU first)")
        w = kjit.TensorRef(self.w.data_ptr, (4096,), "bfloat16", device="cpu")
        self.assertIn("tensor 'weight' is in CPU memory", self.err(self.x, self.r, w))

    def test_unsupported_dlpack_dtype(self):
        x = DLPackArray(DEV, (4, 4096), 5, 64)  # complex64
        self.assertIn("tensor 'hidden_states' has DLPack dtype (code 5, bits 64, lanes 1), which kjit does not support",
                      self.err(x, self.r, self.w))

    def test_misaligned(self):
        x = kjit.TensorRef(self.x.data_ptr + 2, (4, 4096), "bfloat16")
        self.assertIn("is not 16-byte aligned", self.err(x, self.r, self.w))

    def test_python_level_mistakes_are_type_errors(self):
        with self.assertRaisesRegex(TypeError, "missing input 'weight'"):
            self.k.resolve(self.x, self.r)
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'wieght'"):
            self.k.resolve(self.x, self.r, wieght=self.w)
        with self.assertRaisesRegex(TypeError, "got multiple values for argument 'weight'"):
            self.k.resolve(self.x, self.r, self.w, weight=self.w)
        with self.assertRaisesRegex(TypeError, "takes 3 inputs, got 4 positional"):
            self.k.resolve(self.x, self.r, self.w, self.w)
        with self.assertRaisesRegex(TypeError, "tensor 'weight' must be a tensor"):
            self.k.resolve(self.x, self.r, [1, 2, 3])
        g = kjit.kernel("gqa_paged_decode_h32_kv8_d128_ps1")
        args = call_args(g, BINDINGS[1])
        args[-1] = "0.5"
        with self.assertRaisesRegex(TypeError, "scalar 'sm_scale' must be a Python number"):
            g.resolve(*args)

    def test_launch_without_a_gpu_is_a_runtime_error(self):
        y = kjit.TensorRef(DEV + 0x900000000, (4, 4096), "bfloat16")
        with self.assertRaises(RuntimeError) as cm:
            self.k(self.x, self.r, self.w, out=y)
        self.assertIsInstance(cm.exception, kjit.NoDeviceError)
        self.assertIn("no CUDA device", str(cm.exception))
        with self.assertRaisesRegex(kjit.ArgumentError, "cannot allocate output 'output' like a TensorRef: pass it in out="):
            self.k(self.x, self.r, self.w)

    def test_a_raw_extension_kernel_must_be_set_up(self):
        raw = kjit._kjit.Kernel(kjit._handle(), "rmsnorm_h4096")
        with self.assertRaisesRegex(RuntimeError, "not set up"):
            raw(self.x, self.r, self.w)

    def test_set_log_checks_the_level(self):
        with self.assertRaises(kjit.ArgumentError):
            kjit.set_log(7)
        kjit.set_log(0)


class ModuleCliTest(unittest.TestCase):
    def run_kjit(self, *args):
        env = dict(os.environ)
        return subprocess.run([sys.executable, "-m", "kjit", *args], capture_output=True, text=True, env=env, timeout=600)

    def test_list_compile_show(self):
        r = self.run_kjit("list", "--op-type", "rmsnorm")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("rmsnorm_h4096", r.stdout)
        r = self.run_kjit("compile", "rmsnorm_h4096", "--arch", "sm_90a", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"status": ', r.stdout)
        r = self.run_kjit("show", "gemm_n4096_k4096")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("axis   K", r.stdout)
        r = self.run_kjit("show", "nope")
        self.assertEqual(r.returncode, 3)
        self.assertIn("unknown definition 'nope'", r.stderr)


if __name__ == "__main__":
    unittest.main()
