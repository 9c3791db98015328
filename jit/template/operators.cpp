// Python arithmetic semantics (see operators.h). Integer operations use the
// GCC/Clang overflow builtins so results are exact or an error.
//
// Thread safety: pure functions.
#include "jit/template/operators.h"

#include <cmath>
#include <iterator>

#include "jit/template/percent_format.h"
#include "jit/template/template_error.h"
#include "jit/template/unicode.h"

namespace kjit::jit::detail {

const char* op_symbol(BinOp op) {
  static constexpr const char* k_symbols[] = {"+", "-", "*", "/", "//", "%", "**"};  // in BinOp order
  static_assert(std::size(k_symbols) == static_cast<std::size_t>(BinOp::pow) + 1);
  auto i = static_cast<std::size_t>(op);
  return i < std::size(k_symbols) ? k_symbols[i] : "?";
}

namespace {

[[noreturn]] void unsupported(BinOp op, const Value& a, const Value& b) {
  if (op == BinOp::add && a.is_string())
    throw_render_error("can only concatenate str (not \"" + std::string(type_name(b)) + "\") to str");
  if (op == BinOp::add && a.is_list() && a.as_list()->kind == SeqKind::list)
    throw_render_error("can only concatenate list (not \"" + std::string(type_name(b)) + "\") to list");
  throw_render_error(std::string("unsupported operand type(s) for ") + op_symbol(op) + ": '" +
                     std::string(type_name(a)) + "' and '" + std::string(type_name(b)) + "'");
}

[[noreturn]] void overflow(BinOp op) {
  throw_unsupported(std::string("integers beyond 64 bits (overflow in '") + op_symbol(op) +
                    "'; Python integers would grow)");
}

Value repeat(const Value& seq, std::int64_t n) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    if (!s.empty() && static_cast<std::uint64_t>(n) > k_max_sequence_size / s.size())
      throw_unsupported("strings longer than 64 MiB");
    std::string out;
    out.reserve(s.size() * static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) out += s;
    return seq.is_markup() ? Value::markup(std::move(out)) : Value::string(std::move(out));
  }
  const auto& l = *seq.as_list();
  if (!l.items.empty() && static_cast<std::uint64_t>(n) > k_max_sequence_size / l.items.size())
    throw_unsupported("lists longer than 64 Mi items");
  std::vector<Value> out;
  out.reserve(l.items.size() * static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out.insert(out.end(), l.items.begin(), l.items.end());
  return Value::list(std::move(out), l.kind);
}

bool is_concat_seq(const Value& v) {
  return v.is_list() && (v.as_list()->kind == SeqKind::list || v.as_list()->kind == SeqKind::tuple);
}

Value float_op(BinOp op, double x, double y) {
  switch (op) {
    case BinOp::add: return Value::floating(x + y);
    case BinOp::sub: return Value::floating(x - y);
    case BinOp::mul: return Value::floating(x * y);
    case BinOp::div:
      if (y == 0.0) throw_render_error("division by zero");
      return Value::floating(x / y);
    case BinOp::floordiv:
    case BinOp::mod: {
      if (y == 0.0) throw_render_error(op == BinOp::mod ? "float modulo" : "float floor division by zero");
      // CPython's float_divmod.
      double mod = std::fmod(x, y);
      double div = (x - mod) / y;
      if (mod != 0.0) {
        if ((y < 0) != (mod < 0)) {
          mod += y;
          div -= 1.0;
        }
      } else {
        mod = std::copysign(0.0, y);
      }
      if (op == BinOp::mod) return Value::floating(mod);
      double floordiv;
      if (div != 0.0) {
        floordiv = std::floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
      } else {
        floordiv = std::copysign(0.0, x / y);
      }
      return Value::floating(floordiv);
    }
    case BinOp::pow: {
      if (x == 0.0 && y < 0.0) throw_render_error("0.0 cannot be raised to a negative power");
      if (x < 0.0 && std::isfinite(y) && y != std::floor(y))
        throw_unsupported("complex numbers (a negative number raised to a fractional power)");
      double r = std::pow(x, y);
      if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) throw_render_error("numerical result out of range in '**'");
      return Value::floating(r);
    }
  }
  return Value();
}

// Python's int / int: the double nearest to the exact quotient. Exact
// operands (|v| <= 2**53) divide directly; otherwise the quotient is computed
// with 56+ significant bits plus a sticky bit and rounded once.
double true_divide(std::int64_t x, std::int64_t y) {
  constexpr std::int64_t k_exact = std::int64_t{1} << 53;
  if (x <= k_exact && x >= -k_exact && y <= k_exact && y >= -k_exact)
    return static_cast<double>(x) / static_cast<double>(y);
  bool neg = (x < 0) != (y < 0);
  unsigned __int128 a = x < 0 ? 0 - static_cast<unsigned __int128>(static_cast<__int128>(x)) : static_cast<unsigned __int128>(x);
  unsigned __int128 b = y < 0 ? 0 - static_cast<unsigned __int128>(static_cast<__int128>(y)) : static_cast<unsigned __int128>(y);
  if (a == 0) return neg ? -0.0 : 0.0;
  auto bitlen = [](unsigned __int128 v) {
    int n = 0;
    while (v) {
      v >>= 1;
      ++n;
    }
    return n;
  };
  int shift = 56 + bitlen(b) - bitlen(a);
  if (shift < 0) shift = 0;
  unsigned __int128 n = a << shift;
  unsigned __int128 q = n / b, r = n % b;
  if (r != 0) q |= 1;  // sticky bit: below the rounding position
  double d = std::ldexp(static_cast<double>(q), -shift);
  return neg ? -d : d;
}

