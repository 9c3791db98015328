#!/usr/bin/env python3
"""Appends to a rendered kjit CUDA source (prepared for the host), for every
`extern "C" __global__ void NAME(...)`, a wrapper `emu_call_NAME(const emu::Arg*)` that passes
each argument as a pointer, an int64 (or int) or a float by the parameter's C type, and the table
`emu::entry_table()` from NAME to its wrapper (declared in cuda_emu.h, used by emu_main.cpp).
Usage: gen_entries.py SOURCE.cu"""
import re
import sys


def params(text, start):
    depth, i = 0, start
    while True:
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
        i += 1


def main():
    sources = sys.argv[1:2]
    decls, wrappers, names = [], [], []
    for path in sources:
        text = open(path).read()
        for m in re.finditer(r'extern "C" __global__ void(?: __launch_bounds__\([^)]*\))?\s+(\w+)\s*\(', text):
            name = m.group(1)
            plist = re.sub(r"//[^\n]*", "", params(text, m.end() - 1))
            items = [p.strip() for p in plist.split(",") if p.strip()]
            types, calls = [], []
            for k, p in enumerate(items):
                ty = re.sub(r"\s*\b\w+$", "", p).strip()
                types.append(ty)
                if "*" in ty:
                    calls.append(f"({ty})a[{k}].ptr")
                elif ty == "float":
                    calls.append(f"a[{k}].f32")
                elif ty in ("long long", "int64_t", "kjit::index_t"):
                    calls.append(f"a[{k}].i64")
                elif ty == "int":
                    calls.append(f"static_cast<int>(a[{k}].i64)")
                else:
                    raise SystemExit(f"{path}: {name}: parameter '{p}' has a type the emulation cannot pass")
            wrappers.append(f'extern "C" void emu_call_{name}(const emu::Arg* a) {{ {name}({", ".join(calls)}); }}')
            names.append(name)
    with open(sources[0], "a") as f:
        f.write("\n// emulation wrappers (gen_entries.py)\n" + "\n".join(wrappers) + "\n")
        f.write("const std::map<std::string, emu::EntryFn>& emu::entry_table() {\n")
        f.write("  static const std::map<std::string, emu::EntryFn> table = {\n")
        f.write("".join(f'      {{"{n}", emu_call_{n}}},\n' for n in names))
        f.write("  };\n  return table;\n}\n")


main()
