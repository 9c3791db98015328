// The filter name table: every Jinja2 3.1 built-in filter, the ones kjit
// does not implement mapped to functions raising "unsupported: ...".
//
// Thread safety: the table is a constant.
#include "jit/template/filters.h"

#include "jit/template/renderer.h"

namespace kjit::jit::detail {

namespace {

Value f_random(Renderer&, const Value&, CallArgs&) { throw_unsupported("the random filter (nondeterministic)"); }
Value f_urlize(Renderer&, const Value&, CallArgs&) { throw_unsupported("the urlize filter"); }
Value f_wordwrap(Renderer&, const Value&, CallArgs&) { throw_unsupported("the wordwrap filter (textwrap)"); }

constexpr NamedFn<FilterFn> k_filters[] = {
    {"abs", f_abs},           {"attr", f_attr},           {"batch", f_batch},
    {"capitalize", f_capitalize}, {"center", f_center},   {"count", f_length},
    {"d", f_default},         {"default", f_default},     {"dictsort", f_dictsort},
    {"e", f_escape},          {"escape", f_escape},       {"filesizeformat", f_filesizeformat},
    {"first", f_first},       {"float", f_float},         {"forceescape", f_forceescape},
    {"format", f_format},     {"groupby", f_groupby},     {"indent", f_indent},
    {"int", f_int},           {"items", f_items},         {"join", f_join},
    {"last", f_last},         {"length", f_length},       {"list", f_list},
    {"lower", f_lower},       {"map", f_map},             {"max", f_max},
    {"min", f_min},           {"pprint", f_pprint},       {"random", f_random},
    {"reject", f_reject},     {"rejectattr", f_rejectattr}, {"replace", f_replace},
    {"reverse", f_reverse},   {"round", f_round},         {"safe", f_safe},
    {"select", f_select},     {"selectattr", f_selectattr}, {"slice", f_slice},
    {"sort", f_sort},         {"string", f_string},       {"striptags", f_striptags},
    {"sum", f_sum},           {"title", f_title},         {"tojson", f_tojson},
    {"trim", f_trim},         {"truncate", f_truncate},   {"unique", f_unique},
    {"upper", f_upper},       {"urlencode", f_urlencode}, {"urlize", f_urlize},
    {"wordcount", f_wordcount}, {"wordwrap", f_wordwrap}, {"xmlattr", f_xmlattr},
};

}  // namespace

FilterFn find_filter(std::string_view name) { return find_named(k_filters, name); }

}  // namespace kjit::jit::detail
