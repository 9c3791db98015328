"""tunelib.py — what the per-family tuning harnesses (tools/tune/<family>/harness.py) share.

A tuning experiment compares a shipped kernel with variants of it. A variant is a copy of a
definition named NAME__SUFFIX whose tags carry "kjit-tune:KEY=VALUE" knobs; only the tuning
template root reads them (templates/ with tools/tune/overlay/ laid over it: tools/tune/overlay.sh),
so the harness runs kjit with --templates pointing there. Without knobs the overlay renders what
templates/ renders (tools/tune/compare_renders.py checks it), so a base definition benched through
the overlay is the shipped kernel.

Common command line (every family harness):
  SUBCOMMAND  bench | check | render | defs   (and the family's own, e.g. rmsnorm's same-process)
  --names A,B            base definitions (kjit's own, the dataset's, tests/gpu/definitions/*);
                         a glob (cov_*rmsnorm*) expands over them
  --variant SUFFIX:K=V[,K=V...]   (repeatable) a variant of every base name
  --no-base              leave the base definitions out of the run (variants only)
  --axes K=V,...  --kv-len N  --q-len N  --empty-first  --max-workloads N   passed to kjit
  --inputs-profile P     passed to kjit bench and check (e.g. moe one_expert, half_empty)
  --repeat N             run the kjit call N times (same-run drift check)
  --timeout S            per kjit call (default 120)
  --out DIR              logs and JSON lines (default $OUT, else /tmp/kjit-tune-out)
  --work DIR             variant definitions, tuning template root, kjit cache (default /tmp/kjit-tune)
  --kjit PATH            default .device/bin/kjit when present (GPU machine), else build/kjit
  --arch A               render / compile target (render / defs only; bench and check use the device)
  --dry-run              print the kjit commands instead of running them
Outputs: OUT/TAG.log (one formatted line per result), OUT/TAG.jsonl (kjit's JSON lines),
OUT/err.log (kjit's stderr); TAG defaults to the subcommand.
Single-threaded; each kjit call is a subprocess.
"""
import argparse
import fnmatch
import json
import os
import shlex
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def dataset_dir():
    for d in (os.path.join(REPO, ".device", "shared", "flashinfer-trace", "definitions"),
              os.path.join(os.environ.get("KJIT_SHARED_DIR", os.path.join(REPO, "..", "shared")),
                           "flashinfer-trace", "definitions")):
        if os.path.isdir(d):
            return d
    return None


def definition_index():
    """name -> path of every definition JSON kjit's harnesses may derive variants from: kjit's own
    definitions/, then the dataset, then tests/gpu/definitions/ (first found wins)."""
    roots = [os.path.join(REPO, "definitions")]
    if dataset_dir():
        roots.append(dataset_dir())
    roots.append(os.path.join(REPO, "tests", "gpu", "definitions"))
    index = {}
    for root in roots:
        for dirpath, _, files in sorted(os.walk(root)):
            for f in sorted(files):
                if f.endswith(".json"):
                    index.setdefault(f[:-5], os.path.join(dirpath, f))
    return index


def expand_names(spec):
    """"a,b,cov_*rmsnorm*" -> names; a glob expands over definition_index() (sorted)."""
    index = definition_index()
    names = []
    for n in (x for x in spec.split(",") if x):
        if any(c in n for c in "*?["):
            hits = sorted(k for k in index if fnmatch.fnmatch(k, n))
            if not hits:
                sys.exit(f"tune: no definition matches {n!r}")
            names += hits
        else:
            names.append(n)
    return names


def parse_variants(specs):
    """["p0:pdl=0", "mg0:pdl=0,mg=0"] -> {"p0": ["pdl=0"], "mg0": ["pdl=0", "mg=0"]}"""
    out = {}
    for s in specs or []:
        suffix, _, kvs = s.partition(":")
        if not suffix or not kvs or any("=" not in kv for kv in kvs.split(",")):
            sys.exit(f"tune: bad --variant {s!r} (SUFFIX:KEY=VALUE[,KEY=VALUE...])")
        out[suffix] = kvs.split(",")
    return out


