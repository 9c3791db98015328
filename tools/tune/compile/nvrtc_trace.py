#!/usr/bin/env python3
"""NVRTC compile time and NVRTC's own phase trace (--fdevice-time-trace) per source (docs/perf/cache.md).

Usage: nvrtc_trace.py SOURCE.cu:ENTRY [SOURCE.cu:ENTRY ...]
Compiles each source once untimed, once with the trace (written to /tmp/NAME.trace.json), then 9
interleaved timed rounds with kjit's base options (nvrtc_ctypes.py) and -Xptxas=-v; prints median /
min ms and the trace's 14 largest phases (summed over events).
"""
import json
import os
import statistics
import sys

from nvrtc_ctypes import KJIT_BASE_OPTIONS, compile_source

base = KJIT_BASE_OPTIONS + ["-Xptxas=-v"]
srcs = {}
for a in sys.argv[1:]:
    f, e = a.split(":")
    srcs[f] = (open(f, "rb").read(), e.encode())
trace = {f: "/tmp/%s.trace" % os.path.basename(f) for f in srcs}  # NVRTC appends .json
for f, (s, e) in srcs.items():
    if os.path.exists(trace[f] + ".json"):
        os.remove(trace[f] + ".json")  # NVRTC fails on a trace file left by an earlier run
    compile_source(s, e, base)
    compile_source(s, e, base + ["--fdevice-time-trace=" + trace[f]])
times = {f: [] for f in srcs}
for _ in range(9):
    for f, (s, e) in srcs.items():
        times[f].append(compile_source(s, e, base)[0])
for f in srcs:
    print(f, "median %.1f min %.1f" % (statistics.median(times[f]), min(times[f])))
    tr = json.load(open(trace[f] + ".json"))
    events = tr["traceEvents"] if isinstance(tr, dict) else tr
    phases = {}
    for x in events:
        if x.get("ph") == "X":
            phases[x["name"]] = phases.get(x["name"], 0) + x["dur"] / 1000
    for k, v in sorted(phases.items(), key=lambda kv: -kv[1])[:14]:
        print("   %-40s %.1f" % (k[:40], v))
