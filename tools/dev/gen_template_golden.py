#!/usr/bin/env python3
"""Regenerates the template golden corpus tests/data/templates/ with real Jinja2.

Every case is defined in CASES below (template, context, extra files). For each
case this script writes tests/data/templates/<case>/{template.j2, context.json,
extra files} and renders it with Python Jinja2 3.1 configured exactly like kjit
(StrictUndefined, keep_trailing_newline=True, no autoescape, trim/lstrip off):

* success -> expected.txt holds Jinja2's output byte for byte;
* error   -> the case names the column and key phrase of kjit's message; the
  script checks that Jinja2 also fails (and on the same line, when Jinja2 reports
  one) and writes expected_error.txt as `<file>:<line>:<col>: <phrase>`.
  The GoogleTest asserts that kjit's message contains `<file>:<line>:<col>: ` and
  `<phrase>` (Jinja2 reports no columns and words its messages differently, so
  the line comes from Jinja2 and the column/phrase from the case table).

Contexts keep their key order (kjit loads context.json keeping document order,
as Python's json does), so dict iteration order is tested too.
Usage: python3 tools/dev/gen_template_golden.py [--check]
(--check compares instead of writing; exit 1 on any difference).
"""
import json
import os
import shutil
import sys
import traceback

import jinja2

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "templates")

# (name, template, context, extra files, error) ; error = None or (file, col, phrase)
CASES = []


def case(name, template, context=None, files=None, error=None):
    CASES.append((name, template, context or {}, files or {}, error))


# ---- output, literals, whitespace
case("text_only", "plain text\nwith lines\n")
case("trailing_newline_kept", "a\n\n")
case("print_int", "{{ 42 }} {{ -7 }} {{ 0 }}\n")
case("print_float_repr", "{{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e-5 }} {{ 1e16 }} {{ 1.5e300 * 1e10 }} {{ 123456789.125 }} {{ 1e15 }} {{ 0.0001 }} {{ 2.5e-7 }}\n")
case("print_bool_none", "{{ true }} {{ True }} {{ false }} {{ none }} {{ None }}\n")
case("print_list_dict", "{{ [1, 'a', none, true, 1.5, {'k': 'v'}] }} {{ {'a': 1, 'b': [2, 3]} }} {{ (1, 2) }} {{ (1,) }} {{ [] }} {{ {} }}\n")
case("string_escapes", "{{ 'a\\tb' }}|{{ \"q'uote\" }}|{{ 'it\\'s' }}|{{ 'x\\\\y' }}|{{ 'n\\nl' }}|{{ '\\x41\\u00e9' }}\n")
case("string_repr_in_list", "{{ [\"it's\", 'say \"hi\"', 'a\\nb', 'back\\\\slash'] }}\n")
case("ws_control_expr", "a   {{- 1 -}}   b\n  {{- 2 }}\n")
case("ws_control_block", "<ul>\n  {%- for i in [1, 2] %}\n  <li>{{ i }}</li>\n  {%- endfor %}\n</ul>\n")
case("ws_control_comment", "x  {#- comment -#}  y\n{# plain #}z\n")
case("raw_block", "{% raw %}{{ not rendered }} {% if %}{% endraw %}\n")
case("raw_block_ws", "a {%- raw -%}  {{ x }}  {%- endraw -%} b\n")
case("comments_multiline", "a{# multi\nline\ncomment #}b\n")
case("newline_normalization", "a\r\nb\rc\n")

# ---- variables, attributes, subscripts
case("variables", "{{ name }} has {{ count }} items\n", {"name": "vec", "count": 3})
case("attr_and_item", "{{ d.a }} {{ d['a'] }} {{ d.sub.x }} {{ d['sub']['x'] }} {{ l[0] }} {{ l[-1] }} {{ l.1 }}\n",
     {"d": {"a": 1, "sub": {"x": "y"}}, "l": [10, 20, 30]})
case("string_index_slice", "{{ s[0] }} {{ s[-1] }} {{ s[1:3] }} {{ s[::-1] }} {{ s[:2] }} {{ l[1:] }} {{ l[::2] }}\n",
     {"s": "hello", "l": [1, 2, 3, 4]})
