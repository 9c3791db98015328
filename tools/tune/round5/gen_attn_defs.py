#!/usr/bin/env python3
"""gen_attn_defs.py — writes made-up attention definitions (shapes no public definition has) into
tests/gpu/definitions/attention/, derived from dataset definitions by changing the constant axes
(and the reference's constant asserts). The GPU sweep's extremes step checks them against the
C++ reference; issue #7 asks for head_dim 64/128/256 and page sizes 1/16/64 to work.
Usage: tools/tune/round5/gen_attn_defs.py [DATASET_DEFINITIONS_DIR]   (default ../shared/...)"""
import json, os, re, sys

root = os.path.dirname(os.path.abspath(__file__))
repo = os.path.normpath(os.path.join(root, "..", "..", ".."))
ds = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "..", "shared", "flashinfer-trace", "definitions")
out = os.path.join(repo, "tests", "gpu", "definitions", "attention")

# (name, source definition, new constant axis values)
VARIANTS = [
    ("attntest_gqa_ragged_prefill_causal_h16_kv4_d256", "gqa_ragged/gqa_ragged_prefill_causal_h32_kv8_d128",
     {"num_qo_heads": 16, "num_kv_heads": 4, "head_dim": 256}),
    ("attntest_gqa_paged_prefill_causal_h8_kv1_d256_ps64", "gqa_paged/gqa_paged_prefill_causal_h32_kv8_d128_ps64",
     {"num_qo_heads": 8, "num_kv_heads": 1, "head_dim": 256, "page_size": 64}),
    ("attntest_gqa_paged_prefill_causal_h16_kv2_d256_ps1", "gqa_paged/gqa_paged_prefill_causal_h32_kv8_d128_ps1",
     {"num_qo_heads": 16, "num_kv_heads": 2, "head_dim": 256, "page_size": 1}),
    ("attntest_gqa_paged_prefill_causal_h32_kv8_d64_ps16", "gqa_paged/gqa_paged_prefill_causal_h32_kv8_d128_ps64",
     {"num_qo_heads": 32, "num_kv_heads": 8, "head_dim": 64, "page_size": 16}),
]

os.makedirs(out, exist_ok=True)
for name, src, consts in VARIANTS:
    d = json.load(open(os.path.join(ds, src + ".json")))
    d["name"] = name
    d["description"] = f"kjit test definition (made up from {os.path.basename(src)}): " + ", ".join(
        f"{k} {v}" for k, v in consts.items())
    d["tags"] = ["stage:prefill", "status:test"]
    for k, v in consts.items():
        assert d["axes"][k]["type"] == "const", (name, k)
        d["axes"][k]["value"] = v
        d["reference"], n = re.subn(rf"assert {k} == \d+", f"assert {k} == {v}", d["reference"])
        assert n == 1, (name, k)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(d, f, indent=2)
        f.write("\n")
    print("wrote", name)
