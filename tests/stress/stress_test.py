#!/usr/bin/env python3
"""kjit stress suite (issue #19): break the cache, the CLI and the server on purpose.

Every case drives build/kjit as separate processes and asserts
  * no crash: no process dies of a signal or prints a sanitizer report;
  * no hang: every process runs under a timeout;
  * no wrong bytes: every cubin handed out equals a reference compile's;
  * specific errors: a refused operation names what and why.

Cases (run one with --only NAME; CTest runs each as its own test, label `stress`):
  race         N processes get one cold key at once (one compile), then the warm key
  kill9        kill -9 at random points of compile and warm-up; the cache serves right bytes after
  corruption   bit flips and truncations of blobs, of index.sqlite and its WAL
  disk_full    writes fail (tmpfs of a few hundred KiB where mounting is allowed, else
               RLIMIT_FSIZE: EFBIG on writes); errors are clean, the cache stays consistent
  readonly     a cache the process cannot write (another user when run as root)
  maintenance  gc / verify / clear in a loop while getters run
  http         option injection, huge and deep bodies, idle and slowloris connections,
               path-traversal names against `kjit serve`
  bundle       tampered bundles: byte flips, and edits with every checksum recomputed

Short mode (default; CI) takes about two minutes on 2 cores; --long (or
KJIT_STRESS_LONG=1) runs more rounds, processes and seconds.
KJIT_STRESS_NO_MOUNT=1 makes disk_full use its RLIMIT_FSIZE fallback even
where a tmpfs could be mounted.

Usage: stress_test.py --kjit PATH [--only CASE[,CASE]] [--long] [--keep]
"""
import argparse
import ctypes
import ctypes.util
import json
import os
import random
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

KJIT = None
LONG = False
NAME = "rmsnorm_h4096"
NAME2 = "rmsnorm_h7168"
ARCH = "sm_90a"
HERE = os.path.dirname(os.path.abspath(__file__))
SANITIZER_MARKS = ("AddressSanitizer", "UndefinedBehaviorSanitizer", "runtime error:", "LeakSanitizer")


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def n(short, long):
    return long if LONG else short


def env_for(cache):
    e = dict(os.environ)
    e.pop("KJIT_DEFINITIONS", None)
    e.pop("KJIT_ARCH", None)
    e["KJIT_CACHE_DIR"] = cache
    return e


def run(cache, args, timeout=300, preexec=None, expect_ok=False, what=None):
    """Runs kjit ARGS; returns (rc, stdout, stderr). A signal death, a sanitizer
    report or a timeout is a failure."""
    cmd = [KJIT] + args
    try:
        p = subprocess.run(cmd, env=env_for(cache), capture_output=True, timeout=timeout, preexec_fn=preexec)
    except subprocess.TimeoutExpired:
        raise Failure(f"hang: `kjit {' '.join(args)}` ran past {timeout} s")
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    label = what or "kjit " + " ".join(args)
    check(p.returncode >= 0, f"crash: `{label}` died of signal {-p.returncode}\n{err[-2000:]}")
    for mark in SANITIZER_MARKS:
        check(mark not in err, f"sanitizer: `{label}` reported {mark}\n{err[-3000:]}")
    if expect_ok:
        check(p.returncode == 0, f"`{label}` exited {p.returncode}:\n{err[-2000:]}")
    return p.returncode, out, err


def get_bytes(cache, name, out, timeout=300, preexec=None):
    rc, _, err = run(cache, ["get", name, "--arch", ARCH, "-o", out], timeout=timeout, preexec=preexec)
    data = open(out, "rb").read() if rc == 0 and os.path.exists(out) else None
    return rc, data, err


def stats(cache):
    rc, out, err = run(cache, ["cache", "stats", "--json"], timeout=60)
    check(rc == 0, f"cache stats failed: {err}")
    return json.loads(out)


def verify_clean(cache):
    rc, out, err = run(cache, ["cache", "verify", "--json"], timeout=120)
    check(rc == 0, f"cache verify exited {rc}: {out}{err}")


