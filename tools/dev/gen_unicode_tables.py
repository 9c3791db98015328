#!/usr/bin/env python3
"""Generates jit/template/unicode_tables.cpp: the Unicode character data the
template engine needs to behave like Python's str (upper/lower/title case
mappings, the cased / case-ignorable / lowercase / uppercase / titlecase
properties, printability for repr(), isalnum for regex \\w and wordcount, decimal digit values for
int()/float()). The data comes from the running Python's unicodedata (the
Unicode version is written into the file), so kjit's case mapping matches the
Jinja2 it is tested against byte for byte.

The tables are written compactly, as text the C++ compiler decodes into the
same constant arrays (unicode_decode.h, constexpr): every number is a varint
of base64 characters (5 data bits each, lowest group first; the 32 bit set
means another character follows), signed numbers zigzag-coded. A range run is
(gap from the previous run's last code point + 1, (count - 1) * 2 + stride - 1);
a mapping run adds the zigzagged delta; a multi-character mapping is (gap from
the previous entry's code point, kind * 4 + length, each output code point's
zigzagged offset from the input); decimal zeros are gaps.

Usage: python3 tools/dev/gen_unicode_tables.py [--check]
"""
import os
import sys
import unicodedata

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "jit", "template", "unicode_tables.cpp")
N = 0x110000


def strided_runs(cps):
    """[(first, last, stride)] covering the sorted code points `cps`."""
    out = []
    i = 0
    while i < len(cps):
        first = cps[i]
        if i + 1 < len(cps) and cps[i + 1] - first <= 2:
            stride = cps[i + 1] - first
            j = i + 1
            while j + 1 < len(cps) and cps[j + 1] - cps[j] == stride:
                j += 1
            out.append((first, cps[j], stride))
            i = j + 1
        else:
            out.append((first, first, 1))
            i += 1
    return out


def mapping_runs(pairs):
    """[(first, last, stride, delta)] for single-code-point mappings."""
    out = []
    i = 0
    while i < len(pairs):
        cp, m = pairs[i]
        delta = m - cp
        j = i
        stride = 1
        if i + 1 < len(pairs) and pairs[i + 1][1] - pairs[i + 1][0] == delta and pairs[i + 1][0] - cp <= 2:
            stride = pairs[i + 1][0] - cp
            j = i + 1
            while (j + 1 < len(pairs) and pairs[j + 1][0] - pairs[j][0] == stride
                   and pairs[j + 1][1] - pairs[j + 1][0] == delta):
                j += 1
        out.append((cp, pairs[j][0], stride, delta))
        i = j + 1
    return out


def is_cased(c):
    return c.islower() or c.isupper() or c.istitle()


def is_case_ignorable(c):
    # Probed through Python's own Final_Sigma handling (str.lower of a capital
    # sigma): an ignorable character between a cased letter and the sigma keeps
    # the sigma final.
    if is_cased(c):
        return ("1" + c + "\u03a3").lower().endswith("\u03c3")
    return ("A" + c + "\u03a3").lower().endswith("\u03c2")


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def varint(n):
    """The base64 varint text of the natural number `n`."""
    assert n >= 0
    out = ""
    while n >= 32:
        out += B64[32 | (n & 31)]
        n >>= 5
    return out + B64[n]


def zigzag(n):
    return 2 * n if n >= 0 else -2 * n - 1


