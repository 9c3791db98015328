"""Reading what the GPU run scripts (tests/gpu/*/run.sh) collect: JSON-lines files, the
tab-separated argument logs and last lines of logs. Shared by their summarize.py scripts (import
with sys.path.insert(0, <tests/gpu>))."""
import json
import os


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