class Work:
    """A temporary folder and reference cubins (a private cache each)."""

    def __init__(self, keep):
        self.dir = tempfile.mkdtemp(prefix="kjit_stress_")
        os.chmod(self.dir, 0o755)
        self.keep = keep
        self._refs = {}

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def ref(self, name=NAME):
        if name not in self._refs:
            cache = self.path("ref_cache_" + name)
            out = self.path("ref_" + name + ".cubin")
            rc, data, err = get_bytes(cache, name, out)
            check(rc == 0 and data, f"reference compile of {name} failed: {err}")
            self._refs[name] = data
        return self._refs[name]

    def warm_cache(self, label, names=(NAME,)):
        """A cache holding `names` (copied from the reference caches: no compile)."""
        for name in names:
            self.ref(name)
        cache = self.path(label)
        shutil.copytree(self.path("ref_cache_" + names[0]), cache)
        for name in names[1:]:
            rc, _, err = run(cache, ["get", name, "--arch", ARCH, "-o", self.path(label + "_" + name + ".cubin")])
            check(rc == 0, err)
        return cache

    def close(self):
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def parallel(fns):
    results = [None] * len(fns)
    errors = []

    def runner(i, fn):
        try:
            results[i] = fn()
        except Failure as e:
            errors.append(str(e))

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise Failure(errors[0])
    return results


# ---------------------------------------------------------------- cases


def case_race(w):
    ref = w.ref()
    cache = w.path("race")
    procs = n(8, 32)
    for phase in ("cold", "warm"):
        outs = [w.path(f"race_{phase}_{i}.cubin") for i in range(procs)]
        results = parallel([lambda o=o: get_bytes(cache, NAME, o) for o in outs])
        for i, (rc, data, err) in enumerate(results):
            check(rc == 0, f"{phase} getter {i} exited {rc}: {err[-1500:]}")
            check(data == ref, f"{phase} getter {i}: wrong bytes ({len(data)} vs {len(ref)})")
        s = stats(cache)
        check(s["compiles"] == 1, f"after the {phase} race: {s['compiles']} compiles, expected 1 (one per key)")
    # Two keys at once, fresh cache: one compile each.
    cache2 = w.path("race2")
    ref2 = w.ref(NAME2)
    jobs = [lambda i=i: get_bytes(cache2, NAME if i % 2 else NAME2, w.path(f"race2_{i}.cubin")) for i in range(procs)]
    for i, (rc, data, err) in enumerate(parallel(jobs)):
        check(rc == 0 and data == (ref if i % 2 else ref2), f"two-key race getter {i}: rc {rc} {err[-800:]}")
    check(stats(cache2)["compiles"] == 2, "two-key race: expected 2 compiles")
    verify_clean(cache)
    verify_clean(cache2)
    return f"{procs} processes x (cold, warm) on one key + {procs} on two keys: 1 compile per key, all bytes right"


