#!/usr/bin/env python3
"""Round 4 (issues #6, #7) bench copies of kjit's own definitions: NAME__SUFFIX with
"kjit-tune:KEY=VALUE" tags, written to OUT_DIR/<op_type>/ (git-ignored; run1.sh reads them).

  mla_paged decode ps1 / ps64: p0 = the merge as before round 4 (plain launch, two passes),
      mg0 = no merge (main kernel alone, wrong results), nm = no-math probe, t0 / t1 = pdl
      trigger at the main CTAs' start / end, m0 = two-pass merge, al = chunk a multiple of the
      32-key tile, mg0al = mg0 + al (run 2); sn0 = CTA ranges not moved to tile boundaries,
      r3 = the round-3 kernel (no pdl, two-pass merge, no sn), mg0sn0 = mg0 + sn0 (run 3); q2 = Q also prefetched into L1 by the producer
      (qpf=2), q2al = q2 + al, mg0q2 = mg0 + q2 (run 4).
  gqa_paged decode ps1 / ps64: p0 = pdl=0.
  fused_add_rmsnorm_h4096 / rmsnorm_h4096: o4..o7 = at most N CTAs per SM (occ=N),
      cs / ef = output stores st.global.cs / with an L2 evict_first policy (one row per CTA) (run 1);
      el = bulk loads with an L2 evict_last policy, tma = output row by one bulk store (run 2),
      eln = el + the lines set back to evict_normal after the copy (run 3); elcs, elef, elo6, eli4 =
      el with st=cs / st=ef / occ=6 / items=4 at 8 CTAs per SM (run 4); r2 / r3 = 2 / 3 rows per
      CTA (rpc), r2o = r2 at <= 6 CTAs per SM (run 5; rpc removed after it); p2 / p4 = 2 / 4 rows per CTA
      side by side (rpp: 512 / 1024 threads, one bulk copy per input) (run 6; removed after it);
      pel / pel2 = the persistent kernel (weights in registers for all rows) with evict_last
      loads, 3 / 2 stages, pnc = persistent with plain loads (run 7); rel4 / rel2 = one row per CTA
      held in registers (no TMA) with evict_last loads, 4 / 2 vectors per thread, rnc4 = the same
      with plain .nc loads (run 8).
The knobs m1 (m0, p0, r3 variants: two-pass merge) and qpf=2 (q2 variants) were removed from
kjit_mla after these runs; commit 26a6df4 holds them. Without them those copies render the shipped merge.
Usage: gen_defs.py OUT_DIR
"""
import json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
own = os.path.join(here, "..", "..", "..", "definitions")
out = sys.argv[1]
V = {
    "mla_paged/mla_paged_decode_h16_ckv512_kpe64_ps1": {"p0": ["pdl=0", "m1=0"], "mg0": ["pdl=0", "mg=0"], "nm": ["math=0"],
                                                         "t0": ["pdt=0"], "t1": ["pdt=1"], "m0": ["m1=0"], "al": ["al=1"],
                                                         "mg0al": ["pdl=0", "mg=0", "al=1"], "sn0": ["sn=0"],
                                                         "r3": ["pdl=0", "m1=0", "sn=0"], "mg0sn0": ["pdl=0", "mg=0", "sn=0"],
                                                         "q2": ["qpf=2"], "q2al": ["qpf=2", "al=1"], "mg0q2": ["pdl=0", "mg=0", "qpf=2"]},
    "mla_paged/mla_paged_decode_h16_ckv512_kpe64_ps64": {"p0": ["pdl=0", "m1=0"], "al": ["al=1"], "sn0": ["sn=0"],
                                                          "r3": ["pdl=0", "m1=0", "sn=0"], "q2": ["qpf=2"], "q2al": ["qpf=2", "al=1"]},
    "gqa_paged/gqa_paged_decode_h32_kv8_d128_ps1": {"p0": ["pdl=0"]},
    "gqa_paged/gqa_paged_decode_h32_kv8_d128_ps64": {"p0": ["pdl=0"]},
    "rmsnorm/fused_add_rmsnorm_h4096": {"o4": ["occ=4"], "o5": ["occ=5"], "o6": ["occ=6"], "o7": ["occ=7"],
                                        "cs": ["st=cs"], "ef": ["st=ef"], "el": ["ld=el"], "tma": ["st=tma"],
                                        "eltma": ["ld=el", "st=tma"], "eln": ["ld=eln"], "elntma": ["ld=eln", "st=tma"],
                                        "elcs": ["ld=el", "st=cs"], "elef": ["ld=el", "st=ef"], "elo6": ["ld=el", "occ=6"],
                                        "eli4": ["ld=el", "items=4", "cpsm=8"], "r2": ["rpc=2"], "r3": ["rpc=3"],
                                        "r2o": ["rpc=2", "occ=6"], "p2": ["rpp=2"], "p4": ["rpp=4"],
                                        "pel": ["persist=1", "ld=el"], "pel2": ["persist=1", "ld=el", "stages=2"],
                                        "pnc": ["persist=1"],
                                        "rel4": ["mode=regs", "persist=0", "ld=el", "items=4", "cpsm=8"],
                                        "rel2": ["mode=regs", "persist=0", "ld=el"], "rnc4": ["mode=regs", "persist=0", "items=4", "cpsm=8"]},
    "rmsnorm/rmsnorm_h4096": {"pel": ["persist=1", "ld=el"], "pnc": ["persist=1"], "p2": ["rpp=2"], "r2": ["rpc=2"], "o4": ["occ=4"], "o6": ["occ=6"], "el": ["ld=el"], "tma": ["st=tma"], "eln": ["ld=eln"],
                              "elntma": ["ld=eln", "st=tma"]},
}
for path, variants in V.items():
    base = json.load(open(os.path.join(own, path + ".json")))
    os.makedirs(os.path.join(out, os.path.dirname(path)), exist_ok=True)
    for suffix, kvs in variants.items():
        d = dict(base, name=base["name"] + "__" + suffix, tags=base["tags"] + ["kjit-tune:" + kv for kv in kvs])
        json.dump(d, open(os.path.join(out, os.path.dirname(path), d["name"] + ".json"), "w"), indent=1)
print(sum(len(v) for v in V.values()), "definitions in", out)
# A page size 16 copy of the ps64 MLA decode definition (checks only: page size 16 with
# kv_last_page_len is not in the dataset).
d = json.load(open(os.path.join(own, "mla_paged/mla_paged_decode_h16_ckv512_kpe64_ps64.json")))
d["name"] = d["name"].replace("ps64", "ps16")
d["axes"]["page_size"]["value"] = 16
d["reference"] = d["reference"].replace("PAGE_SIZE = 64", "PAGE_SIZE = 16")
assert "PAGE_SIZE = 16" in d["reference"]
json.dump(d, open(os.path.join(out, "mla_paged", d["name"] + ".json"), "w"), indent=1)
