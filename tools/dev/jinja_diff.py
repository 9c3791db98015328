#!/usr/bin/env python3
"""Renders a batch of templates with Python Jinja2 for kjit's differential test.

Usage: jinja_diff.py BATCH.json RESULTS.jsonl
BATCH.json: {"dir": D, "cases": [{"template": NAME, "context": JSONTEXT}, ...]}
(names relative to D, which is also the include search path; each context is
JSON text, loaded keeping key order).
RESULTS.jsonl: one line per case, {"ok": true, "text": "..."} or
{"ok": false, "error": "..."}.

Jinja2 is configured like kjit: StrictUndefined, keep_trailing_newline=True,
no autoescape. One process and one Environment render the whole batch; each
render has a time limit (a Jinja2 hang is reported as an error "timeout").
"""
import json
import signal
import sys

import jinja2


class Timeout(Exception):
    pass


def on_alarm(signum, frame):  # noqa: ARG001
    raise Timeout()


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        batch = json.load(f)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(batch["dir"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        cache_size=0,
    )
    signal.signal(signal.SIGALRM, on_alarm)
    sys.setrecursionlimit(1000)
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        for case in batch["cases"]:
            signal.alarm(10)
            try:
                context = json.loads(case["context"])
                text = env.get_template(case["template"]).render(**context)
                # Text JSON cannot carry lone surrogates; kjit cannot produce them.
                text.encode("utf-8")
                result = {"ok": True, "text": text}
            except Timeout:
                result = {"ok": False, "error": "timeout", "timeout": True}
            except BaseException as exc:  # noqa: BLE001 - the test compares success/failure
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:2000]}
            finally:
                signal.alarm(0)
            out.write(json.dumps(result, ensure_ascii=True) + "\n")


if __name__ == "__main__":
    main()
