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
Exit status of diff: 0 when every plan and cubin is identical (source-only differences allowed),
1 otherwise.
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


def strip_comments(text):
    """The source without comments and white space (strings are not special-cased: the
    templates put no // or /* inside string literals)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"\s+", "", text)


def norm_message(m):
    """An error message without its template location (file:line:col moves when templates are
    split): what it says must stay, where may change."""
    return re.sub(r"templates/\S+?:\d+:\d+: ", "", m) if m else m


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
        kinds = []
        if b["status"] != c["status"] or norm_message(b.get("message")) != norm_message(c.get("message")):
            kinds.append("status")
        if b.get("template") != c.get("template"):
            kinds.append("template")
        if b.get("plan") != c.get("plan"):
            kinds.append("plan")
        if b.get("cubin_sha256") != c.get("cubin_sha256"):
            kinds.append("cubin")
        for k in ("registers", "spill_bytes", "shared_bytes"):
            if b.get(k) != c.get(k):
                kinds.append(k)
        detail = ""
        if b.get("source_sha256") != c.get("source_sha256"):
            sb = open(os.path.join(a.before, "src", *key[1:2], key[0], key[2] + ".cu")).read() \
                if b.get("source_sha256") else ""
            sc = open(os.path.join(a.after, "src", *key[1:2], key[0], key[2] + ".cu")).read() \
                if c.get("source_sha256") else ""
            kinds.append("source-comment" if strip_comments(sb) == strip_comments(sc) else "source-dead-code")
        if any(k not in ("source-comment", "source-dead-code") for k in kinds):
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
