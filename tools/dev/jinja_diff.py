#!/usr/bin/env python3
"""Renders a batch of templates with Python Jinja2 for kjit's differential test.

Usage: jinja_diff.py BATCH.json RESULTS.json
BATCH.json: {"dir": D, "context": {...}, "templates": [NAME, ...]} (names
relative to D, which is also the include search path).
RESULTS.json: [{"ok": true, "text": "..."} | {"ok": false, "error": "..."}, ...]
Jinja2 is configured like kjit: StrictUndefined, keep_trailing_newline=True,
no autoescape. Context keys are sorted like nlohmann::json's objects. One
process and one Environment render the whole batch.
"""
import json
import sys

import jinja2


def sort_keys(value):
    if isinstance(value, dict):
        return {k: sort_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sort_keys(v) for v in value]
    return value


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        batch = json.load(f)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(batch["dir"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    context = sort_keys(batch["context"])
    results = []
    for name in batch["templates"]:
        try:
            results.append({"ok": True, "text": env.get_template(name).render(**context)})
        except Exception as exc:  # noqa: BLE001 - the test compares success/failure
            results.append({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