Value int_op(BinOp op, std::int64_t x, std::int64_t y) {
  std::int64_t r = 0;
  switch (op) {
    case BinOp::add:
      if (__builtin_add_overflow(x, y, &r)) overflow(op);
      return Value::integer(r);
    case BinOp::sub:
      if (__builtin_sub_overflow(x, y, &r)) overflow(op);
      return Value::integer(r);
    case BinOp::mul:
      if (__builtin_mul_overflow(x, y, &r)) overflow(op);
      return Value::integer(r);
    case BinOp::div: {
      if (y == 0) throw_render_error("division by zero");
      return Value::floating(true_divide(x, y));
    }
    case BinOp::floordiv:
    case BinOp::mod: {
      if (y == 0) throw_render_error("integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) {
        if (op == BinOp::mod) return Value::integer(0);
        overflow(op);
      }
      std::int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        m += y;
        q -= 1;
      }
      return Value::integer(op == BinOp::mod ? m : q);
    }
    case BinOp::pow: {
      if (y < 0) {
        if (x == 0) throw_render_error("0.0 cannot be raised to a negative power");
        return Value::floating(std::pow(static_cast<double>(x), static_cast<double>(y)));
      }
      std::int64_t result = 1, base = x;
      while (y > 0) {
        if (y & 1)
          if (__builtin_mul_overflow(result, base, &result)) overflow(op);
        y >>= 1;
        if (y > 0 && __builtin_mul_overflow(base, base, &base)) overflow(op);
      }
      return Value::integer(result);
    }
  }
  return Value();
}

}  // namespace

Value binary_op(BinOp op, const Value& a, const Value& b) {
  defined(a);
  defined(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return int_op(op, a.integral(), b.integral());
    return float_op(op, a.number(), b.number());
  }
  switch (op) {
    case BinOp::add:
      if (a.is_string() && b.is_string()) {
        if (a.as_string().size() + b.as_string().size() > k_max_sequence_size) throw_unsupported("strings longer than 64 MiB");
        // markupsafe: Markup + str escapes the str (and str + Markup too).
        if (a.is_markup() || b.is_markup()) return Value::markup(escape_value(a).as_string() + escape_value(b).as_string());
        return Value::string(a.as_string() + b.as_string());
      }
      if (is_concat_seq(a) && is_concat_seq(b) && a.as_list()->kind == b.as_list()->kind) {
        std::vector<Value> items = a.as_list()->items;
        if (items.size() + b.as_list()->items.size() > k_max_sequence_size) throw_unsupported("lists longer than 64 Mi items");
        items.insert(items.end(), b.as_list()->items.begin(), b.as_list()->items.end());
        return Value::list(std::move(items), a.as_list()->kind);
      }
      break;
    case BinOp::mul:
      if ((a.is_string() || is_concat_seq(a)) && b.is_integral()) return repeat(a, b.integral());
      if (a.is_integral() && (b.is_string() || is_concat_seq(b))) return repeat(b, a.integral());
      break;
    case BinOp::mod:
      if (a.is_string()) {
        std::string out = percent_format(a.as_string(), b, a.is_markup());
        return a.is_markup() ? Value::markup(std::move(out)) : Value::string(std::move(out));
      }
      break;
    default: break;
  }
  unsupported(op, a, b);
}

Value negate(const Value& v) {
  defined(v);
  if (v.is_integral()) {
    std::int64_t x = v.integral();
    if (x == INT64_MIN) throw_unsupported("integers beyond 64 bits (overflow in unary '-')");
    return Value::integer(-x);
  }
  if (v.is_float()) return Value::floating(-v.as_float());
  throw_render_error("bad operand type for unary -: '" + std::string(type_name(v)) + "'");
}

