#!/usr/bin/env python3
"""Records, and compares, what kjit's templates produce for every served definition.

A template change that should not change behaviour (a split into stage files, a removed tuning
knob, a factored-out primitive) must leave every served definition's rendered source, launch plan
and cubin as they were. `record` renders and compiles every definition on the search path for each
arch with a given kjit binary and template root, into a fresh cache, and writes what it saw;
`diff` compares two records.

  tools/tune/compare_renders.py record OUT [--kjit build/kjit] [--templates DIR] [--arch sm_90a,sm_80] [-j 2] [--cache DIR] [--filter GLOB]
  tools/tune/compare_renders.py diff BEFORE AFTER [--json]

Definition sets (each searched on its own, so that no name shadows another):
  builtin  kjit's own definitions/ plus tests/gpu/definitions/{attention,gemm,coverage} (made-up
           test shapes; coverage/ reaches template branches no public definition reaches)
  dataset  ../shared/flashinfer-trace/definitions alone (--no-builtin-definitions: kjit's own
           definitions shadow a few dataset names)
Per (set, arch, definition), OUT/record.json holds: template, render status (ok / not_served /
error with kjit's message), sha256 of the rendered source, the launch plan (without its cache
key), the cache key, sha256 of the cubin, registers / spills / shared memory; OUT/src/ keeps
the rendered sources and OUT/cubin/ the cubins so that a difference can be read.

`diff` classifies each definition as identical, or: status, plan, cubin or source differences;
a source difference whose cubin is identical is reported as `source-comment` when only comments
and white space differ, else `source-dead-code` (the code changed but compiled to the same cubin).
A cubin that differs but whose code is the same (cubin_code(): every kernel's machine code,
relocations, per-kernel info, shared memory, parameter bank and the bytes of every data object
present in both) is `cubin-data`: only symbols / data no kernel refers to differ, e.g. a removed
namespace-scope constexpr, which NVRTC emits as an object. Exit status of diff: 0 when every
plan is identical and every cubin identical or `cubin-data`, 1 otherwise.
Single-threaded driver; compiles run as up to -j kjit processes on one private cache folder
(kjit's cache is safe for concurrent processes).
"""
import argparse
import concurrent.futures
import fnmatch
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.environ.get("KJIT_SHARED_DIR", os.path.join(REPO, "..", "shared"))
DATASET = os.path.join(SHARED, "flashinfer-trace", "definitions")
TEST_DEFS = [os.path.join(REPO, "tests", "gpu", "definitions", d) for d in ("attention", "gemm", "coverage")]


def sets():
    """Definition sets: name -> kjit global options selecting it."""
    builtin = []
    for d in TEST_DEFS:
        builtin += ["--definitions", d]
    if not os.path.isdir(DATASET):
        sys.exit(f"compare_renders: dataset not found at {DATASET} (set KJIT_SHARED_DIR)")
    return {"builtin": builtin, "dataset": ["--no-builtin-definitions", "--definitions", DATASET]}


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run(cmd):
    env = dict(os.environ)
    env.pop("KJIT_DEFINITIONS", None)
    env.pop("KJIT_TEMPLATES", None)
    env.pop("KJIT_ARCH", None)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def matches(name, globs):
    """`name` matches one of the comma-separated `globs`."""
    return any(fnmatch.fnmatch(name, g) for g in (globs or "*").split(","))


