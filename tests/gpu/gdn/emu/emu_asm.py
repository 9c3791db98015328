#!/usr/bin/env python3
"""Rewrites, in a rendered kernel source for the CPU emulation (run_emu.sh), the inline PTX
statements that sit in shared template code rather than in the swapped include files: named
barriers become emu::named_barrier, and griddepcontrol, cp.async.wait_all, the mbarrier-init
fence and empty compiler-barrier statements become empty statements (cp.async lands at once,
launches run one after another). Any other inline PTX is left alone: g++ rejects it, so an
unhandled statement cannot pass silently.
Usage: emu_asm.py FILE (rewritten in place)"""
import re
import sys

path = sys.argv[1]
text = open(path).read()
rules = [
    (re.compile(r'asm volatile\("bar\.sync %0, (\d+);"\s*::\s*"r"\(([^;]*?)\)\s*:\s*"memory"\);'),
     lambda m: f"::emu::named_barrier({m.group(2)}, {m.group(1)});"),
    (re.compile(r'asm volatile\("bar\.sync (\d+), (\d+);"\s*:::\s*"memory"\);'),
     lambda m: f"::emu::named_barrier({m.group(1)}, {m.group(2)});"),
    # compiler barriers on registers (empty asm with operands): nothing to order on the host
    (re.compile(r'asm volatile\(""\s*:[^;]*\);'), lambda m: ";"),
    (re.compile(r'asm volatile\("(griddepcontrol\.wait;|griddepcontrol\.launch_dependents;|cp\.async\.wait_all;\\n|'
                r'fence\.mbarrier_init\.release\.cluster;\\n)"\s*:::\s*"memory"\);'),
     lambda m: ";"),
]
for pat, repl in rules:
    text = pat.sub(repl, text)
open(path, "w").write(text)
