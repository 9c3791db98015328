#!/usr/bin/env python3
"""NVRTC compile time and cubin identity per option set, interleaved rounds (docs/perf/cache.md, session 6).

Usage: nvrtc_options.py SOURCE.cu ENTRY [ROUNDS] < option-sets
One option set per stdin line, options separated by '|', e.g. "-Xptxas=-O1" or
"-Xptxas=-O2|-default-device"; every set is added to kjit's base options (nvrtc_ctypes.py) and -w.
Prints median / min wall ms of nvrtcCompileProgram and a short hash of the cubin
(the cubin records its options, so hashes differ between sets even when the code does not).
A set NVRTC rejects is reported once and left out.
"""
import hashlib
import statistics
import sys

from nvrtc_ctypes import KJIT_BASE_OPTIONS, CompileError, compile_source

src = open(sys.argv[1], "rb").read()
entry = sys.argv[2].encode()
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 7
base = KJIT_BASE_OPTIONS + ["-w"]
sets = [tuple(x for x in line.split("|") if x) for line in sys.stdin.read().strip().split("\n")]

cubin_hash = {}
for s in sets:
    try:
        cubin_hash[s] = hashlib.sha1(compile_source(src, entry, base + list(s))[1]).hexdigest()[:10]
    except CompileError as e:
        print(" ".join(s), "rejected:", str(e)[-500:])
times = {s: [] for s in cubin_hash}
for _ in range(rounds):
    for s in times:
        times[s].append(compile_source(src, entry, base + list(s))[0])
for s, t in times.items():
    print("%-60s median %.1f min %.1f cubin %s" % (" ".join(s) or "(default)", statistics.median(t), min(t), cubin_hash[s]))
