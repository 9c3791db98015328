#!/usr/bin/env python3
"""Rewrites, in an emulation overlay of templates/ (run_emu.sh), the few device helpers that are
inline PTX inside shared template pieces rather than in the swapped include files, so their host
stand-ins are used: include/mla/defs.cuh.j2's ldmatrix_x4_trans. A helper whose text changed is
reported (exit 1), so the patch cannot silently stop applying.
Usage: patch_overlay.py OVERLAY_TEMPLATES_DIR"""
import os
import re
import sys

root = sys.argv[1]
path = os.path.join(root, "include", "mla", "defs.cuh.j2")
text = open(path).read()
pat = re.compile(r"(__device__ __forceinline__ void ldmatrix_x4_trans\(unsigned \(&r\)\[4\], unsigned addr\) \{)\n.*?\n\}\n", re.S)
new, n = pat.subn(r"\1 kjit::ldmatrix_x4_any(r, addr, true); }\n", text)
if n != 1:
    sys.exit(f"patch_overlay: ldmatrix_x4_trans not found in {path}")
open(path, "w").write(new)