case("nested_context", "{% for t in tensors %}{{ t.name }}:{{ t.shape|join('x') }};{% endfor %}\n",
     {"tensors": [{"name": "a", "shape": [2, 3]}, {"name": "b", "shape": [4]}]})
case("unicode_text", "{{ s }} {{ s|length }} {{ s|upper }}\n", {"s": "héllo"})

# ---- arithmetic
case("arith_int", "{{ 7 + 3 }} {{ 7 - 10 }} {{ 6 * 7 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }}\n")
case("arith_floor_mod_negative", "{{ -7 // 2 }} {{ 7 // -2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ -7.5 // 2 }} {{ -7.5 % 2 }} {{ 7.0 // 2 }}\n")
case("arith_mixed", "{{ 1 + 2.5 }} {{ 3 * 1.5 }} {{ 4 / 2 }} {{ 2 ** -1 }} {{ 2.0 ** 3 }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }}\n")
case("arith_large_int", "{{ 9007199254740993 + 2 }} {{ 4611686018427387904 * 1 }} {{ big * 2 }}\n", {"big": 4000000000000000000})
case("arith_strings_lists", "{{ 'ab' * 3 }} {{ 3 * 'x' }} {{ 'a' + 'b' }} {{ [1] + [2, 3] }} {{ [0] * 3 }}\n")
case("arith_bool", "{{ true + true }} {{ true * 3 }} {{ -true }}\n")
case("precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 10 - 2 - 3 }} {{ 2 * 3 % 4 }} {{ -3|abs }} {{ 1 ~ 2 * 3 }}\n")
case("concat_tilde", "{{ 'n=' ~ 5 ~ ', f=' ~ 1.5 ~ ', ' ~ none ~ ' ' ~ [1] }}\n")
case("unary", "{{ -x }} {{ +x }} {{ -(-x) }} {{ - 2.5 }}\n", {"x": 4})

# ---- comparisons and logic
case("compare_chained", "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 != 2 }} {{ 2 >= 2 <= 3 }}\n")
case("logic_values", "{{ 0 or 'x' }} {{ 1 and [] }} {{ not 0 }} {{ none or 0 }} {{ 'a' and 'b' }} {{ not [] and 5 }}\n")
case("in_operator", "{{ 2 in [1, 2] }} {{ 'b' in 'abc' }} {{ 'k' in d }} {{ 3 not in [1] }} {{ 'z' not in 'abc' }}\n", {"d": {"k": 1}})
case("cond_expr", "{{ 'yes' if flag else 'no' }} {{ 1 if false else 2 if true else 3 }}\n", {"flag": True})
case("cond_expr_no_else", "[{{ 'x' if false }}]{{ ('x' if false) is defined }}\n")
case("equality_types", "{{ 1 == '1' }} {{ none == none }} {{ [1] == [1] }} {{ {'a': 1} == {'a': 1} }} {{ (1, 2) == [1, 2] }}\n")

# ---- if / for
case("if_elif_else", "{% for x in [1, 5, 10] %}{% if x < 3 %}small{% elif x < 8 %}mid{% else %}big{% endif %} {% endfor %}\n")
case("if_nested", "{% if a %}{% if b %}ab{% else %}a{% endif %}{% endif %}\n", {"a": True, "b": False})
case("for_loop_vars", "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }} {% endfor %}\n")
case("for_else", "{% for x in [] %}{{ x }}{% else %}empty{% endfor %} {% for x in [1] %}{{ x }}{% else %}empty{% endfor %}\n")
case("for_dict_keys", "{% for k in d %}{{ k }}={{ d[k] }} {% endfor %}\n", {"d": {"b": 2, "a": 1, "c": 3}})
case("for_dict_items", "{% for k, v in d.items() %}{{ k }}:{{ v }} {% endfor %}{% for k in d.keys() %}{{ k }}{% endfor %}{% for v in d.values() %}{{ v }}{% endfor %}\n",
     {"d": {"x": 1, "y": 2}})