def kill_at_random(cache, args, max_delay):
    p = subprocess.Popen([KJIT] + args, env=env_for(cache), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    delay = random.uniform(0, max_delay)
    time.sleep(delay)
    p.kill()
    p.wait(timeout=60)
    return delay


def case_kill9(w):
    ref = w.ref()
    ref2 = w.ref(NAME2)
    t0 = time.monotonic()
    get_bytes(w.path("timing"), NAME, w.path("timing.cubin"))
    compile_s = max(0.5, time.monotonic() - t0)
    cache = w.path("kill9")
    rounds = n(4, 20)
    for r in range(rounds):
        args = ["compile", NAME, "--arch", ARCH] + (["--force"] if r % 2 else [])
        delay = kill_at_random(cache, args, compile_s * 1.2)
        rc, data, err = get_bytes(cache, NAME, w.path(f"k9_{r}.cubin"), timeout=120)
        check(rc == 0, f"round {r}: get after kill -9 at {delay:.2f} s exited {rc}: {err[-1500:]}")
        check(data == ref, f"round {r}: wrong bytes after kill -9 at {delay:.2f} s")
        verify_clean(cache)
    # Warm-up killed mid-way, then completed.
    wcache = w.path("kill9_warmup")
    for r in range(n(2, 8)):
        kill_at_random(wcache, ["warmup", "--arch", ARCH, "--filter", f"{NAME},{NAME2}", "-j", "2"], compile_s * 2)
    rc, _, err = run(wcache, ["warmup", "--arch", ARCH, "--filter", f"{NAME},{NAME2}", "-j", "2"], timeout=300)
    check(rc == 0, f"warm-up after kills exited {rc}: {err[-1500:]}")
    for name, expect in ((NAME, ref), (NAME2, ref2)):
        rc, data, err = get_bytes(wcache, name, w.path(f"k9w_{name}.cubin"))
        check(rc == 0 and data == expect, f"{name} after killed warm-ups: rc {rc} {err[-800:]}")
    verify_clean(wcache)
    return f"{rounds} compiles + {n(2, 8)} warm-ups killed at random points; every later get returned the reference bytes"


def flip_bit(path, rng):
    size = os.path.getsize(path)
    if size == 0:
        return
    with open(path, "r+b") as f:
        pos = rng.randrange(size)
        f.seek(pos)
        b = f.read(1)[0]
        f.seek(pos)
        f.write(bytes([b ^ (1 << rng.randrange(8))]))


def blobs(cache):
    out = []
    for root, _, files in os.walk(os.path.join(cache, "objects")):
        out += [os.path.join(root, f) for f in files]
    return sorted(out)


def case_corruption(w):
    ref = w.ref()
    rng = random.Random(19)
    rounds = n(4, 24)
    detected_before = None
    for r in range(rounds):
        cache = w.warm_cache(f"corrupt_{r}")
        if detected_before is None:
            detected_before = stats(cache).get("corrupt_detected", 0)
        for blob in blobs(cache):
            if r % 2:
                flip_bit(blob, rng)
            else:
                with open(blob, "r+b") as f:
                    f.truncate(rng.randrange(max(1, os.path.getsize(blob))))
        rc, data, err = get_bytes(cache, NAME, w.path(f"corrupt_{r}.cubin"), timeout=300)
        check(rc == 0, f"round {r} ({'bit flip' if r % 2 else 'truncation'} of every blob): get exited {rc}: {err[-1500:]}")
        check(data == ref, f"round {r}: a corrupted blob was handed out")
        s = stats(cache)
        check(s.get("corrupt_detected", 0) > detected_before, f"round {r}: corruption not counted: {s}")
        verify_clean(cache)
    # The index: bit flips in its pages, truncation, a garbage WAL. kjit must not
    # crash or hand out wrong bytes; a refusal must name the index.
    outcomes = {}
    variants = [("index bit flips", "flip"), ("index truncated", "truncate"), ("garbage WAL", "wal")]
    for label, kind in variants * n(1, 4):
        cache = w.warm_cache("index_" + kind + str(rng.randrange(1 << 30)))
        index = os.path.join(cache, "index.sqlite")
        if kind == "flip":
            for _ in range(16):
                flip_bit(index, rng)
        elif kind == "truncate":
            with open(index, "r+b") as f:
                f.truncate(os.path.getsize(index) // 2)
        else:
            with open(index + "-wal", "wb") as f:
                f.write(os.urandom(8192))
        rc, data, err = get_bytes(cache, NAME, w.path("index.cubin"), timeout=300)
        if rc == 0:
            check(data == ref, f"{label}: wrong bytes handed out")
            outcome = "served right bytes"
        else:
            check("index.sqlite" in err or "corrupt" in err.lower() or "database" in err.lower(),
                  f"{label}: get exited {rc} without naming the index: {err[-1000:]}")
            outcome = "refused: " + err.strip().splitlines()[0][:160]
        for args in (["cache", "stats"], ["cache", "verify"], ["list"]):
            run(cache, args, timeout=120)
        outcomes.setdefault(label, set()).add(outcome)
    summary = "; ".join(f"{k}: {' | '.join(sorted(v))}" for k, v in outcomes.items())
    return f"{rounds} rounds of blob bit flips/truncations all detected and recompiled; {summary}"


def try_mount_tmpfs(path, size_kib):
    os.makedirs(path, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount") or os.environ.get("KJIT_STRESS_NO_MOUNT") == "1":
        return False
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", path], capture_output=True)
    return p.returncode == 0


def case_disk_full(w):
    ref = w.ref()
    mnt = w.path("tmpfs")
    if try_mount_tmpfs(mnt, 256):
        try:
            cache = os.path.join(mnt, "cache")
            # Fill the tmpfs so the compile's writes hit ENOSPC.
            filler = os.path.join(mnt, "filler")
            with open(filler, "wb") as f:
                try:
                    f.write(b"\0" * (220 << 10))
                except OSError:
                    pass
            rc, data, err = get_bytes(cache, NAME, w.path("full.cubin"))
            check(rc != 0 or data == ref, "disk full: wrong bytes")
            if rc != 0:
                check(any(k in err.lower() for k in ("no space", "disk is full", "disk full")),
                      f"disk full: exit {rc} without saying why: {err[-1000:]}")
            os.remove(filler)
            rc, data, err = get_bytes(cache, NAME, w.path("full2.cubin"))
            check(rc == 0 and data == ref, f"after freeing space: rc {rc} {err[-1000:]}")
            verify_clean(cache)
            how = "tmpfs 256 KiB"
        finally:
            subprocess.run(["umount", mnt], capture_output=True)
    else:
        # Fallback: a file-size limit makes every write past it fail (EFBIG),
        # as a full disk would; SIGXFSZ is ignored so the write returns an error.
        cache = w.path("fsize_cache")
        run(cache, ["cache", "stats"], expect_ok=True)  # the index exists; the limit hits blob and WAL writes

        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 10, 16 << 10))

        rc, data, err = get_bytes(cache, NAME, w.path("fsize.cubin"), preexec=limit)
        limited = f"exit {rc}: " + (err.strip().splitlines() or [""])[0][:200]
        check(rc != 0 or data == ref, "file-size limit: wrong bytes")
        if rc != 0:
            check(any(k in err.lower() for k in ("too large", "no space", "disk is full", "i/o error")),
                  f"file-size limit: exit {rc} without saying why: {err[-1000:]}")
        rc, data, err = get_bytes(cache, NAME, w.path("fsize2.cubin"))
        check(rc == 0 and data == ref, f"after lifting the limit: rc {rc} {err[-1000:]}")
        verify_clean(cache)
        how = "RLIMIT_FSIZE 16 KiB (no tmpfs mount here), " + limited
    return f"{how}: writes failed cleanly; after space came back the get returned the reference bytes; verify clean"


def case_readonly(w):
    ref = w.ref()
    ref2 = w.ref(NAME2)
    cache = w.warm_cache("readonly")
    preexec = None
    if os.geteuid() == 0:
        # Root ignores file modes: run kjit as `nobody`, the cache owned by root.
        def preexec():
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
        os.chmod(w.dir, 0o777)
    # Every file 0444 and every folder 0555, the cache's own folder too.
    for root, dirs, files in os.walk(cache):
        for f in files:
            os.chmod(os.path.join(root, f), 0o444)
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o555)
    os.chmod(cache, 0o555)
    notes = []
    for name, expect in ((NAME, ref), (NAME2, ref2)):
        out = w.path(f"ro_{name}.cubin")
        rc, data, err = get_bytes(cache, name, out, preexec=preexec)
        if rc == 0:
            check(data == expect, f"read-only cache: wrong bytes for {name}")
            notes.append(f"{name}: served")
        else:
            check(any(k in err.lower() for k in ("read-only", "permission", "readonly", "not writable")),
                  f"read-only cache, {name}: exit {rc} without naming the cause: {err[-1000:]}")
            notes.append(f"{name}: refused ({err.strip().splitlines()[0][:120]})")
    rc, _, err = run(cache, ["cache", "stats"], preexec=preexec)
    os.chmod(cache, 0o755)
    for root, dirs, files in os.walk(cache):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    return "; ".join(notes)


