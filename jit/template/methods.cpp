// Python attribute tables and method dispatch (see methods.h); number,
// cycler and joiner methods live here, str methods in methods_str.cpp and
// list/tuple/range/dict methods in methods_container.cpp.
//
// Thread safety: constant tables; methods mutate only their receiver.
#include "jit/template/methods.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "jit/template/call_args.h"
#include "jit/template/template_error.h"

namespace kjit::jit::detail {

namespace {

template <class C>
bool in(std::string_view name, const C& names) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}
bool in(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

constexpr std::string_view k_str_methods[] = {
    "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format",
    "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower",
    "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans",
    "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit",
    "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill"};
constexpr std::string_view k_list_methods[] = {
    "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort"};
constexpr std::string_view k_dict_methods[] = {
    "clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"};

}  // namespace

AttrKind python_attr_kind(const Value& obj, std::string_view name) {
  if (name.size() > 4 && name.starts_with("__") && name.ends_with("__")) return AttrKind::unsupported;
  switch (obj.kind()) {
    case Kind::string:
      if (in(name, k_str_methods)) return AttrKind::method;
      if (obj.is_markup() && in(name, {"escape", "unescape", "striptags"})) return AttrKind::method;
      return AttrKind::none;
    case Kind::boolean:
    case Kind::integer:
      if (in(name, {"as_integer_ratio", "bit_count", "bit_length", "conjugate", "from_bytes", "to_bytes"}))
        return AttrKind::method;
      if (in(name, {"denominator", "imag", "numerator", "real"})) return AttrKind::data;
      return AttrKind::none;
    case Kind::floating:
      if (in(name, {"as_integer_ratio", "conjugate", "fromhex", "hex", "is_integer"})) return AttrKind::method;
      if (in(name, {"imag", "real"})) return AttrKind::data;
      return AttrKind::none;
    case Kind::list:
      switch (obj.as_list()->kind) {
        case SeqKind::list: return in(name, k_list_methods) ? AttrKind::method : AttrKind::none;
        case SeqKind::tuple:
          if (obj.as_list()->group_tuple) {
            if (name == "grouper" || name == "list") return AttrKind::data;
            if (name.starts_with("_")) return AttrKind::unsupported;
          }
          return in(name, {"count", "index"}) ? AttrKind::method : AttrKind::none;
        case SeqKind::range:
          if (in(name, {"count", "index"})) return AttrKind::method;
          return in(name, {"start", "step", "stop"}) ? AttrKind::data : AttrKind::none;
        default:
          if (name == "mapping" || name == "isdisjoint") return AttrKind::unsupported;
          return AttrKind::none;
      }
    case Kind::dict: return in(name, k_dict_methods) ? AttrKind::method : AttrKind::none;
    case Kind::callable: {
      const auto& c = *obj.as_callable();
      if (c.builtin == Builtin::macro) {
        if (in(name, {"name", "arguments", "catch_kwargs", "catch_varargs", "caller", "explicit_caller"}))
          return AttrKind::data;
        return name.starts_with("_") ? AttrKind::unsupported : AttrKind::none;
      }
      return AttrKind::unsupported;  // classes, functions and methods have many attributes
    }
    case Kind::iterator:
      if (in(name, {"close", "gi_code", "gi_frame", "gi_running", "gi_suspended", "gi_yieldfrom", "send", "throw"}))
        return AttrKind::unsupported;
      return AttrKind::none;
    case Kind::object:
      if (obj.as_object()->type == ObjectObj::Type::cycler) {
        if (in(name, {"next", "reset"})) return AttrKind::method;
        return in(name, {"items", "pos", "current"}) ? AttrKind::data : AttrKind::none;
      }
      return in(name, {"sep", "used"}) ? AttrKind::data : AttrKind::none;
    default: return AttrKind::none;
  }
}

Value data_attribute(const Value& obj, std::string_view name) {
  switch (obj.kind()) {
    case Kind::boolean:
    case Kind::integer:
      if (name == "imag") return Value::integer(0);
      if (name == "denominator") return Value::integer(1);
      return Value::integer(obj.integral());  // real, numerator (int of a bool)
    case Kind::floating: return Value::floating(name == "imag" ? 0.0 : obj.as_float());
    case Kind::list: {
      const auto& l = *obj.as_list();
      if (l.group_tuple) return l.items[name == "grouper" ? 0 : 1];
      if (name == "start") return Value::integer(l.range_start);
      if (name == "stop") return Value::integer(l.range_stop);
      return Value::integer(l.range_step);
    }
    case Kind::callable: {
      const auto& c = *obj.as_callable();
      const MacroStmt& m = *c.macro;
      if (name == "name") return c.is_caller ? Value::none() : Value::string(m.name);
      if (name == "arguments") {
        std::vector<Value> names;
        for (const auto& p : m.params) names.push_back(Value::string(p.name));
        return Value::tuple(std::move(names));
      }
      if (name == "catch_kwargs") return Value::boolean(m.catch_kwargs);
      if (name == "catch_varargs") return Value::boolean(m.catch_varargs);
      if (name == "caller") return Value::boolean(m.uses_caller || std::any_of(m.params.begin(), m.params.end(), [](const MacroParam& p) { return p.name == "caller"; }));
      return Value::boolean(std::any_of(m.params.begin(), m.params.end(), [](const MacroParam& p) { return p.name == "caller"; }));
    }
    case Kind::object: {
      const auto& o = *obj.as_object();
      if (name == "items") return Value::tuple(o.items);
      if (name == "pos") return Value::integer(static_cast<std::int64_t>(o.pos));
      if (name == "current") return o.items[o.pos];
      if (name == "sep") return Value::string(o.sep);
      return Value::boolean(o.used);
    }
    default: break;
  }
  throw_unsupported("attribute '" + std::string(name) + "'");
}

namespace {

Value call_object_method(Renderer& r, const Value& self, const std::string& name, CallArgs& args) {
  ObjectObj& o = *self.as_object();
  if (o.type == ObjectObj::Type::joiner) {  // __call__
    Bound b(args, {}, "Joiner.__call__()");
    if (!o.used) {
      o.used = true;
      return Value::string("");
    }
    return Value::string(o.sep);
  }
  if (name == "next") {
    Bound b(args, {}, "Cycler.next()");
    Value rv = o.items[o.pos];
    o.pos = (o.pos + 1) % o.items.size();
    return rv;
  }
  Bound b(args, {}, "Cycler.reset()");
  o.pos = 0;
  (void)r;
  return Value::none();
}

}  // namespace

Value call_method(Renderer& r, const Value& self, const std::string& name, CallArgs& args) {
  switch (self.kind()) {
    case Kind::string: return call_str_method(r, self, name, args);
    case Kind::list: return call_list_method(r, self, name, args);
    case Kind::dict: return call_dict_method(r, self, name, args);
    case Kind::boolean:
    case Kind::integer:
    case Kind::floating: return call_number_method(self, name, args);
    case Kind::object: return call_object_method(r, self, name, args);
    default: break;
  }
  throw_unsupported("method '" + name + "' of " + type_name(self));
}

Value call_number_method(const Value& self, const std::string& name, CallArgs& args) {
  std::string what = type_name(self) + "." + name + "()";
  Bound b(args, {}, what);
  if (self.is_integral()) {
    std::int64_t x = self.integral();
    if (name == "conjugate") return Value::integer(x);
    if (name == "as_integer_ratio") return Value::tuple({Value::integer(x), Value::integer(1)});
    std::uint64_t mag = x < 0 ? 0 - static_cast<std::uint64_t>(x) : static_cast<std::uint64_t>(x);
    if (name == "bit_length") return Value::integer(mag == 0 ? 0 : 64 - __builtin_clzll(mag));
    if (name == "bit_count") return Value::integer(__builtin_popcountll(mag));
    throw_unsupported("int." + name + "() (bytes)");
  }
  double d = self.as_float();
  if (name == "conjugate") return Value::floating(d);
  if (name == "is_integer") return Value::boolean(std::isfinite(d) && d == std::trunc(d));
  if (name == "hex") {
    if (std::isnan(d)) return Value::string("nan");
    if (std::isinf(d)) return Value::string(d < 0 ? "-inf" : "inf");
    // Python: [-]0x1.<13 hex digits>p<exp>, or 0x0.0p+0; subnormals keep 0x0.
    int exp = 0;
    double m = std::frexp(std::fabs(d), &exp);
    std::string out = std::signbit(d) ? "-" : "";
    if (d == 0) return Value::string(out + "0x0.0p+0");
    std::uint64_t bits;
    static_assert(sizeof bits == sizeof d);
    std::memcpy(&bits, &d, sizeof d);
    std::uint64_t mant = bits & ((std::uint64_t{1} << 52) - 1);
    int biased = static_cast<int>((bits >> 52) & 0x7FF);
    char buf[64];
    if (biased == 0) std::snprintf(buf, sizeof buf, "0x0.%013llxp-1022", static_cast<unsigned long long>(mant));
    else std::snprintf(buf, sizeof buf, "0x1.%013llxp%+d", static_cast<unsigned long long>(mant), biased - 1023);
    (void)m;
    (void)exp;
    return Value::string(out + buf);
  }
  if (name == "as_integer_ratio") {
    if (!std::isfinite(d)) throw_render_error(std::isnan(d) ? "ValueError: cannot convert NaN to integer ratio" : "OverflowError: cannot convert Infinity to integer ratio");
    int exp = 0;
    double m = std::frexp(d, &exp);
    for (int i = 0; i < 300 && m != std::floor(m); ++i) {
      m *= 2;
      --exp;
    }
    if (std::fabs(m) >= 9.2e18 || (exp > 0 && std::fabs(m) * std::ldexp(1.0, exp) >= 9.2e18) || exp < -62)
      throw_unsupported("float.as_integer_ratio() beyond 64-bit integers");
    auto num = static_cast<std::int64_t>(m);
    std::int64_t den = 1;
    if (exp > 0) num <<= exp;
    else den <<= -exp;
    return Value::tuple({Value::integer(num), Value::integer(den)});
  }
  throw_unsupported("float." + name + "()");
}

}  // namespace kjit::jit::detail
