// Argument binding for filters, tests and methods: maps positional and
// keyword arguments onto a parameter list like a Python signature, with
// Python-like errors for too many or unknown arguments.
//
// Thread safety: plain values.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "jit/template/renderer.h"
#include "jit/template/template_error.h"

namespace kjit::jit::detail {

class Bound {
 public:
  // Binds `args` to `params`; `what` names the callee in messages
  // ("filter 'round'"). Parameters beyond `params` are an error.
  Bound(CallArgs& args, std::initializer_list<std::string_view> params, std::string_view what) {
    m_values.resize(params.size());
    m_present.resize(params.size(), false);
    if (args.args.size() > params.size())
      throw_render_error(std::string(what) + " takes at most " + std::to_string(params.size()) + " argument(s) (" +
                         std::to_string(args.args.size()) + " given)");
    for (std::size_t i = 0; i < args.args.size(); ++i) {
      m_values[i] = std::move(args.args[i]);
      m_present[i] = true;
    }
    for (auto& [k, v] : args.kwargs) {
      std::size_t i = 0;
      for (auto p : params) {
        if (p == k) break;
        ++i;
      }
      if (i == params.size()) throw_render_error(std::string(what) + " got an unexpected keyword argument '" + k + "'");
      if (m_present[i]) throw_render_error(std::string(what) + " got multiple values for argument '" + k + "'");
      m_values[i] = std::move(v);
      m_present[i] = true;
    }
  }
  bool has(std::size_t i) const { return m_present[i]; }
  const Value& get(std::size_t i) const { return m_values[i]; }
  Value get_or(std::size_t i, Value fallback) const { return m_present[i] ? m_values[i] : fallback; }

 private:
  std::vector<Value> m_values;
  std::vector<bool> m_present;
};

}  // namespace kjit::jit::detail