def case_maintenance(w):
    ref, ref2 = w.ref(), w.ref(NAME2)
    cache = w.warm_cache("maint", (NAME, NAME2))
    deadline = time.monotonic() + n(15, 90)
    errors, counts = [], {"get": 0, "maint": 0}

    def getter(i):
        k = 0
        while time.monotonic() < deadline and not errors:
            name, expect = (NAME, ref) if (i + k) % 2 else (NAME2, ref2)
            try:
                rc, data, err = get_bytes(cache, name, w.path(f"m_{i}.cubin"), timeout=300)
                if rc != 0:
                    errors.append(f"getter {i}: {name} exited {rc} during maintenance: {err[-1000:]}")
                elif data != expect:
                    errors.append(f"getter {i}: wrong bytes for {name} during maintenance")
            except Failure as e:
                errors.append(str(e))
            counts["get"] += 1
            k += 1

    def maintainer():
        rng = random.Random(7)
        while time.monotonic() < deadline and not errors:
            action = rng.choice([["cache", "gc"], ["cache", "verify"], ["cache", "clear"], ["cache", "stats"]])
            try:
                rc, out, err = run(cache, action, timeout=300)
                if rc != 0:
                    errors.append(f"`kjit {' '.join(action)}` exited {rc} while getters ran: {out}{err[-1000:]}")
            except Failure as e:
                errors.append(str(e))
            counts["maint"] += 1

    threads = [threading.Thread(target=getter, args=(i,)) for i in range(n(3, 6))]
    threads.append(threading.Thread(target=maintainer))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, errors[0] if errors else "")
    verify_clean(cache)
    return f"{counts['get']} gets and {counts['maint']} gc/verify/clear/stats runs interleaved: all right bytes"