case("for_tuple_unpack", "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }} {% endfor %}{% for a, b in [(1, 'x')] %}{{ b }}{{ a }}{% endfor %}\n")
case("for_range", "{% for i in range(3) %}{{ i }}{% endfor %} {% for i in range(2, 8, 2) %}{{ i }}{% endfor %} {% for i in range(5, 0, -2) %}{{ i }}{% endfor %}\n")
case("for_string", "{% for c in 'hey' %}[{{ c }}]{% endfor %}\n")
case("for_nested_loop", "{% for i in [1, 2] %}{% for j in 'ab' %}{{ i }}{{ j }}{{ loop.index }}/{{ loop.depth }} {% endfor %}{{ loop.index }};{% endfor %}\n")
case("for_filter_if", "{% for x in range(10) if x is even %}{{ x }}{{ ',' if not loop.last }}{% endfor %} n={{ range(10)|select('odd')|list|length }}\n")
case("for_loop_cycle", "{% for x in range(5) %}{{ loop.cycle('a', 'b', 'c') }}{% endfor %}\n")
case("for_previtem_nextitem", "{% for x in [1, 2, 3] %}{% if loop.previtem is defined %}{{ loop.previtem }}<{% endif %}{{ x }}{% if loop.nextitem is defined %}>{{ loop.nextitem }}{% endif %} {% endfor %}\n")
case("for_multiline_body", "{% for i in range(2) %}\nline {{ i }}\n{% endfor %}\nend\n")

# ---- set and scoping
case("set_top_level", "{% set x = 5 %}{% set y = x * 2 %}{{ x }} {{ y }}\n")
case("set_loop_no_leak", "{% set x = 0 %}{% for i in range(3) %}{{ x }}{% set x = i + 10 %}{{ x }} {% endfor %}{{ x }}\n")
case("set_loop_fresh_iteration", "{% for i in range(3) %}{% if i == 0 %}{% set y = 1 %}{% endif %}{{ y is defined }} {% endfor %}\n")
case("set_in_if_leaks", "{% if true %}{% set z = 'in-if' %}{% endif %}{{ z }}\n")
case("set_unpack", "{% set a, b = 1, 2 %}{% set c, d = [3, 4] %}{{ a }}{{ b }}{{ c }}{{ d }}\n")
case("set_block", "{% set body %}x={{ 1 + 1 }}\n{% endset %}[{{ body }}]\n")
case("set_tuple_value", "{% set t = 1, 2 %}{{ t }} {{ t|length }}\n")
case("namespace_counter", "{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}\n")
case("shadow_context_var", "{{ x }}{% set x = 'local' %}{{ x }}\n", {"x": "ctx"})

# ---- macros
case("macro_basic", "{% macro greet(name) %}Hello {{ name }}!{% endmacro %}{{ greet('a') }} {{ greet(name='b') }}\n")
case("macro_defaults", "{% macro f(a, b=2, c='z') %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ f(1) }} {{ f(1, 3) }} {{ f(1, c='y') }} {{ f(c=0, a=9) }}\n")
case("macro_in_expression", "{% macro sq(x) %}{{ x * x }}{% endmacro %}{{ sq(3) ~ '/' ~ sq(4) }} {{ sq(2)|int + 1 }}\n")
case("macro_sees_top_level", "{% macro m() %}{{ x }}{% endmacro %}{% set x = 1 %}{{ m() }}\n")
case("macro_recursive", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }}\n")
case("macro_multiline", "{% macro row(i) %}\n  <td>{{ i }}</td>\n{% endmacro %}{% for i in range(2) %}{{ row(i) }}{% endfor %}\n")
case("macro_set_local", "{% set v = 'outer' %}{% macro m() %}{% set v = 'inner' %}{{ v }}{% endmacro %}{{ m() }} {{ v }}\n")
case("macro_sees_set_before_call", "{% macro m() %}{{ flag }}{% endmacro %}{% set flag = 1 %}{{ m() }}\n", {"flag": True})
case("err_macro_captures_later_set", "{% macro m() %}{{ flag }}{% endmacro %}{{ m() }}{% set flag = 1 %}\n", {"flag": True},
     error=("template.j2", 19, "undefined variable 'flag'"))
