#!/usr/bin/env python3
"""NVRTC compile time and NVRTC's own phase trace (--fdevice-time-trace) per source (docs/perf/cache.md).

Usage: nvrtc_trace.py SOURCE.cu:ENTRY [SOURCE.cu:ENTRY ...]
Compiles each source once untimed, once with the trace (written to /tmp/NAME.trace.json), then 9
interleaved timed rounds; prints median / min ms and the trace's 14 largest phases (summed over events).
"""
import ctypes, time, sys, json, statistics
L = ctypes.CDLL("/usr/local/cuda/lib64/libnvrtc.so.13")
def comp(src, entry, opts):
    p = ctypes.c_void_p()
    assert L.nvrtcCreateProgram(ctypes.byref(p), src, b"k.cu", 0, None, None) == 0
    if entry: L.nvrtcAddNameExpression(p, entry)
    arr = (ctypes.c_char_p * len(opts))(*[o.encode() for o in opts])
    t = time.perf_counter()
    r = L.nvrtcCompileProgram(p, len(opts), arr)
    dt = (time.perf_counter()-t)*1e3
    if r != 0:
        n = ctypes.c_size_t(); L.nvrtcGetProgramLogSize(p, ctypes.byref(n)); b = ctypes.create_string_buffer(n.value); L.nvrtcGetProgramLog(p,b); print(b.value.decode()); sys.exit(1)
    L.nvrtcDestroyProgram(ctypes.byref(p))
    return dt
base = ["--minimal","-Xptxas=-v","-arch=sm_90a","-std=c++17","--no-cache","-I/usr/local/cuda/include"]
srcs = {}
for a in sys.argv[1:]:
    f, e = a.split(':'); srcs[f] = (open(f,'rb').read(), e.encode())
for f,(s,e) in srcs.items():
    comp(s,e,base)
    comp(s,e,base+["--fdevice-time-trace=/tmp/%s.trace" % f.split('/')[-1]])
res = {f: [] for f in srcs}
for i in range(9):
    for f,(s,e) in srcs.items(): res[f].append(comp(s,e,base))
for f in srcs:
    print(f, "median %.1f min %.1f" % (statistics.median(res[f]), min(res[f])))
    tr = json.load(open("/tmp/%s.trace.json" % f.split('/')[-1]))
    ev = tr["traceEvents"] if isinstance(tr, dict) else tr
    agg = {}
    for x in ev:
        if x.get("ph") == "X": agg[x["name"]] = agg.get(x["name"],0) + x["dur"]/1000
    for k,v in sorted(agg.items(), key=lambda kv:-kv[1])[:14]: print("   %-40s %.1f" % (k[:40], v))
