#!/usr/bin/env python3
"""Round 5 (issue #7) bench copies of kjit's own mla_paged prefill definitions: NAME__SUFFIX with
"kjit-tune:KEY=VALUE" tags, written to OUT_DIR/mla_paged/ (git-ignored; run2.sh reads them).
  Run 2 / 3 (H100) were measured when the default was mgq = 0 (a merge block per (request, head))
  and ef = 0 (evict_normal KV loads) in prefill: mgq1 = merge over (CTAs, heads), mg0 = no merge
  (main kernel alone; wrong results for split requests), ef1 = evict_first KV loads, mgq1ef1 =
  both. mgq1ef1 was fastest and is now the default, so mgq1 / ef1 / mgq1ef1 now render the
  default and mg0 the default without its merge.
Usage: gen_defs.py OUT_DIR"""
import json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
own = os.path.join(here, "..", "..", "..", "definitions")
out = sys.argv[1]
V = {"mla_paged/mla_paged_prefill_causal_h16_ckv512_kpe64_ps1": {"mgq1": ["mgq=1"], "mg0": ["mg=0"], "ef1": ["ef=1"], "mgq1ef1": ["mgq=1", "ef=1"]}}
for base, variants in V.items():
    d0 = json.load(open(os.path.join(own, base + ".json")))
    os.makedirs(os.path.join(out, os.path.dirname(base)), exist_ok=True)
    for suffix, tags in variants.items():
        d = dict(d0)
        d["name"] = d0["name"] + "__" + suffix
        d["tags"] = list(d0.get("tags", [])) + ["kjit-tune:" + t for t in tags]
        with open(os.path.join(out, os.path.dirname(base), d["name"] + ".json"), "w") as f:
            json.dump(d, f, indent=2)
