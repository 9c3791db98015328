#!/usr/bin/env python3
"""Layering check: every source folder includes only the folders it may use.

The layers, lowest first (docs/design.md, "Layers"):

    jit/util                      error, Result, str_cat, hashes
    jit/definition, jit/template  definitions; the Jinja engine
    jit/codegen, jit/compiler     definition -> context/plan/artifact; NVRTC + key
    jit/model                     Hugging Face config -> the definitions a model needs
    cache, runtime                content-addressed store; driver, launches, runner
    cache/remote                  the cache's remote tier (Redis), behind cache/remote_tier.h
    jit/api                       the Jit facade and the configuration table
    jit/capi, tools/cli           the C API; the kjit CLI
    jit/python                    the Python package's C extension (a client of the C API only)

ALLOWED below is the whole contract: a folder may include its own headers and
those of the folders listed for it, nothing else. The script also reads the
kjit_component() calls in CMakeLists.txt and checks that each layer's target
links exactly the targets of the folders it includes directly (so a build that
links works because the includes are right, not by accident).

Usage: check_layers.py [REPO_ROOT]. Exit 0 when clean, 1 with one line per
violation. `check_layers.py --self-test REPO_ROOT` proves the check can fail:
it copies the tree's sources to a temporary folder, adds an upward include
(cache/ including the facade) and expects a violation. Both run by CTest
(`layering` label).
"""
import os
import re
import sys

ALLOWED = {
    "jit/util": set(),
    "jit/definition": {"jit/util"},
    "jit/template": {"jit/util"},
    "jit/codegen": {"jit/util", "jit/definition", "jit/template"},
    "jit/compiler": {"jit/util"},
    "cache": {"jit/util"},
    "cache/remote": {"jit/util", "cache"},
    "runtime": {"jit/util", "jit/definition", "jit/codegen"},
    "jit/model": {"jit/util", "jit/definition", "jit/codegen"},
    "jit/api": {"jit/util", "jit/definition", "jit/template", "jit/codegen", "jit/compiler", "cache", "cache/remote",
                "runtime", "jit/model"},
    "jit/capi": {"jit/util", "jit/definition", "jit/codegen", "jit/compiler", "jit/api", "runtime", "cache"},
    "jit/python": {"jit/capi"},
    "tools/cli": {"jit/util", "jit/definition", "jit/template", "jit/codegen", "jit/compiler", "cache", "cache/remote",
                  "runtime", "jit/model", "jit/api"},
}
# Sub-folders that belong to a layer's folder (same rules, same target).
ALIASES = {"runtime/reference": "runtime"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def folder_of(path):
    """The layer folder a repository-relative path belongs to, or None."""
    d = os.path.dirname(path)
    while d:
        if d in ALIASES:
            return ALIASES[d]
        if d in ALLOWED:
            return d
        d = os.path.dirname(d)
    return None


def scan(root):
    """{folder: {included folder: [(file, line, header)]}} over every layer's sources."""
    uses = {f: {} for f in ALLOWED}
    for folder in list(ALLOWED) + list(ALIASES):
        base = os.path.join(root, folder)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            if not name.endswith((".h", ".hpp", ".cpp", ".c", ".cc")):
                continue
            rel = os.path.join(folder, name)
            owner = folder_of(rel)
            with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                text = f.read()
            for m in INCLUDE.finditer(text):
                header = m.group(1)
                target = folder_of(header)
                if target is None and "/" in header:
                    target = "?" + os.path.dirname(header)
                if target is None or target == owner:
                    continue
                line = text.count("\n", 0, m.start()) + 1
                uses[owner].setdefault(target, []).append((rel, line, header))
    return uses


def cmake_components(root):
    """{folder: (target, {dep targets})} from kjit_component() calls."""
    with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
        text = f.read()
    out = {}
    for m in re.finditer(r"kjit_component\((\w+)\s+DIRS\s+([^)]*?)\s+DEPS\s+([^)]*)\)", text):
        target, dirs, deps = m.group(1), m.group(2).split(), m.group(3).split()
        for d in dirs:
            out[ALIASES.get(d, d)] = (target, {x for x in deps if x.startswith("kjit_")})
    return out


def self_test(root):
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(os.path.join(root, "CMakeLists.txt"), tmp)
        for folder in list(ALLOWED) + list(ALIASES):
            src = os.path.join(root, folder)
            if os.path.isdir(src):
                os.makedirs(os.path.join(tmp, folder), exist_ok=True)
                for name in os.listdir(src):
                    if os.path.isfile(os.path.join(src, name)):
                        shutil.copy(os.path.join(src, name), os.path.join(tmp, folder))
        clean = subprocess_run(tmp)
        with open(os.path.join(tmp, "cache", "upward.h"), "w") as f:
            f.write('#pragma once\n#include "jit/api/jit.h"\n')
        broken = subprocess_run(tmp)
    if clean[0] != 0 or broken[0] != 1 or "cache/upward.h:2: cache must not include" not in broken[1]:
        print(f"self-test failed: clean copy exit {clean[0]}, with an upward include exit {broken[0]}:\n{broken[1]}")
        return 1
    print("self-test: an upward include (cache/ -> jit/api/) is reported")
    return 0


def subprocess_run(root):
    import subprocess
    r = subprocess.run([sys.executable, os.path.abspath(__file__), root], capture_output=True, text=True)
    return r.returncode, r.stdout


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--self-test":
        return self_test(os.path.abspath(sys.argv[2]))
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
    problems = []
    uses = scan(root)
    for folder, targets in uses.items():
        for target, sites in sorted(targets.items()):
            if target not in ALLOWED.get(folder, set()):
                for rel, line, header in sites:
                    problems.append(f"{rel}:{line}: {folder} must not include \"{header}\" "
                                    f"({target} is not below {folder}; see tests/layering/check_layers.py)")
    comps = cmake_components(root)
    target_of = {folder: t for folder, (t, _) in comps.items()}
    for folder, (target, deps) in sorted(comps.items()):
        included = {target_of[t] for t in uses.get(folder, {}) if t in target_of and target_of[t] != target}
        if included != deps:
            problems.append(f"CMakeLists.txt: {target} links {sorted(deps)} but {folder} includes "
                            f"{sorted(included)}: make the DEPS match the includes")
    for p in problems:
        print(p)
    if not problems:
        n = sum(len(s) for t in uses.values() for s in t.values())
        print(f"layering: {len(ALLOWED)} layer folders, {n} cross-folder includes, all downward")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
