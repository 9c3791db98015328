// Lazy iterators: Python generators (the results of map, select, reject,
// selectattr, rejectattr, unique, batch, slice and items) and reverse
// iterators. As in Python they run only when consumed, are consumed once,
// and errors inside them surface when the consumer reaches them, so
// `{% set g = xs|map('int') %}` never fails by itself and `g|list` twice
// gives the items and then [].
//
// Thread safety: iterators are per-render values; not synchronized.
#pragma once

#include <functional>
#include <string>

#include "jit/template/value.h"

namespace kjit::jit::detail {

using NextFn = std::function<bool(Value& out)>;

// A generator whose body runs `start` at the first next() (Jinja's generator
// functions check their arguments lazily) and then yields from the NextFn it
// returns.
Value make_generator(std::string type, std::function<NextFn()> start);
// An iterator over fixed items (reverse iterators).
Value make_iterator(std::string type, std::vector<Value> items);
// Python iter(v) as a NextFn: lists and tuples iterate live by index, dicts
// over their keys, strings over characters, iterators pass through. Throws
// for non-iterables.
NextFn iter_source(const Value& v);

}  // namespace kjit::jit::detail