def write_variants(work, names, variants):
    """Writes NAME__SUFFIX copies of each base definition with "kjit-tune:" tags into
    WORK/defs/<op_type>/; returns the variant names in order (per base: every suffix)."""
    index = definition_index()
    made = []
    for name in names:
        if name not in index:
            sys.exit(f"tune: no definition named {name!r} (kjit's own, the dataset's or tests/gpu/definitions/)")
        base = json.load(open(index[name]))
        folder = os.path.join(work, "defs", base.get("op_type", "misc"))
        os.makedirs(folder, exist_ok=True)
        for suffix, kvs in variants.items():
            d = dict(base, name=name + "__" + suffix, tags=list(base.get("tags", [])) + ["kjit-tune:" + kv for kv in kvs])
            with open(os.path.join(folder, d["name"] + ".json"), "w") as f:
                json.dump(d, f, indent=1)
            made.append(d["name"])
    return made


def tuning_root(work):
    """Builds WORK/templates (templates/ + tools/tune/overlay/) and returns its path."""
    out = os.path.join(work, "templates")
    subprocess.run([os.path.join(REPO, "tools", "tune", "overlay.sh"), out], check=True, stdout=subprocess.DEVNULL)
    return out


def num3(v):
    """%.3g for a number, the value as it is otherwise (kjit writes e.g. "inf" or "n/a" as text)."""
    return "%.3g" % v if isinstance(v, (int, float)) else str(v)


def fmt(line):
    """One kjit --json line (bench or check result) -> one log line."""
    try:
        d = json.loads(line)
    except ValueError:
        return line.rstrip()[:300]
    if "median_ms" in d:
        return "B %-48s %-34s %9.2f us (min %9.2f) %6.0f GB/s frac %.3f copy %.0f %.1f TFLOP/s" % (
            d["name"], ",".join("%s=%s" % kv for kv in sorted(d.get("axes", {}).items()))[:34], d["median_ms"] * 1e3,
            d.get("min_ms", 0) * 1e3, d.get("gbps", 0), d.get("bandwidth_fraction", 0), d.get("peak_copy_gbps", 0),
            d.get("tflops", 0))
    if "registers" in d:
        return "R %-48s %-9s %s registers %4s spill bytes %6s shared bytes %s" % (
            d["name"], d.get("status"), d.get("registers"), d.get("spill_bytes"), d.get("shared_bytes"), d.get("arch", ""))
    if "status" in d:
        # status:max_abs_error, plus :matched_ratio where the check's rule reports one (low-bit MoE)
        ws = " ".join("%s:%s%s" % (w.get("status"), num3(w.get("max_absolute_error", -1)),
                                   "" if w.get("matched_ratio") is None else ":m%.5f" % w["matched_ratio"])
                      for w in d.get("workloads", []))
        return "C %-48s %s %s" % (d["name"], d["status"], ws[:300])
    return json.dumps(d)[:300]


