// Python attributes and methods of template values: which attribute names
// Python's getattr() finds on each type (so `x.upper` is a bound method and
// `d.items` the dict method even when the dict has an "items" key, exactly as
// Jinja2's environment.getattr), the data attributes (int.real, range.start,
// ...), and the method implementations (str, Markup, int, float, list,
// tuple, range, dict, cycler, joiner). Methods kjit does not implement are an
// "unsupported: ..." error when called.
//
// Thread safety: pure functions over values (list/dict methods mutate their
// receiver, as in Python).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "jit/template/renderer.h"

namespace kjit::jit::detail {

enum class AttrKind : std::uint8_t {
  none,         // Python has no such attribute (Jinja falls back to obj[name])
  method,       // a method kjit can bind and call (maybe "unsupported" when called)
  data,         // a data attribute (see data_attribute)
  unsupported,  // exists in Python but kjit does not model it (dunders, internals)
};

// What getattr(obj, name) finds in Python, for every kind of value except
// Namespace, loop and undefined (the renderer handles those).
AttrKind python_attr_kind(const Value& obj, std::string_view name);
// A data attribute's value (REQUIRES: python_attr_kind(obj, name) == data).
Value data_attribute(const Value& obj, std::string_view name);
// Calls method `name` bound to `self`.
Value call_method(Renderer& r, const Value& self, const std::string& name, CallArgs& args);

// Per-type method implementations (methods_str.cpp, methods_container.cpp).
Value call_str_method(Renderer& r, const Value& self, const std::string& name, CallArgs& args);
Value call_list_method(Renderer& r, const Value& self, const std::string& name, CallArgs& args);
Value call_dict_method(Renderer& r, const Value& self, const std::string& name, CallArgs& args);
Value call_number_method(const Value& self, const std::string& name, CallArgs& args);

// Python's dict.update(src, **kwargs), shared by d.update(...) and the dict()
// / namespace() constructors: `src` a mapping or an iterable of key/value
// pairs; `what` names the callee in the arity error ("update", "dict").
void dict_update(DictObj& d, CallArgs& args, const std::string& what);

}  // namespace kjit::jit::detail