case("macro_default_uses_param", "{% macro m(a, b=a * 2) %}{{ a }},{{ b }}{% endmacro %}{{ m(3) }}\n")

# ---- includes
case("include_basic", "before\n{% include 'part.j2' %}after\n", {"x": 7}, {"part.j2": "part x={{ x }}\n"})
case("include_sees_loop_var", "{% for item in [1, 2] %}{% include 'item.j2' %}{% endfor %}\n", {}, {"item.j2": "<{{ item }}>"})
case("include_set_no_export", "{% set x = 3 %}{% include 'inc.j2' %}{{ y is defined }}\n", {}, {"inc.j2": "{{ x }}{% set y = 5 %}"})
# Jinja2 resolves include names from the loader root (the case folder, passed
# to kjit as its search path); kjit also looks next to the including file first.
case("include_subdir", "{% include 'sub/a.j2' %}\n", {}, {"sub/a.j2": "A[{% include 'sub/b.j2' %}]", "sub/b.j2": "B"})
case("include_macro_inside", "{% include 'm.j2' %}|{{ outer }}\n", {"outer": "o"}, {"m.j2": "{% macro hi() %}hi{% endmacro %}{{ hi() }}"})
case("include_ignore_missing", "a{% include 'nope.j2' ignore missing %}b\n")

# ---- filters
case("filter_abs_round", "{{ -3|abs }} {{ -2.5|abs }} {{ 2.5|round }} {{ 3.5|round }} {{ 5|round }} {{ 3.14159|round(2) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(method='floor') }} {{ -2.5|round }} {{ 1234|round(-2) }}\n")
case("filter_case", "{{ 'hello world'|capitalize }} {{ 'Hello'|upper }} {{ 'HeLLo'|lower }} {{ 'the quick-brown fox'|title }}\n")
case("filter_default", "{{ missing|default(5) }} {{ ''|default('e') }} {{ ''|default('e', true) }} {{ none|default(3) }} {{ missing|d('d') }} {{ 0|default(1, boolean=true) }}\n")
case("filter_first_last", "{{ [3, 1, 2]|first }} {{ [3, 1, 2]|last }} {{ 'abc'|first }} {{ 'abc'|last }} {{ {'k': 1}|first }}\n")
case("filter_int_float", "{{ '42'|int }} {{ '3.7'|int }} {{ 3.9|int }} {{ 'x'|int }} {{ 'x'|int(-1) }} {{ '0x1f'|int(base=16) }} {{ '2.5'|float }} {{ 3|float }} {{ 'bad'|float }} {{ true|int }}\n")
case("filter_join", "{{ [1, 2, 3]|join(', ') }} {{ ['a', 'b']|join }} {{ users|join(', ', attribute='name') }}\n",
     {"users": [{"name": "x"}, {"name": "y"}]})
case("filter_length", "{{ [1, 2]|length }} {{ 'abc'|length }} {{ {'a': 1}|length }} {{ [1, 2, 3]|count }}\n")
case("filter_list", "{{ 'ab'|list }} {{ {'x': 1, 'y': 2}|list }} {{ range(3)|list }}\n")
case("filter_map", "{{ ['a', 'b']|map('upper')|list }} {{ users|map(attribute='age')|list }} {{ [1.25, 2.5]|map('round', 1)|join(',') }} {{ users|map(attribute='zip', default='?')|list }}\n",
     {"users": [{"age": 30}, {"age": 40}]})
case("filter_max_min", "{{ [3, 1, 2]|max }} {{ [3, 1, 2]|min }} {{ ['b', 'A', 'c']|max }} {{ ['b', 'A', 'c']|min }} {{ users|max(attribute='age') }}\n",
     {"users": [{"age": 30, "n": 1}, {"age": 40, "n": 2}]})