def encode_runs(runs):
    """Text of range runs (first, last, stride) or mapping runs (..., delta)."""
    out = []
    prev_last = -1
    for first, last, stride, *delta in runs:
        assert stride in (1, 2), "the run format has one bit for the stride"
        out.append(varint(first - prev_last - 1) + varint((last - first) // stride * 2 + stride - 1))
        out.extend(varint(zigzag(d)) for d in delta)
        prev_last = last
    return "".join(out)


def encode_multi(multi):
    out = []
    prev_cp = 0
    for kind, cp, m in multi:
        out.append(varint(cp - prev_cp) + varint({"upper": 0, "lower": 1, "title": 2}[kind] * 4 + len(m)))
        out.extend(varint(zigzag(ord(x) - cp)) for x in m)
        prev_cp = cp
    return "".join(out)


def encode_gaps(values):
    return "".join(varint(v - p) for p, v in zip([0] + values, values))


def emit(lines, spans, decl, name, decoder, text):
    """One table: its constant array, decoded at compile time from one line of
    text by `decoder` (with the entry count), and the span unicode.cpp reads
    (collected in `spans`)."""
    lines.append(f'constexpr auto {name}_data = {decoder}("{text}");')
    spans.setdefault(decl, []).append(f"{name} = {name}_data")


def main():
    chars = [chr(cp) for cp in range(N)]
    singles = {"upper": [], "lower": [], "title": []}
    multi = []
    for cp, c in enumerate(chars):
        for kind in ("upper", "lower", "title"):
            if 0xD800 <= cp < 0xE000:
                continue
            m = getattr(c, kind)()
            if m == c:
                continue
            if len(m) == 1:
                singles[kind].append((cp, ord(m)))
            else:
                multi.append((kind, cp, m))
    props = {
        "k_cased": [cp for cp, c in enumerate(chars) if is_cased(c)],
        "k_case_ignorable": [cp for cp, c in enumerate(chars) if not 0xD800 <= cp < 0xE000 and is_case_ignorable(c)],
        "k_lowercase": [cp for cp, c in enumerate(chars) if c.islower()],
        "k_uppercase": [cp for cp, c in enumerate(chars) if c.isupper()],
        "k_titlecase": [cp for cp, c in enumerate(chars) if c.istitle() and not c.isupper()],
        "k_alnum": [cp for cp, c in enumerate(chars) if c.isalnum()],
        "k_nonprintable": [cp for cp, c in enumerate(chars) if cp >= 0x80 and not c.isprintable()],
    }
    decimal_zeros = [cp for cp, c in enumerate(chars) if c.isdecimal() and unicodedata.decimal(c) == 0]
    lines = [
        "// GENERATED by tools/dev/gen_unicode_tables.py from Python's unicodedata",
        f"// (Unicode {unicodedata.unidata_version}); do not edit. Character data for",
        "// Python-exact str methods in the template engine (see unicode.h).",
        "//",
        "// Each table is compact text (format: the generator's docstring) that",
        "// unicode_decode.h turns into the constant array at compile time.",
        "//",
        "// Thread safety: constant tables.",
        '#include "jit/template/unicode.h"',
        '#include "jit/template/unicode_decode.h"',
        "",
        "namespace kjit::jit::detail::unicode_data {",
        "",
        f'const char* const k_unicode_version = "{unicodedata.unidata_version}";',
        "",
    ]
    spans = {}
    for name, cps in props.items():
        runs = strided_runs(cps)
        emit(lines, spans, "CpRange", name, f"decode_runs<CpRange, {len(runs)}>", encode_runs(runs))
    for kind in ("upper", "lower", "title"):
        runs = mapping_runs(singles[kind])
        emit(lines, spans, "CpMapRun", f"k_{kind}_map", f"decode_runs<CpMapRun, {len(runs)}>", encode_runs(runs))
    emit(lines, spans, "CpMulti", "k_multi_map", f"decode_multi<{len(multi)}>", encode_multi(multi))
    emit(lines, spans, "std::uint32_t", "k_decimal_zeros", f"decode_gaps<{len(decimal_zeros)}>", encode_gaps(decimal_zeros))
    lines.append("")
    for decl, names in spans.items():
        lines.append(f"const std::span<const {decl}> " + ",\n    ".join(names) + ";")
    lines.append("")
    lines.append("}  // namespace kjit::jit::detail::unicode_data")
    text = "\n".join(lines) + "\n"
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                print("unicode_tables.cpp is out of date", file=sys.stderr)
                return 1
        return 0
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {OUT}: {len(text.splitlines())} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
