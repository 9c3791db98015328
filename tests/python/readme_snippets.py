#!/usr/bin/env python3
"""Runs the snippets of the README's "Use it from Python / C++ / C / HTTP"
section. A code block preceded by a marker line is checked by kind:

    <!-- snippet: python -->       run with this interpreter (no GPU needed)
    <!-- snippet: python-gpu -->   run only with --gpu (the GPU sweep)
    <!-- snippet: sh -->           run with bash (not with --gpu): `build/` becomes --build,
                                   port 7420 a free port
    <!-- snippet: file PATH -->    the block must equal the file PATH byte for byte

Usage: readme_snippets.py [--gpu] [--build DIR] [--readme README.md]
Exit 0 when every snippet ran (or matched); 1 otherwise, naming the snippet's line.
"""
import argparse
import os
import re
import socket
import subprocess
import sys

SECTION = "## Use it from Python / C++ / C / HTTP"


def snippets(text):
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    body = text[start:end if end >= 0 else len(text)]
    first_line = text[:start].count("\n") + 1
    pat = re.compile(r"<!-- snippet: ([^>]*?) -->\n```[a-z]*\n(.*?)```\n", re.S)
    for m in pat.finditer(body):
        yield first_line + body[:m.start()].count("\n"), m.group(1).split(), m.group(2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gpu", action="store_true")
    p.add_argument("--build", default="build")
    p.add_argument("--readme", default="README.md")
    a = p.parse_args()
    root = os.path.dirname(os.path.abspath(a.readme))
    failed = ran = 0
    for line, kind, code in snippets(open(a.readme).read()):
        what = f"README.md:{line} ({' '.join(kind)})"
        if kind[0] == "file":
            with open(os.path.join(root, kind[1])) as f:
                ok = f.read() == code
            print(("ok    " if ok else "FAIL  ") + what + ("" if ok else f": differs from {kind[1]}"))
            failed += not ok
            ran += 1
            continue
        if kind[0] == "python-gpu" and not a.gpu or kind[0] in ("python", "sh") and a.gpu:
            continue
        if kind[0] in ("python", "python-gpu"):
            r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
        elif kind[0] == "sh":
            port = str(free_port())
            script = code.replace("build/", os.path.abspath(a.build) + "/").replace("7420", port)
            r = subprocess.run(["bash", "-ec", script], capture_output=True, text=True, timeout=600, cwd=root)
        else:
            print(f"FAIL  {what}: unknown snippet kind")
            failed += 1
            continue
        ran += 1
        if r.returncode != 0:
            failed += 1
            print(f"FAIL  {what}: exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
        else:
            print(f"ok    {what}\n" + "".join("      " + l + "\n" for l in r.stdout.strip().splitlines()[-4:]))
    print(f"readme snippets: {ran - failed}/{ran} ok")
    return 1 if failed or ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
