// Renderer, calls: call expressions, the global functions (range, dict,
// namespace, cycler, joiner, lipsum, and kjit's raise), macro and caller
// invocation with Jinja2's argument rules (varargs / kwargs / caller), and
// the loop object's callables (cycle, changed, recursive loop(...)).
//
// Thread safety: one Renderer per render; shares only immutable ASTs.
#include "jit/template/methods.h"
#include "jit/template/renderer.h"
#include "jit/template/template_error.h"

namespace kjit::jit::detail {

namespace {

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::int64_t range_arg(const Value& a) {
  defined(a);
  if (!a.is_integral())
    throw_render_error("TypeError: '" + type_name(a) + "' object cannot be interpreted as an integer");
  return a.integral();
}

// dict(*args, **kwargs) / Namespace(*args, **kwargs).
Value make_dict(CallArgs& args, bool is_namespace) {
  auto d = std::make_shared<DictObj>();
  d->is_namespace = is_namespace;
  dict_update(*d, args, "dict");
  return Value::dict(std::move(d));
}

}  // namespace

Value Renderer::eval_call(const CallExpr& e, Frame& f) {
  Value callee = eval(*e.callee, f);
  CallArgs args;
  eval_args(e.args, f, args);
  m_current = f.unit;
  return call_value(callee, args, e.callee->offset);
}

Value Renderer::bound_method(const Value& obj, const std::string& name) {
  auto c = std::make_shared<CallableObj>();
  c->builtin = Builtin::method;
  c->self = std::make_shared<Value>(obj);
  c->name = name;
  return Value::callable(std::move(c));
}

Value Renderer::call_value(const Value& callee, CallArgs& args, std::uint32_t offset) {
  switch (callee.kind()) {
    case Kind::undefined: raise_undefined(callee);
    case Kind::callable: {
      const CallableObj& c = *callee.as_callable();
      if (c.builtin == Builtin::macro) return call_macro(c, args, offset);
      if (c.builtin == Builtin::method) return call_method(*this, *c.self, c.name, args);
      if (c.builtin == Builtin::raise) {
        if (args.args.size() != 1 || !args.kwargs.empty())
          throw_render_error("raise() takes exactly one argument: the error message");
        throw TemplateError{ErrorCode::render_error, to_str(args.args[0]), offset, m_current};
      }
      return call_builtin(c, args);
    }
    case Kind::loop: return call_loop(*callee.as_loop(), args);
    case Kind::object:
      if (callee.as_object()->type == ObjectObj::Type::joiner) return call_method(*this, callee, "__call__", args);
      break;
    default: break;
  }
  throw_render_error("TypeError: '" + type_name(callee) + "' object is not callable");
}

Value Renderer::call_builtin(const CallableObj& c, CallArgs& args) {
  switch (c.builtin) {
    case Builtin::range: {
      if (!args.kwargs.empty()) throw_render_error("TypeError: range() takes no keyword arguments");
      if (args.args.empty() || args.args.size() > 3)
        throw_render_error("TypeError: range expected at most 3 arguments, got " + std::to_string(args.args.size()));
      std::int64_t v[3] = {0, 0, 1};
      for (std::size_t i = 0; i < args.args.size(); ++i) v[i] = range_arg(args.args[i]);
      std::int64_t start = 0, stop = 0, step = 1;
      if (args.args.size() == 1) {
        stop = v[0];
      } else {
        start = v[0];
        stop = v[1];
        step = args.args.size() == 3 ? v[2] : 1;
      }
      if (step == 0) throw_render_error("ValueError: range() arg 3 must not be zero");
      // Element count without overflow: ceil((stop - start) / step).
      __int128 span = static_cast<__int128>(stop) - start;
      __int128 count = step > 0 ? (span > 0 ? (span + step - 1) / step : 0) : (span < 0 ? (span + step + 1) / step : 0);
      if (count > k_max_range)
        throw_unsupported("ranges of more than " + std::to_string(k_max_range) + " elements (kjit materializes ranges)");
      charge(static_cast<std::uint64_t>(count));
      auto l = std::make_shared<ListObj>();
      l->kind = SeqKind::range;
      l->range_start = start;
      l->range_stop = stop;
      l->range_step = step;
      l->items.reserve(static_cast<std::size_t>(count));
      for (__int128 i = 0; i < count; ++i) l->items.push_back(Value::integer(static_cast<std::int64_t>(start + i * step)));
      return Value::list(std::move(l));
    }
    case Builtin::dict: return make_dict(args, false);
    case Builtin::namespace_: return make_dict(args, true);
    case Builtin::cycler: {
      if (!args.kwargs.empty())
        throw_render_error("TypeError: Cycler.__init__() got an unexpected keyword argument " + quote(args.kwargs[0].first));
      if (args.args.empty()) throw_render_error("RuntimeError: at least one item has to be provided");
      auto o = std::make_shared<ObjectObj>();
      o->type = ObjectObj::Type::cycler;
      o->items = args.args;
      return Value::object(std::move(o));
    }
    case Builtin::joiner: {
      if (args.args.size() + args.kwargs.size() > 1) throw_render_error("TypeError: Joiner.__init__() takes at most 1 argument");
      std::string sep = ", ";
      if (!args.args.empty()) sep = to_str(args.args[0]);
      for (auto& [k, v] : args.kwargs) {
        if (k != "sep") throw_render_error("TypeError: Joiner.__init__() got an unexpected keyword argument " + quote(k));
        sep = to_str(v);
      }
      auto o = std::make_shared<ObjectObj>();
      o->type = ObjectObj::Type::joiner;
      o->sep = std::move(sep);
      return Value::object(std::move(o));
    }
    case Builtin::lipsum: throw_unsupported("lipsum() (random text)");
    case Builtin::loop_cycle: {
      if (!args.kwargs.empty()) throw_render_error("TypeError: cycle() got an unexpected keyword argument");
      if (args.args.empty()) throw_render_error("TypeError: no items for cycling given");
      return args.args[c.loop->index0 % args.args.size()];
    }
    case Builtin::loop_changed: {
      if (!args.kwargs.empty()) throw_render_error("TypeError: changed() got an unexpected keyword argument");
      Value now = Value::tuple(args.args);
      LoopObj& l = *c.loop;
      if (l.last_changed && equal(*l.last_changed, now)) return Value::boolean(false);
      l.last_changed = std::make_shared<Value>(std::move(now));
      note_mutation(Value::loop(c.loop));
      return Value::boolean(true);
    }
    default: break;
  }
  throw_render_error("TypeError: object is not callable");
}

Value Renderer::call_loop(const LoopObj& loop, CallArgs& args) {
  if (!loop.recursive) throw_render_error("TypeError: The loop must be marked as 'recursive' to call it.");
  if (args.args.size() != 1 || !args.kwargs.empty())
    throw_render_error("TypeError: loop() takes exactly one argument (the iterable)");
  auto scope = loop.scope.lock();
  if (!scope) throw_render_error("the recursive loop was called after its block ended");
  if (m_depth + 1 > k_max_call_depth)
    throw_unsupported("recursive loop calls nested deeper than " + std::to_string(k_max_call_depth) + " levels");
  Sink capture;
  Frame f{scope, loop.unit, &capture};
  ++m_depth;
  try {
    run_loop(*loop.recursive, args.args[0], f, loop.depth + 1);
  } catch (...) {
    --m_depth;
    throw;
  }
  --m_depth;
  return Value::string(std::move(capture.text));
}

Value Renderer::call_macro(const CallableObj& c, CallArgs& args, std::uint32_t offset) {
  const MacroStmt& m = *c.macro;
  const std::string name = c.is_caller ? "caller" : m.name;
  if (m_depth + 1 > k_max_call_depth)
    throw_unsupported("macro calls nested deeper than " + std::to_string(k_max_call_depth) +
                      " levels (unbounded recursion in macro " + quote(name) + "?)");
  auto scope = std::make_shared<Scope>();
  scope->parent = c.closure.lock();
  if (!scope->parent) throw_render_error("macro " + quote(name) + " was called after the block that defined it ended");
  if (!m.frame_assigned.empty()) scope->undefined_init = &m.frame_assigned;
  // jinja2.runtime.Macro.__call__: positional arguments, then keyword
  // arguments for the remaining parameters, then caller / kwargs / varargs.
  const std::size_t count = m.params.size();
  std::vector<bool> given(count, false);
  std::vector<Value> values(count);
  for (std::size_t i = 0; i < args.args.size() && i < count; ++i) {
    values[i] = args.args[i];
    given[i] = true;
  }
  auto take_kwarg = [&](const std::string& key, Value& out) {
    for (auto it = args.kwargs.begin(); it != args.kwargs.end(); ++it)
      if (it->first == key) {
        out = std::move(it->second);
        args.kwargs.erase(it);
        return true;
      }
    return false;
  };
  bool found_caller = false;
  if (args.args.size() < count) {
    for (std::size_t i = args.args.size(); i < count; ++i) {
      given[i] = take_kwarg(m.params[i].name, values[i]);
      if (m.params[i].name == "caller") found_caller = true;
    }
  } else {
    for (const auto& p : m.params)
      if (p.name == "caller") found_caller = true;
  }
  for (std::size_t i = 0; i < count; ++i)
    if (given[i]) scope->set(m.params[i].name, std::move(values[i]));
  if (m.uses_caller && !found_caller) {
    Value caller;
    if (!take_kwarg("caller", caller) || caller.is_none())
      caller = Value::undefined("No caller defined", offset, m_current);
    scope->set("caller", std::move(caller));
  }
  if (m.catch_kwargs) {
    auto d = std::make_shared<DictObj>();
    for (auto& [k, v] : args.kwargs) d->set(Value::string(k), std::move(v));
    scope->set("kwargs", Value::dict(std::move(d)));
  } else if (!args.kwargs.empty()) {
    for (const auto& [k, v] : args.kwargs)
      if (k == "caller")
        throw_render_error("TypeError: macro " + quote(name) +
                           " was invoked with two values for the special caller argument. This is most likely a bug.");
    throw_render_error("TypeError: macro " + quote(name) + " takes no keyword argument " + quote(args.kwargs[0].first));
  }
  if (m.catch_varargs) {
    std::vector<Value> rest;
    for (std::size_t i = count; i < args.args.size(); ++i) rest.push_back(std::move(args.args[i]));
    scope->set("varargs", Value::tuple(std::move(rest)));
  } else if (args.args.size() > count) {
    throw_render_error("TypeError: macro " + quote(name) + " takes not more than " + std::to_string(count) +
                       " argument(s)");
  }
  Sink capture;
  Frame f{scope, c.unit, &capture};
  // Parameters not given start out undefined (a default may refer to a later
  // parameter), then take their defaults in order.
  for (std::size_t i = 0; i < count; ++i)
    if (!given[i])
      scope->set(m.params[i].name,
                 Value::undefined("parameter " + quote(m.params[i].name) + " was not provided", offset, m_current));
  ++m_depth;
  try {
    for (std::size_t i = 0; i < count; ++i)
      if (!given[i] && m.params[i].default_value) scope->set(m.params[i].name, eval(*m.params[i].default_value, f));
    exec(m.body, f);
  } catch (TemplateError& e) {
    --m_depth;
    if (!e.unit) e.unit = c.unit;
    throw;
  }
  --m_depth;
  return Value::string(std::move(capture.text));
}

}  // namespace kjit::jit::detail