Value unary_plus(const Value& v) {
  defined(v);
  if (v.is_integral()) return Value::integer(v.integral());
  if (v.is_float()) return v;
  throw_render_error("bad operand type for unary +: '" + std::string(type_name(v)) + "'");
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Kind::undefined:
      if (container.as_undefined().lenient) return false;
      raise_undefined(container);
    case Kind::string:
      if (item.is_undefined() && !item.as_undefined().lenient) raise_undefined(item);
      if (!item.is_string())
        throw_render_error("TypeError: 'in <string>' requires string as left operand, not " + type_name(item));
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Kind::list: {
      const auto& l = *container.as_list();
      if (l.kind == SeqKind::dict_keys) {
        require_hashable(item);
        return l.view_of && l.view_of->find(item) != nullptr;
      }
      if (l.kind == SeqKind::dict_items) {
        if (!item.is_seq(SeqKind::tuple) || item.as_list()->items.size() != 2) return false;
        require_hashable(item.as_list()->items[0]);
        const Value* v = l.view_of ? l.view_of->find(item.as_list()->items[0]) : nullptr;
        return v && equal(*v, item.as_list()->items[1]);
      }
      for (const auto& e : seq_items(l))
        if (equal(e, item)) return true;
      return false;
    }
    case Kind::dict:
      if (container.as_dict()->is_namespace) break;
      require_hashable(item);
      return container.as_dict()->find(item) != nullptr;
    case Kind::iterator: {
      Value e;
      while (container.as_iterator()->next(e))
        if (equal(e, item)) return true;
      return false;
    }
    case Kind::loop: throw_unsupported("'in' over the loop object (it iterates the loop itself)");
    default: break;
  }
  throw_render_error("TypeError: argument of type '" + type_name(container) + "' is not iterable");
}

namespace {

// CPython's PySlice_AdjustIndices.
void adjust(std::int64_t len, const std::optional<std::int64_t>& start_in, const std::optional<std::int64_t>& stop_in,
            std::int64_t step, std::int64_t& start, std::int64_t& stop) {
  auto fix = [&](const std::optional<std::int64_t>& v, std::int64_t def_pos, std::int64_t def_neg) {
    if (!v) return step > 0 ? def_pos : def_neg;
    std::int64_t x = *v;
    if (x < 0) {
      x = x < -len ? -1 - len : x;  // no overflow for huge negatives
      x += len;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= len) {
      x = step < 0 ? len - 1 : len;
    }
    return x;
  };
  start = fix(start_in, 0, len - 1);
  stop = fix(stop_in, len, -1);
}

}  // namespace

Value slice(const Value& obj, const std::optional<std::int64_t>& start_in, const std::optional<std::int64_t>& stop_in,
            const std::optional<std::int64_t>& step_in) {
  if (obj.is_undefined()) raise_undefined(obj);
  std::int64_t step = step_in.value_or(1);
  if (step == 0) throw_render_error("ValueError: slice step cannot be zero");
  if (step == INT64_MIN) throw_unsupported("slice steps beyond 64 bits");
  if (obj.is_string()) {
    auto cps = to_cps(obj.as_string());
    std::int64_t start, stop;
    adjust(static_cast<std::int64_t>(cps.size()), start_in, stop_in, step, start, stop);
    std::vector<std::uint32_t> out;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(cps[static_cast<std::size_t>(i)]);
    std::string s = from_cps(out);
    return obj.is_markup() ? Value::markup(std::move(s)) : Value::string(std::move(s));
  }
  if (obj.is_list()) {
    const auto& l = *obj.as_list();
    if (l.kind == SeqKind::list || l.kind == SeqKind::tuple || l.kind == SeqKind::range) {
      const auto& items = l.items;
      std::int64_t start, stop;
      adjust(static_cast<std::int64_t>(items.size()), start_in, stop_in, step, start, stop);
      std::vector<Value> out;
      for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(items[static_cast<std::size_t>(i)]);
      if (l.kind != SeqKind::range) return Value::list(std::move(out), l.kind);
      // A slice of a range is a range (Python: range(start + i*step, ...)).
      auto r = std::make_shared<ListObj>();
      r->kind = SeqKind::range;
      r->range_start = l.range_start + start * l.range_step;
      r->range_stop = l.range_start + stop * l.range_step;
      r->range_step = l.range_step * step;
      r->items = std::move(out);
      return Value::list(std::move(r));
    }
  }
  throw_render_error("TypeError: '" + type_name(obj) + "' object is not subscriptable");
}

std::optional<Value> index_sequence(const Value& obj, std::int64_t index) {
  if (obj.is_list()) {
    const auto& l = *obj.as_list();
    if (l.kind != SeqKind::list && l.kind != SeqKind::tuple && l.kind != SeqKind::range) return std::nullopt;
    auto n = static_cast<std::int64_t>(l.items.size());
    if (index < 0) index += n;
    if (index < 0 || index >= n) return std::nullopt;
    return l.items[static_cast<std::size_t>(index)];
  }
  if (obj.is_string()) {
    const std::string& s = obj.as_string();
    std::string ch;
    if (is_ascii(s)) {
      auto n = static_cast<std::int64_t>(s.size());
      if (index < 0) index += n;
      if (index < 0 || index >= n) return std::nullopt;
      ch = std::string(1, s[static_cast<std::size_t>(index)]);
    } else {
      auto chars = utf8_chars(s);
      auto n = static_cast<std::int64_t>(chars.size());
      if (index < 0) index += n;
      if (index < 0 || index >= n) return std::nullopt;
      ch = chars[static_cast<std::size_t>(index)];
    }
    return obj.is_markup() ? Value::markup(std::move(ch)) : Value::string(std::move(ch));
  }
  return std::nullopt;
}

}  // namespace kjit::jit::detail
