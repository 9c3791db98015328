// Python arithmetic semantics (see operators.h). Integer operations use the
// GCC/Clang overflow builtins so results are exact or an error.
//
// Thread safety: pure functions.
#include "jit/template/operators.h"

#include <cmath>

#include "jit/template/template_error.h"

namespace kjit::jit::detail {

const char* op_symbol(BinOp op) {
  switch (op) {
    case BinOp::add: return "+";
    case BinOp::sub: return "-";
    case BinOp::mul: return "*";
    case BinOp::div: return "/";
    case BinOp::floordiv: return "//";
    case BinOp::mod: return "%";
    case BinOp::pow: return "**";
  }
  return "?";
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
  throw_render_error(std::string("integer overflow in '") + op_symbol(op) +
                     "' (template integers are exact 64-bit values)");
}

Value repeat(const Value& seq, std::int64_t n) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    if (!s.empty() && static_cast<std::uint64_t>(n) > k_max_sequence_size / s.size())
      throw_render_error("string repetition result is too large");
    std::string out;
    out.reserve(s.size() * static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) out += s;
    return Value::string(std::move(out));
  }
  const auto& l = *seq.as_list();
  if (!l.items.empty() && static_cast<std::uint64_t>(n) > k_max_sequence_size / l.items.size())
    throw_render_error("list repetition result is too large");
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
        throw_render_error("a negative number cannot be raised to a fractional power (Python would return a complex number)");
      double r = std::pow(x, y);
      if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) throw_render_error("numerical result out of range in '**'");
      return Value::floating(r);
    }
  }
  return Value();
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
    case BinOp::div:
      if (y == 0) throw_render_error("division by zero");
      return Value::floating(static_cast<double>(x) / static_cast<double>(y));
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
        if (a.as_string().size() + b.as_string().size() > k_max_sequence_size)
          throw_render_error("string concatenation result is too large");
        return Value::string(a.as_string() + b.as_string());
      }
      if (is_concat_seq(a) && is_concat_seq(b) && a.as_list()->kind == b.as_list()->kind) {
        std::vector<Value> items = a.as_list()->items;
        if (items.size() + b.as_list()->items.size() > k_max_sequence_size)
          throw_render_error("list concatenation result is too large");
        items.insert(items.end(), b.as_list()->items.begin(), b.as_list()->items.end());
        return Value::list(std::move(items), a.as_list()->kind);
      }
      break;
    case BinOp::mul:
      if ((a.is_string() || is_concat_seq(a)) && b.is_integral()) return repeat(a, b.integral());
      if (a.is_integral() && (b.is_string() || is_concat_seq(b))) return repeat(b, a.integral());
      break;
    case BinOp::mod:
      if (a.is_string())
        throw_render_error("printf-style string formatting with '%' is not supported; use the format filter or '~'");
      break;
    default: break;
  }
  unsupported(op, a, b);
}

Value negate(const Value& v) {
  defined(v);
  if (v.is_integral()) {
    std::int64_t x = v.integral();
    if (x == INT64_MIN) throw_render_error("integer overflow in unary '-' (template integers are exact 64-bit values)");
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
  defined(container);
  defined(item);
  switch (container.kind()) {
    case Kind::string:
      if (!item.is_string())
        throw_render_error("'in <string>' requires string as left operand, not " + std::string(type_name(item)));
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Kind::list:
      for (const auto& e : container.as_list()->items)
        if (equal(e, item)) return true;
      return false;
    case Kind::dict:
      if (container.as_dict()->is_namespace) break;
      return container.as_dict()->find(item) != nullptr;
    default: break;
  }
  throw_render_error("argument of type '" + std::string(type_name(container)) + "' is not iterable");
}

namespace {

// CPython's PySlice_AdjustIndices.
void adjust(std::int64_t len, const std::optional<std::int64_t>& start_in, const std::optional<std::int64_t>& stop_in,
            std::int64_t step, std::int64_t& start, std::int64_t& stop) {
  auto fix = [&](const std::optional<std::int64_t>& v, std::int64_t def_pos, std::int64_t def_neg) {
    if (!v) return step > 0 ? def_pos : def_neg;
    std::int64_t x = *v;
    if (x < 0) {
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
  defined(obj);
  std::int64_t step = step_in.value_or(1);
  if (step == 0) throw_render_error("slice step cannot be zero");
  if (obj.is_string()) {
    auto chars = utf8_chars(obj.as_string());
    std::int64_t start, stop;
    adjust(static_cast<std::int64_t>(chars.size()), start_in, stop_in, step, start, stop);
    std::string out;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out += chars[static_cast<std::size_t>(i)];
    return Value::string(std::move(out));
  }
  if (obj.is_list() && obj.as_list()->kind != SeqKind::generator) {
    const auto& items = obj.as_list()->items;
    std::int64_t start, stop;
    adjust(static_cast<std::int64_t>(items.size()), start_in, stop_in, step, start, stop);
    std::vector<Value> out;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(items[static_cast<std::size_t>(i)]);
    SeqKind k = obj.as_list()->kind == SeqKind::tuple ? SeqKind::tuple : SeqKind::list;
    return Value::list(std::move(out), k);
  }
  throw_render_error("'" + std::string(type_name(obj)) + "' object is not subscriptable");
}

std::optional<Value> index_sequence(const Value& obj, std::int64_t index) {
  if (obj.is_list()) {
    const auto& l = *obj.as_list();
    if (l.kind == SeqKind::generator || l.kind == SeqKind::dict_keys || l.kind == SeqKind::dict_values ||
        l.kind == SeqKind::dict_items)
      return std::nullopt;
    std::int64_t n = static_cast<std::int64_t>(l.items.size());
    if (index < 0) index += n;
    if (index < 0 || index >= n) return std::nullopt;
    return l.items[static_cast<std::size_t>(index)];
  }
  if (obj.is_string()) {
    const std::string& s = obj.as_string();
    bool ascii = true;
    for (unsigned char c : s)
      if (c >= 0x80) {
        ascii = false;
        break;
      }
    if (ascii) {
      std::int64_t n = static_cast<std::int64_t>(s.size());
      if (index < 0) index += n;
      if (index < 0 || index >= n) return std::nullopt;
      return Value::string(std::string(1, s[static_cast<std::size_t>(index)]));
    }
    auto chars = utf8_chars(s);
    std::int64_t n = static_cast<std::int64_t>(chars.size());
    if (index < 0) index += n;
    if (index < 0 || index >= n) return std::nullopt;
    return Value::string(chars[static_cast<std::size_t>(index)]);
  }
  return std::nullopt;
}

}  // namespace kjit::jit::detail
