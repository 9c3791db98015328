"""CPU tests of the MoE GPU-run scripts (label python, Debian's /usr/bin/python3):

- bench_torch_moe.py: its routing, local-pick permutation and weighted reduce, with the grouped
  GEMM replaced by a per-group float loop, against its own float reference on shrunken DeepSeek
  and renorm shapes (the yardstick must compute the layer it claims to time);
- summarize.py: the prefill ratio against _scaled_mm 8192^3 and the speed-up over the best torch
  variant, from a made-up output folder.

torch missing: skipped. The dataset (../shared/flashinfer-trace) missing: skipped outside CI,
a failure in CI (CI=true).
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DATASET = os.path.join(REPO, "..", "shared", "flashinfer-trace", "definitions", "moe")
sys.path.insert(0, HERE)

try:
    import torch
except ImportError:  # Debian's python3-torch is optional
    torch = None


def dataset_definition(name):
    path = os.path.join(DATASET, name + ".json")
    if not os.path.exists(path):
        if os.environ.get("CI") == "true":
            raise AssertionError(f"dataset missing in CI: {path}")
        raise unittest.SkipTest(f"no dataset at {DATASET}")
    with open(path) as f:
        return json.load(f)


@unittest.skipIf(torch is None, "no torch")
class TorchLayerTest(unittest.TestCase):
    def layer_error(self, name, seq):
        import bench_torch_moe as b
        s = b.shapes(dataset_definition(name))
        s["H"], s["I"] = 256, 128  # shrunken: the structure (experts, top_k, groups) is the definition's
        EL = s["EL"]
        t = b.make(torch, s, seq, torch.device("cpu"))   # the script's own inputs, on the CPU

        def gemm(kind, a, offs):  # what _grouped_mm computes: group g = rows [offs[g-1], offs[g])
            w = t["w1"] if kind == 1 else t["w2"]
            out = torch.full((a.shape[0], w.shape[1]), float("nan"), dtype=torch.bfloat16)
            start = 0
            for g in range(EL):
                end = int(offs[g])
                out[start:end] = (a[start:end].float() @ w[g].float().t()).to(torch.bfloat16)
                start = end
            return out  # rows past the last group stay NaN: the layer must never read them

        got = b.layer(torch, s, t, gemm)[:8].float()
        ref = b.reference(torch, s, t, 8)
        return float((got - ref).norm() / ref.norm())

    def test_deepseek_ep_layer_matches_its_reference(self):
        # 32 of 256 experts local: most picks are dropped, and a token may have none
        self.assertLess(self.layer_error("moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048", 40), 0.02)

    def test_renorm_layer_matches_its_reference(self):
        self.assertLess(self.layer_error("moe_fp8_block_scale_renorm_topk8_e128_h2048_i768", 40), 0.02)


class SummarizeTest(unittest.TestCase):
    def test_prefill_ratios_use_the_square_gemm_and_the_best_torch_variant(self):
        name = "moe_fp8_block_scale_renorm_topk8_e128_h2048_i768"
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "benches.tsv"), "w") as f:
                f.write(f"prefill_s4096\t{name} --axes seq_len=4096\n")
            with open(os.path.join(d, "bench_prefill_s4096.jsonl"), "w") as f:
                f.write(json.dumps({"name": name, "axes": {"seq_len": 4096}, "median_ms": 0.5, "tflops": 300.0,
                                    "gbps": 1.0, "peak_copy_gbps": 3000.0, "bandwidth_fraction": 0.1}) + "\n")
            with open(os.path.join(d, "bench_ref.json"), "w") as f:
                json.dump({"scaled_mm": [{"name": "square_8192", "tflops": 1200.0},
                                         {"name": "ds_gemm1_1024rows", "tflops": 900.0}]}, f)
            with open(os.path.join(d, "bench_torch_moe.json"), "w") as f:
                json.dump({"results": [
                    {"name": name, "variant": "grouped_mm_bf16", "seq_len": 4096, "status": "OK", "median_us": 900.0},
                    {"name": name, "variant": "scaled_grouped_mm", "seq_len": 4096, "status": "OK", "median_us": 1200.0},
                    {"name": name, "variant": "other", "seq_len": 4096, "status": "UNAVAILABLE", "message": "no"}]}, f)
            out = os.path.join(d, "moe.json")
            r = subprocess.run([sys.executable, os.path.join(HERE, "summarize.py"), d, "--json", out],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                bench = json.load(f)["benches"][0]
        self.assertAlmostEqual(bench["fraction_of_scaled_mm"], 300.0 / 1200.0)
        self.assertEqual(bench["torch_best"]["variant"], "grouped_mm_bf16")
        self.assertAlmostEqual(bench["speedup_over_torch"], 900.0 / 500.0)


if __name__ == "__main__":
    unittest.main()
