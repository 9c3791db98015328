// PlanProgram: plan expressions compiled to postfix programs. See
// plan_program.h.
//
// Thread safety: see plan_program.h.
#include "runtime/plan_program.h"

#include <algorithm>
#include <functional>
#include <limits>

#include "jit/codegen/expr_scanner.h"
#include "jit/util/str_cat.h"
#include "runtime/arg_pack.h"

namespace kjit::runtime {
namespace {

// The evaluation stack is a fixed array: programs deeper than this are
// rejected at compile time (plans use depth < 10).
constexpr int k_max_depth = 64;

// Recursive descent over jit::eval_expr's grammar, emitting postfix ops:
//   expr  := term (('+'|'-') term)*
//   term  := unary (('*'|'/'|'%') unary)*
//   unary := '-' unary | atom
//   atom  := INT | NAME | NAME '(' expr (',' expr)* ')' | '(' expr ')'
class Compiler {
 public:
  using Lookup = std::function<int(std::string_view)>;  // slot of a name, or -1
  Compiler(std::string_view text, const Lookup& lookup, std::string_view where)
      : m_in(text), m_lookup(lookup), m_where(where) {}

  Result<Program> compile() {
    Program p;
    p.text = std::string(m_in.text());
    KJIT_TRY_VOID(expr(p.ops));
    m_in.skip_ws();
    if (!m_in.at_end()) return error(str_cat("unexpected '", m_in.peek(), "'"));
    // Depth check (what the evaluator's fixed stack needs).
    int depth = 0, max_depth = 0;
    for (const PlanOp& op : p.ops) {
      if (op.code == PlanOp::push_const || op.code == PlanOp::push_slot) ++depth;
      else if (op.code != PlanOp::neg) --depth;
      max_depth = std::max(max_depth, depth);
    }
    if (max_depth > k_max_depth) return error("expression nests too deeply");
    return p;
  }

 private:
  std::unexpected<Error> error(const std::string& what) const {
    return fail(ErrorCode::invalid_argument, str_cat("launch plan ", m_where, ": expression '", m_in.text(), "' at column ",
                                                     m_in.pos() + 1, ": ", what));
  }
  Result<void> expr(std::vector<PlanOp>& ops) {
    KJIT_TRY_VOID(term(ops));
    for (;;) {
      if (m_in.eat('+')) {
        KJIT_TRY_VOID(term(ops));
        ops.push_back({PlanOp::add, 0});
      } else if (m_in.eat('-')) {
        KJIT_TRY_VOID(term(ops));
        ops.push_back({PlanOp::sub, 0});
      } else {
        return {};
      }
    }
  }
  Result<void> term(std::vector<PlanOp>& ops) {
    KJIT_TRY_VOID(unary(ops));
    for (;;) {
      PlanOp::Code code;
      if (m_in.eat('*')) code = PlanOp::mul;
      else if (m_in.eat('/')) code = PlanOp::div;
      else if (m_in.eat('%')) code = PlanOp::mod;
      else return {};
      KJIT_TRY_VOID(unary(ops));
      ops.push_back({code, 0});
    }
  }
  Result<void> unary(std::vector<PlanOp>& ops) {
    if (m_in.eat('-')) {
      KJIT_TRY_VOID(unary(ops));
      ops.push_back({PlanOp::neg, 0});
      return {};
    }
    return atom(ops);
  }
  Result<void> atom(std::vector<PlanOp>& ops) {
    m_in.skip_ws();
    if (m_in.at_end()) return error("unexpected end");
    if (m_in.eat('(')) {
      KJIT_TRY_VOID(expr(ops));
      if (!m_in.eat(')')) return error("expected ')'");
      return {};
    }
    if (m_in.at_integer()) {
      std::int64_t v = 0;
      if (!m_in.integer(v)) return error("integer too large");
      ops.push_back({PlanOp::push_const, v});
      return {};
    }
    if (m_in.at_name()) {
      const std::string_view name = m_in.name();
      if (m_in.eat('(')) return call(name, ops);
      const int slot = m_lookup(name);
      if (slot < 0) return error(str_cat("unknown name '", name, "'"));
      ops.push_back({PlanOp::push_slot, slot});
      return {};
    }
    return error(str_cat("unexpected '", m_in.peek(), "'"));
  }
  Result<void> call(std::string_view fn, std::vector<PlanOp>& ops) {
    PlanOp::Code code;
    if (fn == "min") code = PlanOp::min;
    else if (fn == "max") code = PlanOp::max;
    else if (fn == "ceil_div") code = PlanOp::ceil_div;
    else return error(str_cat("unknown function '", fn, "' (known: min, max, ceil_div)"));
    int args = 0;
    if (!m_in.eat(')')) {
      do {
        KJIT_TRY_VOID(expr(ops));
        ++args;
      } while (m_in.eat(','));
      if (!m_in.eat(')')) return error(str_cat("expected ')' after arguments of ", fn));
    }
    if (args != 2) return error(str_cat(fn, " takes 2 arguments"));
    ops.push_back({code, 0});
    return {};
  }

