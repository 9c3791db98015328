"""Reading the JSON-lines files that the GPU run scripts (tests/gpu/*/run.sh) collect: shared by
their summarize.py scripts (import with sys.path.insert(0, <tests/gpu>))."""
import json
import os


def read_jsonl(path):
    """The JSON objects of a .jsonl file, one per non-empty line; lines that are not JSON (a
    killed run's partial line, a warning) are skipped. [] when the file is missing."""
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            pass
    return rows