def record_one(base, out, set_name, arch, name):
    """Renders, compiles and fetches one definition; returns its record entry."""
    rel = os.path.join(arch, set_name, name)
    src = os.path.join(out, "src", rel + ".cu")
    cubin = os.path.join(out, "cubin", rel + ".cubin")
    plan = os.path.join(out, "plan", rel + ".json")
    for p in (src, cubin, plan):
        os.makedirs(os.path.dirname(p), exist_ok=True)
    entry = {"set": set_name, "arch": arch, "name": name}
    rc, so, se = run(base + ["render", name, "--arch", arch, "-o", src])
    if rc == 3:
        entry["status"] = "not_served"
        return entry
    if rc != 0:
        entry["status"] = "render_error"
        # The message names the template line; keep it (without the absolute repo path).
        entry["message"] = se.strip().replace(REPO + "/", "")
        return entry
    entry["source_sha256"] = sha256_file(src)
    m = re.search(r"template (\S+?)\)", se)
    entry["template"] = m.group(1) if m else None
    rc, so, se = run(base + ["compile", name, "--arch", arch, "--json"])
    if rc != 0:
        entry["status"] = "compile_error"
        entry["message"] = (so + se).strip().replace(REPO + "/", "")
        return entry
    info = json.loads(so.strip().splitlines()[-1])
    for k in ("registers", "spill_bytes", "shared_bytes", "cubin_bytes", "template"):
        if k in info:
            entry[k] = info[k]
    rc, so, se = run(base + ["get", name, "--arch", arch, "-o", cubin, "--plan", plan])
    if rc != 0:
        entry["status"] = "get_error"
        entry["message"] = se.strip()
        return entry
    entry["cubin_sha256"] = sha256_file(cubin)
    with open(plan) as f:
        pj = json.load(f)
    entry["key"] = pj.pop("key", None)
    entry["plan"] = pj
    entry["status"] = "ok"
    return entry


def cmd_record(a):
    out = os.path.abspath(a.out)
    if os.path.exists(out) and os.listdir(out):
        sys.exit(f"compare_renders: {out} exists and is not empty")
    os.makedirs(out, exist_ok=True)
    kjit = os.path.abspath(a.kjit)
    # A fresh cache by default, so that every cubin comes from a real compile; --cache DIR keeps
    # one between records (unchanged sources are then hits: quick re-checks while editing).
    cache = os.path.abspath(a.cache) if a.cache else tempfile.mkdtemp(prefix="kjit-compare-cache-")
    glob = ["--cache-dir", cache]
    if a.templates:
        glob += ["--templates", os.path.abspath(a.templates)]
    items = []
    for set_name, opts in sets().items():
        rc, so, se = run([kjit] + glob + opts + ["list", "--json"])
        if rc != 0:
            sys.exit(f"compare_renders: kjit list failed for {set_name}: {se.strip()}")
        names = sorted(d["name"] for d in json.loads(so) if matches(d["name"], a.filter))
        for arch in a.arch.split(","):
            for n in names:
                items.append(([kjit] + glob + opts, set_name, arch, n))
    print(f"compare_renders: {len(items)} (set, arch, definition) items, -j {a.jobs}", flush=True)
    entries = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
            futs = [ex.submit(record_one, b, out, s, ar, n) for b, s, ar, n in items]
            for i, f in enumerate(concurrent.futures.as_completed(futs), 1):
                entries.append(f.result())
                if i % 25 == 0 or i == len(futs):
                    print(f"  {i}/{len(futs)}", flush=True)
    finally:
        if not a.cache:
            shutil.rmtree(cache, ignore_errors=True)
    entries.sort(key=lambda e: (e["set"], e["arch"], e["name"]))
    rev = subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "templates"], capture_output=True,
                           text=True).stdout.strip() != ""
    rec = {"commit": rev, "templates_dirty": dirty, "templates": a.templates or "templates", "filter": a.filter,
           "archs": a.arch.split(","), "entries": entries}
    with open(os.path.join(out, "record.json"), "w") as f:
        json.dump(rec, f, indent=1, sort_keys=True)
    counts = {}
    for e in entries:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    print(f"compare_renders: wrote {out}/record.json: {counts}")


def elf_sections(data):
    """(name, type, offset, size, link, entsize) of every section of an ELF64 little-endian file."""
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    raw = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    stroff = raw[shstrndx][4]

    def cstr(off):
        return data[off:data.index(b"\0", off)].decode()
    return [(cstr(stroff + h[0]), h[1], h[4], h[5], h[6], h[9]) for h in raw]


# EIATTR attributes whose payload starts with a symbol index: PARAM_CBANK, FRAME_SIZE,
# MIN_STACK_SIZE, CRS_STACK_SIZE, MAX_STACK_SIZE, REGCOUNT.
SYM_FIRST = {0x0A, 0x11, 0x12, 0x1E, 0x23, 0x2F}


