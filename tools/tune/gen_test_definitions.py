#!/usr/bin/env python3
"""gen_test_definitions.py — writes kjit's made-up test definitions (shapes no public definition
has) into tests/gpu/definitions/<set>/, each derived from a dataset definition (or one of kjit's
own) by changing constant axes (and the reference's matching `assert AXIS == VALUE` lines) and,
where asked, tensor dtypes.

Sets:
  attention  head_dim 64 / 256 and page size 16 prefill shapes issue #7 asks for; checked on the
             GPU by tools/gpu_sweep.sh (extremes step) and asserted to reach the tensor-core
             templates by tests/tools/workflows_warmup_test.cpp.
  coverage   shapes that reach template branches no served public definition reaches: the scalar
             attention fallback (include/kjit_attention.cuh.j2: group > 16, head_dim 32, MLA with
             8 heads; head_dim 96, which its manifest serves but the template refuses: the error
             must stay), MLA tensor-core ckv 384 / 256, decode head_dim 64 / 256, rmsnorm fp16,
             float32 weight, a partial last vector item, long and odd rows, gemm N <= 64.
             tools/tune/compare_renders.py renders and compiles them (template refactors must
             leave their cubins unchanged); `kjit check` on a GPU can run them like any other.
Usage: tools/tune/gen_test_definitions.py [DATASET_DEFINITIONS_DIR]   (default ../shared/...)
Deterministic: running it again rewrites the same files.
"""
import json
import os
import re
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATASET = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared", "flashinfer-trace",
                                                             "definitions")
OUT = os.path.join(REPO, "tests", "gpu", "definitions")