case("filter_replace", "{{ 'aaa'|replace('a', 'b') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 'hello'|replace('l', '') }}\n")
case("filter_reverse", "{{ 'abc'|reverse }} {{ [1, 2, 3]|reverse|list }} {{ [1, 2]|reverse|join }}\n")
case("filter_sort", "{{ [3, 1, 2]|sort }} {{ ['b', 'A', 'c']|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A']|sort(case_sensitive=true) }} {{ users|sort(attribute='age')|map(attribute='n')|list }}\n",
     {"users": [{"age": 40, "n": "x"}, {"age": 30, "n": "y"}]})
case("filter_string_sum", "{{ 5|string ~ 'x' }} {{ [1, 2]|sum }} {{ []|sum }} {{ [1.5, 2]|sum }} {{ users|sum(attribute='v') }} {{ [1]|sum(start=10) }}\n",
     {"users": [{"v": 1}, {"v": 2}]})
case("filter_trim", "[{{ '  x  '|trim }}] [{{ 'xxhixx'|trim('x') }}]\n")
case("filter_tojson", "{{ {'b': 1, 'a': [1, 2.5, none, true, 'x<y']}|tojson }} {{ 'quote\"'|tojson }} {{ 1.0|tojson }}\n")
case("filter_tojson_indent", "{{ {'a': [1, 2], 'b': {}}|tojson(indent=2) }}\n")
case("filter_select_reject", "{{ range(6)|select('even')|list }} {{ range(6)|reject('even')|list }} {{ [0, 1, '', 'a']|select|list }} {{ range(10)|select('divisibleby', 3)|list }}\n")
case("filter_selectattr", "{{ users|selectattr('active')|map(attribute='n')|list }} {{ users|rejectattr('active')|map(attribute='n')|list }} {{ users|selectattr('n', 'equalto', 'b')|list|length }}\n",
     {"users": [{"n": "a", "active": True}, {"n": "b", "active": False}]})
case("filter_unique_batch", "{{ [1, 2, 1, 3]|unique|list }} {{ ['a', 'A', 'b']|unique|list }} {{ range(5)|batch(2)|list }} {{ range(5)|batch(2, 0)|list }}\n")
case("filter_indent", "{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'x\\n\\ny'|indent(1, blank=true) }}\n")
case("filter_chain", "{{ ' A,b , C '|lower|replace(' ', '')|trim }} {{ [3, 1, 2]|sort|reverse|first }}\n")
case("filter_format_center", "{{ '%s-%03d|%.2f'|format('a', 7, 3.14159) }} [{{ 'ab'|center(6) }}]\n")
case("filter_dictsort_items", "{{ d|dictsort }} {{ d|items|list }} {{ d|dictsort(by='value', reverse=true) }}\n", {"d": {"b": 1, "a": 2}})

# ---- tests
case("tests_basic", "{{ x is defined }} {{ y is defined }} {{ y is undefined }} {{ none is none }} {{ 4 is even }} {{ 3 is odd }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(2) }}\n", {"x": 1})
case("tests_types", "{{ 1 is number }} {{ 1.5 is number }} {{ 's' is string }} {{ 1 is string }} {{ {} is mapping }} {{ [] is sequence }} {{ 1 is integer }} {{ 1.0 is float }} {{ true is boolean }}\n")
case("tests_negated", "{{ x is not defined }} {{ 3 is not even }} {{ 'a' is not none }} {{ 5 is not divisibleby 5 }}\n")
case("tests_compare", "{{ 3 is gt 2 }} {{ 3 is lt 2 }} {{ 3 is eq 3 }} {{ 2 is in [1, 2] }} {{ 'a' is lower }} {{ 'A' is upper }}\n")

# ---- methods
case("string_methods", "{{ 'a,b,c'.split(',') }} {{ ' x '.strip() }} {{ 'Ab'.upper() }} {{ 'abc'.startswith('ab') }} {{ 'abc'.endswith('x') }} {{ 'a-b'.replace('-', '+') }} {{ '-'.join(['1', '2']) }} {{ 'a b  c'.split() }}\n")
case("dict_get", "{{ d.get('a') }} {{ d.get('z', 'dflt') }} {{ d.get('z') }}\n", {"d": {"a": 1}})

