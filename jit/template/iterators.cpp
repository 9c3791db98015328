// Lazy iterators (see iterators.h).
//
// Thread safety: per-render values; not synchronized.
#include "jit/template/iterators.h"

#include <memory>

#include "jit/template/template_error.h"
#include "jit/template/unicode.h"

namespace kjit::jit::detail {

Value make_generator(std::string type, std::function<NextFn()> start) {
  auto it = std::make_shared<IterObj>();
  it->type = std::move(type);
  auto body = std::make_shared<NextFn>();
  auto begin = std::make_shared<std::function<NextFn()>>(std::move(start));
  it->next_fn = [body, begin](Value& out) {
    if (!*body) {
      auto fn = std::move(*begin);
      *begin = nullptr;
      *body = fn();
      if (!*body) return false;
    }
    return (*body)(out);
  };
  return Value::iterator(std::move(it));
}

Value make_iterator(std::string type, std::vector<Value> items) {
  auto it = std::make_shared<IterObj>();
  it->type = std::move(type);
  auto state = std::make_shared<std::pair<std::vector<Value>, std::size_t>>(std::move(items), 0);
  it->next_fn = [state](Value& out) {
    if (state->second >= state->first.size()) return false;
    out = std::move(state->first[state->second++]);
    return true;
  };
  return Value::iterator(std::move(it));
}

NextFn iter_source(const Value& v) {
  switch (v.kind()) {
    case Kind::undefined:
      if (v.as_undefined().lenient) return [](Value&) { return false; };
      raise_undefined(v);
    case Kind::list: {
      const ListPtr& l = v.as_list();
      if (l->kind == SeqKind::list || l->kind == SeqKind::tuple || l->kind == SeqKind::range) {
        auto pos = std::make_shared<std::size_t>(0);
        ListPtr keep = l;
        return [keep, pos](Value& out) {
          if (*pos >= keep->items.size()) return false;
          out = keep->items[(*pos)++];
          return true;
        };
      }
      break;
    }
    case Kind::iterator: {
      IterPtr it = v.as_iterator();
      return [it](Value& out) { return it->next(out); };
    }
    case Kind::loop: throw_unsupported("iterating over the loop object");
    default: break;
  }
  // Dicts, views and strings: a snapshot (Python would raise if a dict
  // changed size while being iterated).
  auto items = std::make_shared<std::vector<Value>>(iterate(v));
  auto pos = std::make_shared<std::size_t>(0);
  return [items, pos](Value& out) {
    if (*pos >= items->size()) return false;
    out = (*items)[(*pos)++];
    return true;
  };
}

}  // namespace kjit::jit::detail