# (set, name, source definition ("kjit:" = kjit's own definitions/), new const axis values,
#  new dtypes {tensor: dtype})
VARIANTS = [
    ("attention", "attntest_gqa_ragged_prefill_causal_h16_kv4_d256", "gqa_ragged/gqa_ragged_prefill_causal_h32_kv8_d128",
     {"num_qo_heads": 16, "num_kv_heads": 4, "head_dim": 256}, {}),
    ("attention", "attntest_gqa_paged_prefill_causal_h8_kv1_d256_ps64", "gqa_paged/gqa_paged_prefill_causal_h32_kv8_d128_ps64",
     {"num_qo_heads": 8, "num_kv_heads": 1, "head_dim": 256, "page_size": 64}, {}),
    ("attention", "attntest_gqa_paged_prefill_causal_h16_kv2_d256_ps1", "gqa_paged/gqa_paged_prefill_causal_h32_kv8_d128_ps1",
     {"num_qo_heads": 16, "num_kv_heads": 2, "head_dim": 256, "page_size": 1}, {}),
    ("attention", "attntest_gqa_paged_prefill_causal_h32_kv8_d64_ps16", "gqa_paged/gqa_paged_prefill_causal_h32_kv8_d128_ps64",
     {"num_qo_heads": 32, "num_kv_heads": 8, "head_dim": 64, "page_size": 16}, {}),
    # Scalar attention fallback (include/kjit_attention.cuh.j2).
    ("coverage", "cov_gqa_paged_decode_h32_kv1_d128_ps64", "gqa_paged/gqa_paged_decode_h32_kv8_d128_ps64",
     {"num_kv_heads": 1}, {}),
    ("coverage", "cov_gqa_paged_decode_h8_kv2_d96_ps1", "gqa_paged/gqa_paged_decode_h16_kv2_d128_ps1",
     {"num_qo_heads": 8, "head_dim": 96}, {}),
    ("coverage", "cov_gqa_paged_prefill_causal_h16_kv2_d32_ps64", "gqa_paged/gqa_paged_prefill_causal_h16_kv2_d128_ps64",
     {"head_dim": 32}, {}),
    ("coverage", "cov_gqa_paged_prefill_causal_h16_kv2_d32_ps1", "gqa_paged/gqa_paged_prefill_causal_h16_kv2_d128_ps1",
     {"head_dim": 32}, {}),
    ("coverage", "cov_gqa_ragged_prefill_causal_h16_kv2_d32", "gqa_ragged/gqa_ragged_prefill_causal_h16_kv2_d128",
     {"head_dim": 32}, {}),
    ("coverage", "cov_mla_paged_decode_h8_ckv512_kpe64_ps64", "mla_paged/mla_paged_decode_h16_ckv512_kpe64_ps64",
     {"num_qo_heads": 8}, {}),
    ("coverage", "cov_mla_paged_decode_h8_ckv512_kpe64_ps1", "mla_paged/mla_paged_decode_h16_ckv512_kpe64_ps1",
     {"num_qo_heads": 8}, {}),
    ("coverage", "cov_mla_paged_prefill_causal_h8_ckv512_kpe64_ps64", "kjit:mla_paged/mla_paged_prefill_causal_h16_ckv512_kpe64_ps64",
     {"num_qo_heads": 8}, {}),
    ("coverage", "cov_mla_paged_prefill_causal_h8_ckv512_kpe64_ps1", "mla_paged/mla_paged_prefill_causal_h16_ckv512_kpe64_ps1",
     {"num_qo_heads": 8}, {}),
    ("coverage", "cov_mla_ragged_prefill_causal_h16_qk136_vo128", "mla_ragged/mla_ragged_prefill_causal_h16_qk192_vo128",
     {"qk_dim": 136}, {}),
    # MLA tensor cores: ckv 384 (bf16 merge partials read as 8-byte vectors), ckv 256 / kpe 32.
    ("coverage", "cov_mla_paged_decode_h16_ckv384_kpe64_ps64", "mla_paged/mla_paged_decode_h16_ckv512_kpe64_ps64",
     {"head_dim_ckv": 384}, {}),
    ("coverage", "cov_mla_paged_prefill_causal_h16_ckv256_kpe32_ps16", "kjit:mla_paged/mla_paged_prefill_causal_h16_ckv512_kpe64_ps64",
     {"head_dim_ckv": 256, "head_dim_kpe": 32, "page_size": 16}, {}),
    # GQA decode on tensor cores: head_dim 256 (2 stages, 2 CTAs/SM) and 64 (4 stages).
    ("coverage", "cov_gqa_paged_decode_h8_kv1_d256_ps16", "gqa_paged/gqa_paged_decode_h32_kv8_d128_ps64",
     {"num_qo_heads": 8, "num_kv_heads": 1, "head_dim": 256, "page_size": 16}, {}),
    ("coverage", "cov_gqa_paged_decode_h16_kv4_d64_ps1", "gqa_paged/gqa_paged_decode_h16_kv2_d128_ps1",
     {"num_kv_heads": 4, "head_dim": 64}, {}),
    # RMSNorm: fp16, float32 weight with a partial last item (513 vectors), long rows (shared
    # memory), odd rows (1-element vectors), a persistent fused row.
    ("coverage", "cov_rmsnorm_h4096_f16", "rmsnorm/rmsnorm_h4096", {},
     {"hidden_states": "float16", "weight": "float16", "output": "float16"}),
    ("coverage", "cov_fused_add_rmsnorm_h4104_w32", "rmsnorm/fused_add_rmsnorm_h4096", {"hidden_size": 4104},
     {"weight": "float32"}),
    ("coverage", "cov_rmsnorm_h40000", "rmsnorm/rmsnorm_h4096", {"hidden_size": 40000}, {}),
    ("coverage", "cov_rmsnorm_h1001", "rmsnorm/rmsnorm_h4096", {"hidden_size": 1001}, {}),
    ("coverage", "cov_fused_add_rmsnorm_h12288", "rmsnorm/fused_add_rmsnorm_h4096", {"hidden_size": 12288}, {}),
    # RMSNorm shapes of the norms tuning rounds (docs/perf/norms.md "made-up definitions"): rows
    # not a multiple of 8 elements, a partial last vector item, long rows, fp16, float32 weight.
    *[("coverage", f"cov_{op}_h{h}", f"rmsnorm/{op}_h4096", {"hidden_size": h}, {})
      for h in (3, 1000, 1001, 2050, 4104, 12288, 40000) for op in ("rmsnorm", "fused_add_rmsnorm")
      if (op, h) not in (("rmsnorm", 1001), ("rmsnorm", 40000), ("fused_add_rmsnorm", 12288))],
    ("coverage", "cov_rmsnorm_h4104_f16", "rmsnorm/rmsnorm_h4096", {"hidden_size": 4104},
     {"hidden_states": "float16", "weight": "float16", "output": "float16"}),
    ("coverage", "cov_fused_add_rmsnorm_h7168_f16", "rmsnorm/fused_add_rmsnorm_h7168", {},
     {"hidden_states": "float16", "residual": "float16", "weight": "float16", "output": "float16"}),
    ("coverage", "cov_rmsnorm_h4096_w32", "rmsnorm/rmsnorm_h4096", {}, {"weight": "float32"}),
    # GEMM: N <= 64 tile; fp16 with N and K off the 256 / 64 grid.
    ("coverage", "cov_gemm_n64_k512", "gemm/gemm_n128_k2048", {"N": 64, "K": 512}, {}),
    ("coverage", "cov_gemm_n300_k1032_f16", "gemm/gemm_n128_k2048", {"N": 300, "K": 1032},
     {"A": "float16", "B": "float16", "C": "float16"}),
]


def load(src):
    if src.startswith("kjit:"):
        return json.load(open(os.path.join(REPO, "definitions", src[5:] + ".json")))
    return json.load(open(os.path.join(DATASET, src + ".json")))


def main():
    for set_name, name, src, consts, dtypes in VARIANTS:
        d = load(src)
        d["name"] = name
        what = ", ".join([f"{k} {v}" for k, v in consts.items()] + [f"{k} {v}" for k, v in dtypes.items()])
        if set_name == "attention":
            d["description"] = f"kjit test definition (made up from {os.path.basename(src)}): " + what
            d["tags"] = ["stage:prefill", "status:test"]
        else:
            d["description"] = f"kjit coverage definition (made up from {os.path.basename(src)}): " + what
            d["tags"] = ["status:test", "source:kjit-coverage"]
        for k, v in consts.items():
            assert d["axes"][k]["type"] == "const", (name, k)
            d["axes"][k]["value"] = v
            d["reference"], n = re.subn(rf"assert {k} == \d+", f"assert {k} == {v}", d["reference"])
            assert n <= 1, (name, k)
        for t, dt in dtypes.items():
            spec = d["inputs"].get(t) or d["outputs"].get(t)
            assert spec is not None, (name, t)
            spec["dtype"] = dt
        folder = os.path.join(OUT, set_name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name + ".json"), "w") as f:
            json.dump(d, f, indent=2)
            f.write("\n")
        print("wrote", os.path.relpath(os.path.join(folder, name + ".json"), REPO))


if __name__ == "__main__":
    main()