  jit::ExprScanner m_in;
  const Lookup& m_lookup;
  std::string_view m_where;
};

// Runs `program` over `slots`. Errors only on division by zero (the text
// is formatted then, off the fast path).
Result<std::int64_t> run(const Program& program, const std::int64_t* slots) {
  std::array<std::int64_t, k_max_depth> stack;
  int top = -1;
  for (const PlanOp& op : program.ops) {
    switch (op.code) {
      case PlanOp::push_const: stack[++top] = op.value; break;
      case PlanOp::push_slot: stack[++top] = slots[op.value]; break;
      case PlanOp::neg: stack[top] = -stack[top]; break;
      default: {
        const std::int64_t b = stack[top--];
        std::int64_t& a = stack[top];
        switch (op.code) {
          case PlanOp::add: a += b; break;
          case PlanOp::sub: a -= b; break;
          case PlanOp::mul: a *= b; break;
          case PlanOp::div:
          case PlanOp::mod:
          case PlanOp::ceil_div:
            if (b == 0)
              return fail(ErrorCode::invalid_argument, str_cat("launch plan expression '", program.text, "': division by zero"));
            a = op.code == PlanOp::div ? a / b : op.code == PlanOp::mod ? a % b : (a + b - 1) / b;
            break;
          case PlanOp::min: a = std::min(a, b); break;
          case PlanOp::max: a = std::max(a, b); break;
          default: break;
        }
      }
    }
  }
  return stack[0];
}

Result<std::uint32_t> to_u32(std::int64_t v, const std::string& entry, const char* what) {
  if (v < 0 || v > std::numeric_limits<std::uint32_t>::max())
    return fail(ErrorCode::invalid_argument, str_cat("launch plan: ", entry, " ", what, " = ", v, " is out of range"));
  return static_cast<std::uint32_t>(v);
}

}  // namespace

Result<PlanProgram> PlanProgram::compile(const jit::LaunchPlan& plan, const KernelSignature& sig) {
  PlanProgram p;
  p.m_num_axes = sig.axes().size();
  std::vector<bool> reads_axis(p.m_num_axes, false);
  // Names visible to expressions: axes, num_sms, lets defined so far.
  auto lookup = [&](std::string_view name) -> int {
    if (int a = sig.find_axis(name); a >= 0) {
      reads_axis[static_cast<std::size_t>(a)] = true;
      return a;
    }
    if (name == "num_sms") return static_cast<int>(p.m_num_axes);
    for (std::size_t i = 0; i < p.m_let_names.size(); ++i)
      if (p.m_let_names[i] == name) return static_cast<int>(p.m_num_axes + 1 + i);
    return -1;
  };
  const Compiler::Lookup fn = lookup;
  auto compile_expr = [&](const std::string& text, const std::string& where) -> Result<Program> {
    return Compiler(text, fn, where).compile();
  };
  for (std::size_t i = 0; i < plan.lets.size(); ++i) {
    p.m_lets.push_back(KJIT_TRY(compile_expr(plan.lets[i].expr, str_cat("/lets/", i, " (", plan.lets[i].name, ")"))));
    p.m_let_names.push_back(plan.lets[i].name);
  }
  for (std::size_t i = 0; i < plan.workspace.size(); ++i) {
    p.m_workspace.push_back(plan.workspace[i]);
    p.m_workspace_bytes.push_back(KJIT_TRY(compile_expr(plan.workspace[i].bytes, str_cat("/workspace/", i, "/bytes"))));
  }
  for (std::size_t li = 0; li < plan.launches.size(); ++li) {
    const jit::PlanLaunch& l = plan.launches[li];
    LaunchProgram lp;
    lp.entry = l.entry;
    lp.pdl = l.pdl;
    const std::string at = str_cat("/launches/", li);
    for (int d = 0; d < 3; ++d) {
      lp.grid[static_cast<std::size_t>(d)] = KJIT_TRY(compile_expr(l.grid[static_cast<std::size_t>(d)], str_cat(at, "/grid/", d)));
      lp.block[static_cast<std::size_t>(d)] = KJIT_TRY(compile_expr(l.block[static_cast<std::size_t>(d)], str_cat(at, "/block/", d)));
    }
    lp.shared_bytes = KJIT_TRY(compile_expr(l.shared_bytes, at + "/shared_bytes"));
    p.m_launches.push_back(std::move(lp));
  }
  // The key: var axes read by any expression (the lookups above).
  for (std::size_t a = 0; a < p.m_num_axes; ++a)
    if (reads_axis[a] && !sig.axes()[a].is_const) p.m_key_axes.push_back(static_cast<std::uint16_t>(a));

  // Arguments, in the Kernel ABI's resolution order (arg_pack.h).
  for (std::size_t li = 0; li < plan.launches.size(); ++li) {
    LaunchProgram& lp = p.m_launches[li];
    for (const std::string& name : plan.launches[li].args) {
      ArgRecipe r;
      if (int t = sig.find_tensor(name); t >= 0) {
        r = {ArgRecipe::tensor, static_cast<std::uint16_t>(t), 8};
      } else if (int s = sig.find_scalar(name); s >= 0) {
        const auto bytes = ScalarArg{sig.scalars()[static_cast<std::size_t>(s)].dtype, 0}.size();
        r = {ArgRecipe::scalar, static_cast<std::uint16_t>(s), static_cast<std::uint8_t>(bytes)};
      } else if (int a = sig.find_axis(name); a >= 0) {
        const bool var = !sig.axes()[static_cast<std::size_t>(a)].is_const;
        r = {var ? ArgRecipe::var_axis : ArgRecipe::slot, static_cast<std::uint16_t>(a), 8};
      } else if (int slot = lookup(name); slot >= 0) {  // num_sms or a let
        r = {ArgRecipe::slot, static_cast<std::uint16_t>(slot), 8};
      } else {
        auto ws = std::find_if(plan.workspace.begin(), plan.workspace.end(), [&](const auto& w) { return w.name == name; });
        if (ws == plan.workspace.end())
          return fail(ErrorCode::invalid_argument,
                      str_cat("launch plan: argument '", name, "' of kernel '", lp.entry,
                              "' is not a tensor, scalar, axis, let or workspace buffer of the definition"));
        r = {ArgRecipe::workspace, static_cast<std::uint16_t>(ws - plan.workspace.begin()), 8};
      }
      lp.arg_names.push_back(name);
      lp.args.push_back(r);
    }
  }
  return p;
}

Result<void> PlanProgram::evaluate(const std::int64_t* axes, std::int64_t num_sms, PlanValues& out) const {
  out.slots.resize(num_slots());
  std::copy(axes, axes + m_num_axes, out.slots.begin());
  out.slots[m_num_axes] = num_sms;
  for (std::size_t i = 0; i < m_lets.size(); ++i) out.slots[m_num_axes + 1 + i] = KJIT_TRY(run(m_lets[i], out.slots.data()));
  out.workspace_offset.resize(m_workspace.size());
  out.workspace_bytes.resize(m_workspace.size());
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < m_workspace.size(); ++i) {
    const std::int64_t bytes = KJIT_TRY(run(m_workspace_bytes[i], out.slots.data()));
    if (bytes < 0)
      return fail(ErrorCode::invalid_argument, str_cat("launch plan: workspace '", m_workspace[i].name, "' has negative size (",
                                                       bytes, ")"));
    out.workspace_offset[i] = total;
    out.workspace_bytes[i] = static_cast<std::uint64_t>(bytes);
    total += (static_cast<std::uint64_t>(bytes) + k_workspace_alignment - 1) / k_workspace_alignment * k_workspace_alignment;
  }
  out.workspace_total = total;
  out.launches.resize(m_launches.size());
  for (std::size_t li = 0; li < m_launches.size(); ++li) {
    const LaunchProgram& lp = m_launches[li];
    LaunchGeometry& g = out.launches[li];
    for (std::size_t d = 0; d < 3; ++d) {
      g.grid[d] = KJIT_TRY(to_u32(KJIT_TRY(run(lp.grid[d], out.slots.data())), lp.entry, "grid"));
      g.block[d] = KJIT_TRY(to_u32(KJIT_TRY(run(lp.block[d], out.slots.data())), lp.entry, "block"));
    }
    g.shared_bytes = KJIT_TRY(to_u32(KJIT_TRY(run(lp.shared_bytes, out.slots.data())), lp.entry, "shared_bytes"));
    g.skipped = g.grid[0] == 0 || g.grid[1] == 0 || g.grid[2] == 0;
  }
  return {};
}

}  // namespace kjit::runtime