def cubin_code(path):
    """What a cubin executes, without what only names or places unreferenced data: every kernel's
    machine code (.text.*) and its relocations (by symbol name), per-kernel info (.nv.info.*),
    shared-memory and parameter-bank sizes, the global .nv.info records (symbol indices replaced
    by names) and the bytes of every data object, by name. Two cubins with the same code differ at
    most in symbols and data that no kernel refers to (e.g. a removed namespace-scope constexpr,
    which NVRTC emits as an object). Returns (code dict, {object name: bytes})."""
    data = open(path, "rb").read()
    secs = elf_sections(data)
    syms = []
    for name, typ, off, size, link, ent in secs:
        if typ == 2:  # SYMTAB
            stroff = secs[link][2]
            for i in range(size // 24):
                st_name, st_info, _, st_shndx, st_value, st_size = struct.unpack_from("<IBBHQQ", data, off + 24 * i)
                nm = data[stroff + st_name:data.index(b"\0", stroff + st_name)].decode()
                if st_info & 0xF == 3 and st_shndx < len(secs):  # SECTION: its section's name
                    nm = secs[st_shndx][0]
                syms.append((nm, st_info & 0xF, st_shndx, st_value, st_size))
    code, objs = {}, {}
    for idx, (name, typ, off, size, link, ent) in enumerate(secs):
        body = data[off:off + size] if typ != 8 else b""
        if name.startswith(".text."):
            code[name] = hashlib.sha256(body).hexdigest()
        elif name.startswith((".nv.shared.", ".nv.constant0.")):
            code[name] = size
        elif name.startswith((".nv.constant2.", ".nv.compat", ".note.nv.")):
            code[name] = hashlib.sha256(body).hexdigest()
        elif name.startswith(".nv.info"):
            # EIATTR records: (format, attribute, payload); a symbol index in a payload (REGCOUNT,
            # PARAM_CBANK, ...) is replaced by the symbol's name, since indices move when
            # unrelated symbols come or go.
            recs, i = [], 0
            while i + 4 <= size:
                fmt, attr, ln = struct.unpack_from("<BBH", body, i)
                if fmt == 0x04:
                    payload = body[i + 4:i + 4 + ln]
                    i += 4 + ln
                else:
                    payload = body[i + 2:i + 4]
                    i += 4
                if fmt == 0x04 and attr in SYM_FIRST and len(payload) >= 4:
                    first = struct.unpack_from("<I", payload)[0]
                    recs.append((fmt, attr, syms[first][0] if first < len(syms) else first, payload[4:].hex()))
                elif fmt == 0x04 and attr == 0x0F:  # EXTERNS: a list of symbol indices
                    idx = struct.unpack_from("<%dI" % (len(payload) // 4), payload)
                    recs.append((fmt, attr, tuple(syms[i][0] if i < len(syms) else i for i in idx)))
                else:
                    recs.append((fmt, attr, payload.hex()))
            code[name] = sorted(recs, key=str)
    for nm, typ, shndx, value, size in syms:
        if typ == 1 and size > 0 and shndx < len(secs):  # OBJECT
            s_name, s_typ, s_off = secs[shndx][0], secs[shndx][1], secs[shndx][2]
            objs[nm] = data[s_off + value:s_off + value + size].hex() if s_typ != 8 else size
    return code, objs


def strip_comments(text):
    """The source without comments and white space (strings are not special-cased: the
    templates put no // or /* inside string literals)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"\s+", "", text)


def norm_message(m):
    """An error message without its template location (file:line:col moves when templates are
    split): what it says must stay, where may change."""
    return re.sub(r"\S*templates/\S+?:\d+:\d+: ", "", m) if m else m


def cmd_diff(a):
    def load(d):
        with open(os.path.join(d, "record.json")) as f:
            r = json.load(f)
        return r.get("filter", "*"), {(e["set"], e["arch"], e["name"]): e for e in r["entries"]}
    fb, before = load(a.before)
    fa, after = load(a.after)
    # A record made with --filter compares only the definitions it holds.
    keys = set(before) | set(after)
    keys = {k for k in keys if matches(k[2], fb) and matches(k[2], fa)}
    rows, bad = [], 0
    for key in sorted(keys):
        b, c = before.get(key), after.get(key)
        if b is None or c is None:
            rows.append((key, "missing-" + ("before" if b is None else "after"), ""))
            bad += 1
            continue
        kinds, detail = [], ""
        if b["status"] != c["status"] or norm_message(b.get("message")) != norm_message(c.get("message")):
            kinds.append("status")
        if b.get("template") != c.get("template"):
            kinds.append("template")
        if b.get("plan") != c.get("plan"):
            kinds.append("plan")
        if b.get("cubin_sha256") != c.get("cubin_sha256"):
            cb = os.path.join(a.before, "cubin", key[1], key[0], key[2] + ".cubin")
            cc = os.path.join(a.after, "cubin", key[1], key[0], key[2] + ".cubin")
            if b.get("cubin_sha256") and c.get("cubin_sha256") and os.path.exists(cb) and os.path.exists(cc):
                xb, xc = cubin_code(cb), cubin_code(cc)
                changed = [k for k in xb[1] if k in xc[1] and xb[1][k] != xc[1][k]]
                if xb[0] == xc[0] and not changed:
                    kinds.append("cubin-data")   # same code: only unreferenced symbols / data differ
                    gone = sorted(set(xb[1]) - set(xc[1]))
                    new = sorted(set(xc[1]) - set(xb[1]))
                    short = lambda n: (re.search(r"(k_[A-Za-z0-9_]+?)E$", n) or re.search(r"(.*)", n)).group(1)
                    detail = ("objects removed: " + " ".join(short(n) for n in gone) if gone else "") + \
                             (" added: " + " ".join(short(n) for n in new) if new else "")
                else:
                    kinds.append("cubin")
            else:
                kinds.append("cubin")
        for k in ("registers", "spill_bytes", "shared_bytes"):
            if b.get(k) != c.get(k):
                kinds.append(k)
        if b.get("source_sha256") != c.get("source_sha256"):
            sb = open(os.path.join(a.before, "src", *key[1:2], key[0], key[2] + ".cu")).read() \
                if b.get("source_sha256") else ""
            sc = open(os.path.join(a.after, "src", *key[1:2], key[0], key[2] + ".cu")).read() \
                if c.get("source_sha256") else ""
            kinds.append("source-comment" if strip_comments(sb) == strip_comments(sc) else "source-dead-code")
        if any(k not in ("source-comment", "source-dead-code", "cubin-data") for k in kinds):
            bad += 1
            if "status" in kinds:
                detail = f"{b['status']}: {b.get('message', '')[:200]} -> {c['status']}: {c.get('message', '')[:200]}"
        rows.append((key, ",".join(kinds) or "identical", detail))
    if a.json:
        print(json.dumps([{"set": k[0], "arch": k[1], "name": k[2], "result": r, "detail": d}
                          for k, r, d in rows], indent=1))
    else:
        summary = {}
        for _, r, _ in rows:
            summary[r] = summary.get(r, 0) + 1
        for k, r, d in rows:
            if r != "identical":
                print(f"{k[1]:8s} {k[0]:8s} {k[2]:60s} {r} {d}")
        print("summary: " + ", ".join(f"{v} {k}" for k, v in sorted(summary.items())))
        print(f"plan/cubin/status differences: {bad}")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="render + compile every definition, write OUT/record.json")
    r.add_argument("out")
    r.add_argument("--kjit", default=os.path.join(REPO, "build", "kjit"))
    r.add_argument("--templates", help="template root (default: kjit's own templates/)")
    r.add_argument("--arch", default="sm_90a,sm_80")
    r.add_argument("-j", "--jobs", type=int, default=2)
    r.add_argument("--cache", help="kjit cache folder to use and keep (default: a fresh temporary one)")
    r.add_argument("--filter", default="*", help="only definitions whose name matches this glob (several: comma-separated)")
    d = sub.add_parser("diff", help="compare two records")
    d.add_argument("before")
    d.add_argument("after")
    d.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.cmd == "record":
        cmd_record(a)
        return 0
    return cmd_diff(a)


if __name__ == "__main__":
    sys.exit(main())