class Harness:
    """The common command line and the kjit calls of one family harness."""

    def __init__(self, family, description, default_names, extra=None):
        self.family = family
        ap = argparse.ArgumentParser(prog=f"tools/tune/{family}/harness.py", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
        ap.add_argument("command", help="bench | check | render | defs" + (" | " + " | ".join(extra) if extra else ""))
        ap.add_argument("--names", default=",".join(default_names), help="base definitions, comma-separated")
        ap.add_argument("--variant", action="append", default=[], help="SUFFIX:KEY=VALUE[,KEY=VALUE...] (repeatable)")
        ap.add_argument("--no-base", action="store_true", help="variants only")
        ap.add_argument("--axes")
        ap.add_argument("--kv-len")
        ap.add_argument("--q-len")
        ap.add_argument("--empty-first", action="store_true")
        ap.add_argument("--inputs-profile", help="kjit's synthetic input profile (bench and check)")
        ap.add_argument("--max-workloads")
        ap.add_argument("--repeat", type=int, default=1)
        ap.add_argument("--timeout", type=int, default=120)
        ap.add_argument("--tag", help="name of the log / JSON-lines files (default: the subcommand)")
        ap.add_argument("--out", default=os.environ.get("OUT", "/tmp/kjit-tune-out"))
        ap.add_argument("--work", default="/tmp/kjit-tune")
        ap.add_argument("--kjit")
        ap.add_argument("--arch", default="sm_90a")
        ap.add_argument("--definitions", action="append", default=[], help="extra definition folder (repeatable)")
        ap.add_argument("--no-builtin-definitions", action="store_true",
                        help="search only the dataset (and --definitions): kjit's own shadow a few dataset names")
        ap.add_argument("--dry-run", action="store_true")
        self.parser = ap

    def parse(self, argv=None):
        a = self.parser.parse_args(argv)
        self.a = a
        a.names = expand_names(a.names)
        a.variants = parse_variants(a.variant)
        os.makedirs(a.out, exist_ok=True)
        os.makedirs(a.work, exist_ok=True)
        if not a.kjit:
            dev = os.path.join(REPO, ".device", "bin", "kjit")
            a.kjit = dev if os.path.exists(dev) else os.path.join(REPO, "build", "kjit")
        self.variant_names = write_variants(a.work, a.names, a.variants) if a.variants else []
        self.templates = tuning_root(a.work)
        self.tag = a.tag or a.command
        return a

    def targets(self):
        """The definitions of this run: the bases (unless --no-base), then every variant."""
        return ([] if self.a.no_base else list(self.a.names)) + self.variant_names

    def kjit_prefix(self):
        a = self.a
        cmd = [a.kjit, "--templates", self.templates, "--cache-dir", os.path.join(a.work, "cache")]
        if a.no_builtin_definitions:
            cmd.append("--no-builtin-definitions")
        if dataset_dir():
            cmd += ["--definitions", dataset_dir()]
        for d in a.definitions + [os.path.join(REPO, "tests", "gpu", "definitions"), os.path.join(a.work, "defs")]:
            cmd += ["--definitions", d]
        return cmd

    def shape_args(self):
        a = self.a
        out = []
        for flag, v in (("--axes", a.axes), ("--kv-len", a.kv_len), ("--q-len", a.q_len),
                        ("--max-workloads", a.max_workloads), ("--inputs-profile", a.inputs_profile)):
            if v:
                out += [flag, str(v)]
        if a.empty_first:
            out.append("--empty-first")
        return out

    def log(self, text):
        print(text, flush=True)
        with open(os.path.join(self.a.out, self.tag + ".log"), "a") as f:
            f.write(text + "\n")

    def kjit(self, args, json_lines=True):
        """Runs kjit PREFIX ARGS [--json]; JSON lines to TAG.jsonl, formatted lines to TAG.log."""
        cmd = self.kjit_prefix() + args + (["--json"] if json_lines else [])
        if self.a.dry_run:
            print(" ".join(shlex.quote(c) for c in cmd))
            return 0
        env = {k: v for k, v in os.environ.items() if k not in ("KJIT_DEFINITIONS", "KJIT_TEMPLATES", "KJIT_CACHE_DIR")}
        t0 = time.time()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=self.a.timeout, env=env)
            rc, so, se = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, so, se = 124, (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), "timeout"
        with open(os.path.join(self.a.out, "err.log"), "a") as f:
            f.write(f"$ {' '.join(cmd[:1] + args)}\n{se}")
        with open(os.path.join(self.a.out, self.tag + ".jsonl"), "a") as f:
            f.write(so)
        for line in so.splitlines():
            if line.strip():
                self.log(fmt(line) if json_lines else line)
        self.log(f"-- kjit {' '.join(args[:2])} ... rc={rc} ({time.time() - t0:.1f} s)")
        return rc

    def run_common(self):
        """bench / check / render / defs; returns False for a command the family must handle."""
        a = self.a
        names = self.targets()
        if a.command == "defs":
            for n in self.variant_names:
                print(n)
            print(f"tune: {len(self.variant_names)} variant definitions in {a.work}/defs; tuning templates: {self.templates}",
                  file=sys.stderr)
        elif a.command in ("bench", "check"):
            self.log(f"== {a.command} {' '.join(names)} {' '.join(self.shape_args())}")
            for _ in range(a.repeat):
                self.kjit([a.command] + names + self.shape_args())
        elif a.command == "render":
            src = os.path.join(a.work, "src")
            os.makedirs(src, exist_ok=True)
            for n in names:
                self.kjit(["render", n, "--arch", a.arch, "-o", os.path.join(src, f"{n}.{a.arch}.cu")], json_lines=False)
            self.kjit(["compile"] + names + ["--arch", a.arch])
        else:
            return False
        return True


def common_main(family, doc, default):
    """main() of a harness with only the common subcommands (bench / check / render / defs)."""
    h = Harness(family, doc, default)
    h.parse()
    if not h.run_common():
        h.parser.error(f"unknown command {h.a.command!r}")