# ---- CUDA-flavoured template
case("cuda_kernel", """// generated for {{ name }}
#include <cuda_fp16.h>
{% set threads = block_size * 2 %}
constexpr int kHidden = {{ hidden }};
constexpr int kThreads = {{ threads }};
{% for t in inputs %}
// input {{ loop.index0 }}: {{ t.name }} [{{ t.shape|join(', ') }}] {{ t.dtype }}
{% endfor %}
__global__ void {{ name }}_kernel({% for t in inputs %}const {{ t.ctype }}* {{ t.name }}{{ ', ' if not loop.last }}{% endfor %}) {
  float eps = {{ eps }};
{%- if hidden % 8 == 0 %}
  // vectorized path, {{ hidden // 8 }} vectors
{%- else %}
  // scalar path
{%- endif %}
}
""", {"name": "rmsnorm", "block_size": 128, "hidden": 4096, "eps": 1e-06,
      "inputs": [{"name": "x", "shape": ["batch", 4096], "dtype": "float16", "ctype": "__half"},
                 {"name": "w", "shape": [4096], "dtype": "float16", "ctype": "__half"}]})

# ---- dict order, literals, formatting (issue #16)
case("dict_order_context", "{% for k in m %}{{ k }}{% endfor %} {{ m.keys()|list }} {{ m.values()|list }} {{ m.items()|list }} {{ m }} {{ m|dictsort }} {{ m|tojson }}\n",
     {"m": {"b": 1, "a": 2, "c": {"z": 1, "y": 2}}})
case("dict_order_literal", "{% set m = {'z': 1, 'a': 2} %}{{ m.update(b=3) }}{% for k, v in m.items() %}{{ k }}={{ v }};{% endfor %}{{ m|list }}\n")
case("dict_views_live", "{% set d = {'a': 1} %}{% set k = d.keys() %}{{ d.update(b=2) }}{{ k }} {{ d.items() }} {{ d.values()|list }}\n")
case("string_literal_escapes", "{{ '\\101\\x42\\u00e9\\U0001F600' }}|{{ '\\é' }}|{{ '\\q' }}|{{ '\\777' }}|{{ 'a\\\nb' }}\n")
case("integer_literal_forms", "{{ 0x1f }} {{ 0o17 }} {{ 0b101 }} {{ 1_000 }} {{ 0_0 }} {{ 1_0.5 }} {{ 1.5.2 is defined }} {{ [1, [2, 3]].1.0 }}\n")
case("format_python_percent", "{{ '%.2s|%5s|%-4d|%+.1f|%x|%o|%#X|%05d|%c|%r'|format('héllo', 'é', 7, 2.25, -255, -8, 255, -42, 65, 'é') }} {{ '%(a)s=%(b)03d'|format(a='k', b=5) }} {{ '%s%%' % 5 }}\n")
case("range_slicing", "{{ range(10)[2:5] }} {{ range(10)[::-1] }} {{ range(0, 10, 3)[1:] }} {{ range(5).stop }}\n")
case("int_float_filters_strings", "{% for s in v %}{{ s|int }},{{ s|float }};{% endfor %}\n", {"v": ["42", " 7 ", "3.9", "1_000", "0x1f", "1e3", "abc", "nan", "١٢"]})
case("generators_single_use", "{% set g = [1, 2, 3]|map('string') %}{{ g|first }}{{ g|list }}{{ g|list }} {{ [1, [2]]|unique|first }}\n")
case("undefined_in_containers", "{{ [missing] }} {{ {'a': missing} }} {{ [missing]|length }} {{ [missing]|first is defined }}\n")
case("scoping_blocks", "{% set a %}{% set b = 1 %}{% endset %}{{ b is defined }}{% for i in [] %}{% else %}{% set c = 1 %}{% endfor %}{{ c is defined }}{% with d = 1 %}{% endwith %}{{ d is defined }}\n")
case("include_loop_visibility", "{% for i in [1, 2] %}{% include 'l.j2' %}{% endfor %}|{% for i in [1] %}{{ loop.index }}{% include 'l.j2' %}{% endfor %}|{% include 'l.j2' without context %}\n",
     {}, {"l.j2": "[{{ loop.index if loop is defined else 'none' }}]"})
