"""Reading what the GPU run scripts (tests/gpu/*/run.sh) collect: JSON-lines files, the
tab-separated argument logs and last lines of logs; and the summarize.py command line
(`OUT_DIR [--json FILE]`) with its --json report. Shared by their summarize.py scripts (import
with sys.path.insert(0, <tests/gpu>))."""
import argparse
import json
import os


def summary_args():
    """The parsed `summarize.py OUT_DIR [--json FILE]` command line: .out and .json (None if not given)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--json")
    return ap.parse_args()


def write_report(path, report):
    """Writes `report` as indented JSON to `path` (the --json FILE); nothing when `path` is None."""
    if path:
        with open(path, "w") as f:
            json.dump(report, f, indent=1)


def read_jsonl(path):
    """The JSON objects of a .jsonl file, one per line; other lines (a killed run's partial line,
    a warning, a bare value) are skipped. [] when the file is missing."""
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path, errors="replace"):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def read_tsv(path):
    """[tag, rest] per line of a TAG<TAB>ARGS file (the run scripts' checks.tsv / benches.tsv)."""
    if not os.path.exists(path):
        return []
    return [line.rstrip("\n").split("\t", 1) for line in open(path) if "\t" in line]


def last_line(path):
    """The last non-empty line of a text file ("" when missing or empty)."""
    if not os.path.exists(path):
        return ""
    lines = [x for x in open(path, errors="replace").read().strip().splitlines() if x.strip()]
    return lines[-1] if lines else ""