# ---- http


class Server:
    def __init__(self, cache, extra=()):
        self.p = subprocess.Popen([KJIT, "serve", "--listen", "127.0.0.1:0"] + list(extra), env=env_for(cache),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.p.stdout.readline().decode()
        if "listening on http://" not in line:
            self.p.kill()
            raise Failure(f"serve did not start: {line} {self.p.stderr.read(2000)}")
        self.port = int(line.strip().rsplit(":", 1)[1])

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise Failure("hang: serve did not exit within 30 s of SIGTERM")
        err = self.p.stderr.read().decode(errors="replace")
        for mark in SANITIZER_MARKS:
            check(mark not in err, f"sanitizer in serve: {err[-3000:]}")
        check(rc == 0, f"serve exited {rc} after SIGTERM: {err[-1000:]}")


def http(port, method, path, body=b"", headers=None, timeout=60):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {len(body)}\r\n"
    for k, v in (headers or {}).items():
        head += f"{k}: {v}\r\n"
    s.sendall(head.encode() + b"\r\n" + body)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
    s.close()
    head_end = data.find(b"\r\n\r\n")
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    return status, data[head_end + 4:] if head_end >= 0 else b""


def case_http(w):
    ref = w.ref()
    cache = w.warm_cache("http")
    server = Server(cache, ["--header-timeout", "2"])
    port = server.port
    try:
        st, body = http(port, "POST", "/v1/kernels/" + NAME + "/compile",
                        json.dumps({"arch": ARCH, "options": ["--pre-include=/etc/passwd"]}).encode())
        check(st == 400 and b"root:" not in body and b"--pre-include" in body,
              f"option injection: {st} {body[:300]}")
        for opt in ("-I/etc", "--include-path=/", "-DX=$(id)", "--time=/tmp/kjit_stress_time", "--dopt=on"):
            st, body = http(port, "POST", "/v1/kernels/" + NAME + "/compile",
                            json.dumps({"arch": ARCH, "options": [opt]}).encode())
            check(st == 400 and b"is not allowed in a request" in body, f"option {opt}: {st} {body[:300]}")
        check(not os.path.exists("/tmp/kjit_stress_time"), "--time wrote a file")
        st, body = http(port, "POST", "/v1/kernels/" + NAME + "/compile", b"x" * (1 << 20))
        check(st == 413, f"1 MiB body: {st} {body[:200]}")
        st, body = http(port, "POST", "/v1/kernels/" + NAME + "/compile", b"[" * 30000 + b"]" * 30000)
        check(st == 400 and b"nested deeper" in body, f"deep body: {st} {body[:200]}")
        for path, want in (("/v1/kernels/..%2f..%2fetc%2fpasswd", (400, 404)), ("/v1/definitions/%2e%2e", (400,)),
                           ("/v1/kernels/%1b%5b2J", (400,)), ("/v1/kernels/" + "a" * 5000, (400,)),
                           ("/v1/definitions/-rf", (400,))):
            st, body = http(port, "GET", path)
            check(st in want and b"\x1b" not in body and b"root:" not in body, f"{path[:40]}: {st} {body[:200]}")
        # Idle and slowloris connections, then health latency.
        idle = []
        for i in range(n(100, 500)):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:
                s.sendall(b"GET /v1/hea")
            idle.append(s)
        lat = []
        for _ in range(n(20, 100)):
            t0 = time.monotonic()
            st, body = http(port, "GET", "/v1/health", timeout=30)
            lat.append((time.monotonic() - t0) * 1000)
            check(st == 200, f"health under idle load: {st}")
        lat.sort()
        p99 = lat[min(len(lat) - 1, len(lat) * 99 // 100)]
        check(p99 < 1000, f"health p99 {p99:.0f} ms with {len(idle)} idle/slow connections")
        # The slowloris halves get 408 after the header timeout.
        time.sleep(2.5)
        idle[1].settimeout(5)
        got = idle[1].recv(4096)
        check(got.startswith(b"HTTP/1.1 408"), f"slowloris connection got {got[:100]}")
        for s in idle:
            s.close()
        # Junk, then the right bytes.
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"\x00\xff GARBAGE \r\n\r\n")
        junk = s.recv(4096)
        s.close()
        check(junk.startswith(b"HTTP/1.1 400"), f"junk request: {junk[:100]}")
        st, body = http(port, "GET", f"/v1/kernels/{NAME}?arch={ARCH}")
        check(st == 200 and body == ref, f"cubin over HTTP: {st}, {len(body)} bytes, right: {body == ref}")
    finally:
        server.stop()
    return f"injection/huge/deep/traversal refused; health p99 {p99:.1f} ms with {len(idle)} idle+slowloris connections"


# ---- bundle


def xxh3_128(data):
    lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")

    class H128(ctypes.Structure):
        _fields_ = [("low64", ctypes.c_uint64), ("high64", ctypes.c_uint64)]

    lib.XXH3_128bits.restype = H128
    lib.XXH3_128bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    h = lib.XXH3_128bits(data, len(data))
    return struct.pack(">QQ", h.high64, h.low64)  # canonical: big-endian high then low


def parse_bundle(b):
    """[(meta dict, cubin, source, meta bytes)] of a bundle (cache/bundle.cpp's grammar)."""
    assert b[:8] == b"KJITBNDL"
    pos, entries = 12, []
    while b[pos:pos + 1] == b"E":
        plen = struct.unpack_from("<Q", b, pos + 1)[0]
        payload = b[pos + 9:pos + 9 + plen]
        pos += 9 + plen + 16
        mlen = struct.unpack_from("<I", payload, 0)[0]
        meta = json.loads(payload[4:4 + mlen])
        q = 4 + mlen
        clen = struct.unpack_from("<Q", payload, q)[0]
        cubin = payload[q + 8:q + 8 + clen]
        q += 8 + clen
        slen = struct.unpack_from("<Q", payload, q)[0]
        source = payload[q + 8:q + 8 + slen]
        entries.append((meta, cubin, source, payload[4:4 + mlen]))
    return entries


def write_bundle(entries):
    """A bundle with every checksum recomputed (what a careful attacker writes). An entry whose
    meta, checksums recomputed, still equals the meta bytes it was parsed from keeps those bytes:
    json.dumps and nlohmann's dump() agree on everything but some doubles (compile_ms), where
    nlohmann's Grisu2 digits are not always Python's shortest repr."""
    out = bytearray(b"KJITBNDL" + struct.pack("<I", 2))  # format 2: key inputs in the meta, optional signature
    for meta, cubin, source, *raw in entries:
        meta = dict(meta)
        meta["cubin_xxh3"] = xxh3_128(cubin).hex()
        meta["source_xxh3"] = xxh3_128(source).hex()
        if raw and json.loads(raw[0]) == meta:
            m = bytes(raw[0])
        else:
            m = json.dumps(meta, separators=(",", ":"), ensure_ascii=False).encode()  # nlohmann's dump()
        payload = struct.pack("<I", len(m)) + m + struct.pack("<Q", len(cubin)) + cubin + \
            struct.pack("<Q", len(source)) + source
        out += b"E" + struct.pack("<Q", len(payload)) + payload + xxh3_128(payload)
    out += b"T" + struct.pack("<Q", len(entries))
    out += xxh3_128(bytes(out))
    return bytes(out)


def case_bundle(w):
    ref = w.ref()
    cache = w.warm_cache("bundle_src", (NAME, NAME2))
    bundle = w.path("good.kjit")
    run(cache, ["cache", "export", bundle], expect_ok=True)
    good = open(bundle, "rb").read()
    entries = parse_bundle(good)
    check(len(entries) == 2, f"expected 2 entries, parsed {len(entries)}")
    check(write_bundle(entries) == good, "the stress suite's bundle writer does not reproduce kjit's bytes "
                                         "(cache/bundle.cpp's grammar changed: update parse_bundle/write_bundle)")
    rng = random.Random(3)
    tampered = []
    flipped = bytearray(good)
    pos = rng.randrange(12, len(good) - 17)
    flipped[pos] ^= 0x20
    tampered.append(("one byte flipped", bytes(flipped), "checksums catch it"))
    # Every checksum recomputed: the bytes are self-consistent, so only a
    # binding of each entry to its key (the key recomputed from what the entry
    # says it was compiled from) can refuse them.
    e = [list(x) for x in entries]
    src = bytearray(e[0][2])
    src[:0] = b"__global__ void kjit_injected() {}\n"
    e2 = [list(x) for x in entries]
    e2[0][2] = bytes(src)
    tampered.append(("source edited, checksums recomputed", write_bundle(e2), "key binding"))
    e3 = [list(x) for x in entries]
    m = dict(e3[0][0])
    m["key"], e3[1][0] = e3[1][0]["key"], dict(e3[1][0], key=m["key"])
    e3[0][0] = m
    tampered.append(("keys swapped between entries, checksums recomputed", write_bundle(e3), "key binding"))
    e4 = [list(x) for x in entries]
    e4[0][1] = e4[1][1]  # another kernel's cubin under this key
    tampered.append(("cubin replaced by another kernel's, checksums recomputed", write_bundle(e4), "key binding"))
    e5 = [list(x) for x in entries]
    m5 = dict(e5[0][0])
    m5["definition"] = "../../escaped\x1b[31m"
    e5[0][0] = m5
    tampered.append(("definition name with ../ and an escape sequence, checksums recomputed", write_bundle(e5),
                     "name check"))
    failures = []
    for label, data, by in tampered:
        target = w.path("bundle_dst_" + str(rng.randrange(1 << 30)))
        path = w.path("tampered.kjit")
        with open(path, "wb") as f:
            f.write(data)
        rc, out, err = run(target, ["cache", "import", path])
        if rc == 0:
            failures.append(f"{label}: import accepted it ({by} expected to refuse)")
            continue
        msg = (out + err).strip().splitlines()[-1] if (out + err).strip() else ""
        if "\x1b" in out + err:
            failures.append(f"{label}: the refusal printed a raw escape sequence")
        entries_after = stats(target)["entries"] if os.path.isdir(target) else 0
        if entries_after != 0:
            failures.append(f"{label}: refused but {entries_after} entries were written (must refuse whole)")
        print(f"    {label}: refused ({msg[:150]})")
    check(not failures, "; ".join(failures))
    target = w.path("bundle_ok")
    run(target, ["cache", "import", bundle], expect_ok=True)
    rc, data, err = get_bytes(target, NAME, w.path("imported.cubin"))
    check(rc == 0 and data == ref, f"untampered import: rc {rc} {err[-500:]}")
    check(stats(target)["compiles"] == 0, "the imported kernel was recompiled instead of served")
    return f"{len(tampered)} tampered bundles refused whole; the untampered one imports and serves the reference bytes"


CASES = {
    "race": case_race,
    "kill9": case_kill9,
    "corruption": case_corruption,
    "disk_full": case_disk_full,
    "readonly": case_readonly,
    "maintenance": case_maintenance,
    "http": case_http,
    "bundle": case_bundle,
}


def main():
    global KJIT, LONG
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kjit", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--long", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    a = ap.parse_args()
    KJIT = os.path.abspath(a.kjit)
    LONG = a.long or os.environ.get("KJIT_STRESS_LONG") == "1"
    names = [x for x in a.only.split(",") if x] or list(CASES)
    unknown = [x for x in names if x not in CASES]
    if unknown:
        print(f"unknown case(s) {unknown}; known: {', '.join(CASES)}")
        return 2
    w = Work(a.keep)
    failed = 0
    try:
        for name in names:
            t0 = time.monotonic()
            try:
                summary = CASES[name](w)
                print(f"PASS {name} ({time.monotonic() - t0:.1f} s, {'long' if LONG else 'short'}): {summary}", flush=True)
            except Failure as e:
                failed += 1
                print(f"FAIL {name} ({time.monotonic() - t0:.1f} s): {e}", flush=True)
    finally:
        w.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