case("loop_changed_cycler_joiner", "{% for x in [1, 1, 2] %}{{ loop.changed(x) }}{% endfor %} {% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }} {% set j = joiner('/') %}{% for x in 'ab' %}{{ j() }}{{ x }}{% endfor %}\n")
case("macro_varargs_kwargs_caller", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% if caller is defined %}{{ caller(a) }}{% endif %}{% endmacro %}{{ m(1, 2, k=3) }} {% call(x) m(5) %}<{{ x }}>{% endcall %}\n")
case("markup_semantics", "{{ ('<a>'|e) + '<' }} {{ '<'|e|e }} {{ ['<'|e] }} {{ ('%s'|safe) % '<' }} {{ ('<'|e) ~ '<' }}\n")
case("str_methods_unicode", "{{ 'ΣΑΣ ΟΔΟΣ'.lower() }} {{ 'straße'.upper() }} {{ 'ǆemo'|capitalize }} {{ 'a b  '.split(None, 1) }} {{ ' x '.rsplit(None, 1) }}\n")
case("nonfinite_constant_output", "{{ 1e400 }} {{ [1e400] }} {{ 1 < 1e400 }}\n")
case("err_nonfinite_constant_set", "{% set x = 1e400 %}{{ x }}\n", error=("template.j2", 12, "name 'inf' is not defined"))
case("err_sum_string_start", "{{ ['a']|sum(start='') }}\n", error=("template.j2", 10, "sum() can't sum strings"))
case("err_last_generator", "{{ [1]|map('string')|last }}\n", error=("template.j2", 22, "'generator' object is not reversible"))
case("err_unique_unhashable", "{{ [[1], [1]]|unique|list }}\n", error=("template.j2", 22, "unhashable type: 'list'"))
case("err_int_literal_leading_zero", "{{ 007 }}\n", error=("template.j2", 6, "expected end of print statement"))
case("err_format_unsupported_char", "{{ '%y'|format(1) }}\n", error=("template.j2", 9, "unsupported format character 'y'"))

# ---- errors (file, column, phrase)
case("err_undefined_variable", "ok\n  {{ vec }}\n", error=("template.j2", 6, "undefined variable 'vec'"))
case("err_undefined_attribute", "{{ d.missing }}\n", {"d": {"a": 1}}, error=("template.j2", 6, "'dict object' has no attribute 'missing'"))
case("err_undefined_in_arith", "\n{{ 1 + nope }}\n", error=("template.j2", 8, "undefined variable 'nope'"))
case("err_undefined_iterate", "{% for x in items %}{% endfor %}\n", error=("template.j2", 13, "undefined variable 'items'"))
case("err_undefined_in_if", "{% if flag %}x{% endif %}\n", error=("template.j2", 7, "undefined variable 'flag'"))
case("err_unknown_filter", "{{ 1 }}\n{{ x|frobnicate }}\n", {"x": 1}, error=("template.j2", 6, "No filter named 'frobnicate'"))
case("err_unknown_test", "{{ x is frob }}\n", {"x": 1}, error=("template.j2", 9, "No test named 'frob'"))
case("err_division_by_zero", "a\nb {{ 1 / 0 }}\n", error=("template.j2", 8, "division by zero"))
case("err_floordiv_by_zero", "{{ 5 // z }}\n", {"z": 0}, error=("template.j2", 6, "integer division or modulo by zero"))
case("err_type_add", "{{ 'a' + 1 }}\n", error=("template.j2", 8, "can only concatenate str"))
case("err_type_compare", "{{ 1 < 'a' }}\n", error=("template.j2", 6, "'<' not supported between instances of 'int' and 'str'"))
case("err_unclosed_for", "{% for x in [1] %}\n{{ x }}", error=("template.j2", 8, "'for' block from line 1 is not closed"))
case("err_mismatched_end", "{% if true %}\n{% endfor %}\n", error=("template.j2", 4, "unexpected 'endfor', expected 'elif' or 'else' or 'endif'"))
case("err_unknown_tag", "\n{% frob %}\n", error=("template.j2", 4, "unknown tag 'frob'"))
case("err_syntax_expression", "{{ 1 + }}\n", error=("template.j2", 8, "unexpected '}}', expected an expression"))
case("err_unclosed_print", "{{ x \n", {"x": 1}, error=("template.j2", 1, "missing '}}'"))
case("err_print_undefined_from_include", "line\n{% include 'bad.j2' %}\n", {}, {"bad.j2": "\n\n  {{ nothere }}"},
     error=("bad.j2", 6, "undefined variable 'nothere'"))
