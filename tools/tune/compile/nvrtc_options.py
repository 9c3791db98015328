#!/usr/bin/env python3
"""NVRTC compile time and cubin identity per option set, interleaved rounds (docs/perf/cache.md, session 6).

Usage: nvrtc_options.py SOURCE.cu ENTRY [ROUNDS] < option-sets
One option set per stdin line, options separated by '|', e.g. "-Xptxas=-O1" or
"-Xptxas=-O2|-default-device"; every set is added to kjit's base options below.
Prints median / min wall ms of nvrtcCompileProgram and a short hash of the cubin
(the cubin records its options, so hashes differ between sets even when the code does not).
"""
import ctypes, time, sys, hashlib, statistics
L = ctypes.CDLL("/usr/local/cuda/lib64/libnvrtc.so.13")
src = open(sys.argv[1],'rb').read(); entry = sys.argv[2].encode()
def comp(opts):
    p = ctypes.c_void_p()
    assert L.nvrtcCreateProgram(ctypes.byref(p), src, b"k.cu", 0, None, None) == 0
    L.nvrtcAddNameExpression(p, entry)
    arr = (ctypes.c_char_p * len(opts))(*[o.encode() for o in opts])
    t = time.perf_counter(); r = L.nvrtcCompileProgram(p, len(opts), arr); dt = (time.perf_counter()-t)*1e3
    if r != 0:
        n = ctypes.c_size_t(); L.nvrtcGetProgramLogSize(p, ctypes.byref(n)); b = ctypes.create_string_buffer(n.value); L.nvrtcGetProgramLog(p,b); print(opts, b.value.decode()[-500:]); return None, None
    n = ctypes.c_size_t(); L.nvrtcGetCUBINSize(p, ctypes.byref(n)); b = ctypes.create_string_buffer(n.value); L.nvrtcGetCUBIN(p,b)
    L.nvrtcDestroyProgram(ctypes.byref(p))
    return dt, hashlib.sha1(b.raw).hexdigest()[:10]
base = ["--minimal","-arch=sm_90a","-std=c++17","--no-cache","-I/usr/local/cuda/include", "-w"]
V = [l.split('|') if l else [] for l in sys.stdin.read().strip().split('\n')]
V = [[x for x in v if x] for v in V]
h = {}
for v in V:
    dt, hh = comp(base+v); h[tuple(v)] = hh
res = {tuple(v): [] for v in V}
for i in range(int(sys.argv[3]) if len(sys.argv) > 3 else 7):
    for v in V:
        dt, _ = comp(base+v); 
        if dt: res[tuple(v)].append(dt)
for v in V:
    r = res[tuple(v)]
    if r: print("%-60s median %.1f min %.1f cubin %s" % (' '.join(v) or '(default)', statistics.median(r), min(r), h[tuple(v)]))
