"""python3 -m kjit list|compile|show: the CLI's basics through the Python package.

    python3 -m kjit list [--op-type T] [--json]
    python3 -m kjit compile NAME... [--arch A] [--json]
    python3 -m kjit show NAME [--json]

Exit codes as the CLI: 0 ok, 1 failure, 2 usage, 3 not found, 4 compile error.
"""
import argparse
import json
import sys

import kjit


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m kjit", description="kjit from Python: list, compile and show definitions")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="definitions and the template serving each")
    ls.add_argument("--op-type")
    ls.add_argument("--json", action="store_true")
    cp = sub.add_parser("compile", help="compile (or hit the cache)")
    cp.add_argument("names", nargs="+", metavar="NAME")
    cp.add_argument("--arch")
    cp.add_argument("--json", action="store_true", help="one JSON object per line")
    sh = sub.add_parser("show", help="a definition")
    sh.add_argument("name", metavar="NAME")
    sh.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    try:
        if a.command == "list":
            items = kjit.list(a.op_type)
            if a.json:
                print(json.dumps(items))
            else:
                for d in items:
                    print(f"{d['name']:<56} {d['op_type']:<12} {d['template'] or '(no template)'}")
        elif a.command == "compile":
            rc = 0
            for name in a.names:
                try:
                    info = kjit.compile(name, a.arch)
                except kjit.Error as e:
                    rc = rc or e.code
                    if a.json:
                        print(json.dumps({"name": name, "status": "failed", "error": str(e)}))
                    else:
                        print(f"{name}: {e}", file=sys.stderr)
                    continue
                if a.json:
                    print(json.dumps(info))
                else:
                    print(f"{name} {info['arch']} {info['status']} key={info['key']} registers={info['registers']} "
                          f"spill_bytes={info['spill_bytes']} compile_ms={info['compile_ms']:.1f}")
            return rc
        else:
            d = kjit.definition(a.name)
            if a.json:
                print(json.dumps(d))
            else:
                print(f"{d['name']} ({d['op_type']}): {d.get('description', '')}")
                for kind in ("inputs", "outputs"):
                    for n, t in d[kind].items():
                        shape = "scalar" if t.get("shape") is None else "[" + ", ".join(t["shape"]) + "]"
                        print(f"  {kind[:-1]:<6} {n:<20} {t['dtype']:<10} {shape}")
                for n, ax in d["axes"].items():
                    print(f"  axis   {n:<20} {ax['type']}" + (f" = {ax['value']}" if ax["type"] == "const" else ""))
        return 0
    except kjit.Error as e:
        print(f"kjit: {e}", file=sys.stderr)
        return e.code


if __name__ == "__main__":
    sys.exit(main())