case("err_include_missing", "{% include 'missing.j2' %}\n", error=("template.j2", 12, "included template 'missing.j2' not found"))
case("err_macro_missing_param", "{% macro m(a, b) %}{{ b }}{% endmacro %}{{ m(1) }}\n", error=("template.j2", 44, "parameter 'b' was not provided"))
case("err_macro_too_many_args", "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}\n", error=("template.j2", 35, "takes not more than 1 argument"))
case("err_not_callable", "{{ x() }}\n", {"x": 1}, error=("template.j2", 5, "'int' object is not callable"))
case("err_unpack_count", "{% for a, b in [[1, 2, 3]] %}{% endfor %}\n", error=("template.j2", 8, "too many values to unpack"))
case("err_iterate_int", "{% for a in 5 %}{% endfor %}\n", error=("template.j2", 13, "'int' object is not iterable"))
case("err_first_empty", "{{ []|first }}\n", error=("template.j2", 7, "No first item, sequence was empty."))
case("err_undefined_filter_input", "{{ nope|upper }}\n", error=("template.j2", 4, "undefined variable 'nope'"))
case("err_compare_undefined", "{{ nope == 1 }}\n", error=("template.j2", 4, "undefined variable 'nope'"))
case("err_namespace_assign", "{% set d = {} %}{% set d.x = 1 %}\n", error=("template.j2", 24, "cannot assign attribute on non-namespace object"))
case("err_syntax_in_include", "{% include 'broken.j2' %}\n", {}, {"broken.j2": "ok\n{% if %}"}, error=("broken.j2", 7, "expected an expression"))


def make_env(folder):
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def load_context(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def jinja_error_line(exc, file_name):
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return os.path.basename(exc.filename or file_name) if exc.filename else file_name, exc.lineno
    line = None
    fname = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(".j2"):
            line, fname = frame.lineno, os.path.relpath(frame.filename)
    return fname, line


def main():
    check = "--check" in sys.argv
    names = set()
    problems = []
    for name, template, context, files, error in CASES:
        assert name not in names, name
        names.add(name)
        folder = os.path.join(ROOT, name)
        outputs = {"template.j2": template, "context.json": json.dumps(context, indent=1, ensure_ascii=False) + "\n"}
        outputs.update(files)
        env = make_env(folder)
        if not check:
            if os.path.isdir(folder):
                shutil.rmtree(folder)
            for rel, text in outputs.items():
                p = os.path.join(folder, rel)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "w", encoding="utf-8", newline="") as f:
                    f.write(text)
        ctx = load_context(os.path.join(folder, "context.json"))
        try:
            result = env.get_template("template.j2").render(**ctx)
            failure = None
        except Exception as exc:  # noqa: BLE001 - any Jinja failure is an expected-error case
            result, failure = None, exc
        if error is None:
            if failure is not None:
                problems.append(f"{name}: Jinja2 failed: {failure!r}")
                continue
            expected_name, expected = "expected.txt", result
        else:
            if failure is None:
                problems.append(f"{name}: expected an error but Jinja2 rendered {result!r}")
                continue
            file, col, phrase = error
            _, jline = jinja_error_line(failure, file)
            line = jline
            if line is None:
                problems.append(f"{name}: cannot find the line of Jinja2's error {failure!r}")
                continue
            expected_name, expected = "expected_error.txt", f"{file}:{line}:{col}: {phrase}\n"
        path = os.path.join(folder, expected_name)
        if check:
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    if f.read() != expected:
                        problems.append(f"{name}: {expected_name} differs")
            except FileNotFoundError:
                problems.append(f"{name}: {expected_name} missing")
        else:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(expected)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(CASES)} cases, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
