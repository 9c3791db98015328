// Frame analysis (see frames.h): a port of the relevant parts of
// jinja2/idtracking.py (Symbols.store/load/branch_update, FrameSymbolVisitor,
// RootVisitor) and of find_undeclared (UndeclaredNameVisitor, which visits
// node fields in Jinja's order, so the AST walk below keeps that order).
//
// Thread safety: pure function over a tree being built.
#include "jit/template/frames.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "jit/template/template_error.h"

namespace kjit::jit::detail {
namespace {

using Names = std::set<std::string>;

// ---- find_undeclared: which of `names` a subtree loads before storing.

struct Undeclared {
  Names names, found;
  void name(const std::string& n, bool load) {
    if (load && names.count(n)) found.insert(n);
    else names.erase(n);
  }
};

void scan_expr(const Expr* e, Undeclared& u);

void scan_args(const ArgList& a, Undeclared& u) {
  for (const auto& x : a.args) scan_expr(x.get(), u);
  for (const auto& k : a.kwargs) scan_expr(k.value.get(), u);
  scan_expr(a.dyn_args.get(), u);
  scan_expr(a.dyn_kwargs.get(), u);
}

void scan_expr(const Expr* e, Undeclared& u) {
  if (!e) return;
  switch (e->kind) {
    case ExprKind::literal:
    case ExprKind::block_input:
    case ExprKind::error: return;
    case ExprKind::name: u.name(static_cast<const NameExpr*>(e)->name, true); return;
    case ExprKind::getattr: scan_expr(static_cast<const GetattrExpr*>(e)->object.get(), u); return;
    case ExprKind::getitem: {
      auto* g = static_cast<const GetitemExpr*>(e);
      scan_expr(g->object.get(), u);
      scan_expr(g->index.get(), u);
      return;
    }
    case ExprKind::slice: {
      auto* g = static_cast<const SliceExpr*>(e);
      scan_expr(g->object.get(), u);
      scan_expr(g->start.get(), u);
      scan_expr(g->stop.get(), u);
      scan_expr(g->step.get(), u);
      return;
    }
    case ExprKind::call: {
      auto* c = static_cast<const CallExpr*>(e);
      scan_expr(c->callee.get(), u);
      scan_args(c->args, u);
      return;
    }
    case ExprKind::filter: {
      auto* f = static_cast<const FilterExpr*>(e);
      scan_expr(f->input.get(), u);
      scan_args(f->args, u);
      return;
    }
    case ExprKind::test: {
      auto* t = static_cast<const TestExpr*>(e);
      scan_expr(t->input.get(), u);
      scan_args(t->args, u);
      return;
    }
    case ExprKind::neg:
    case ExprKind::pos:
    case ExprKind::not_: scan_expr(static_cast<const UnaryExpr*>(e)->operand.get(), u); return;
    case ExprKind::binary: {
      auto* b = static_cast<const BinaryExpr*>(e);
      scan_expr(b->left.get(), u);
      scan_expr(b->right.get(), u);
      return;
    }
    case ExprKind::and_:
    case ExprKind::or_: {
      auto* l = static_cast<const LogicalExpr*>(e);
      scan_expr(l->left.get(), u);
      scan_expr(l->right.get(), u);
      return;
    }
    case ExprKind::compare: {
      auto* c = static_cast<const CompareExpr*>(e);
      scan_expr(c->first.get(), u);
      for (const auto& o : c->rest) scan_expr(o.expr.get(), u);
      return;
    }
    case ExprKind::cond: {
      auto* c = static_cast<const CondExpr*>(e);
      scan_expr(c->test.get(), u);
      scan_expr(c->then.get(), u);
      scan_expr(c->otherwise.get(), u);
      return;
    }
    case ExprKind::list:
      for (const auto& i : static_cast<const ListExpr*>(e)->items) scan_expr(i.get(), u);
      return;
    case ExprKind::dict:
      for (const auto& [k, v] : static_cast<const DictExpr*>(e)->items) {
        scan_expr(k.get(), u);
        scan_expr(v.get(), u);
      }
      return;
    case ExprKind::concat:
      for (const auto& i : static_cast<const ConcatExpr*>(e)->items) scan_expr(i.get(), u);
      return;
  }
}

void scan_target(const Target& t, Undeclared& u) {
  switch (t.type) {
    case Target::Type::name: u.name(t.name, false); return;
    case Target::Type::ns_attr: return;  // an NSRef is not a Name node
    case Target::Type::tuple:
      for (const auto& i : t.items) scan_target(i, u);
      return;
  }
}

void scan_body(const StmtList& body, Undeclared& u);

void scan_macro(const MacroStmt& m, Undeclared& u) {
  for (const auto& p : m.params) u.name(p.name, false);
  for (const auto& p : m.params) scan_expr(p.default_value.get(), u);
  scan_body(m.body, u);
}

void scan_stmt(const Stmt& s, Undeclared& u) {
  switch (s.kind) {
    case StmtKind::text: return;
    case StmtKind::output: scan_expr(static_cast<const OutputStmt&>(s).expr.get(), u); return;
    case StmtKind::include: scan_expr(static_cast<const IncludeStmt&>(s).name.get(), u); return;
    case StmtKind::if_: {
      const auto& i = static_cast<const IfStmt&>(s);
      for (const auto& [cond, body] : i.branches) {
        scan_expr(cond.get(), u);
        scan_body(body, u);
      }
      scan_body(i.otherwise, u);
      return;
    }
    case StmtKind::for_: {
      const auto& f = static_cast<const ForStmt&>(s);
      scan_target(f.target, u);
      scan_expr(f.iter.get(), u);
      scan_body(f.body, u);
      scan_body(f.otherwise, u);
      scan_expr(f.filter.get(), u);
      return;
    }
    case StmtKind::set: {
      const auto& st = static_cast<const SetStmt&>(s);
      scan_target(st.target, u);
      scan_expr(st.value.get(), u);
      return;
    }
    case StmtKind::set_block: {
      const auto& st = static_cast<const SetBlockStmt&>(s);
      scan_target(st.target, u);
      scan_expr(st.filter.get(), u);
      scan_body(st.body, u);
      return;
    }
    case StmtKind::macro: scan_macro(static_cast<const MacroStmt&>(s), u); return;
    case StmtKind::call_block: {
      const auto& c = static_cast<const CallBlockStmt&>(s);
      scan_expr(c.call.get(), u);
      scan_macro(c.caller, u);
      return;
    }
    case StmtKind::filter_block: {
      const auto& fb = static_cast<const FilterBlockStmt&>(s);
      scan_body(fb.body, u);
      scan_expr(fb.filter.get(), u);
      return;
    }
    case StmtKind::with: {
      const auto& w = static_cast<const WithStmt&>(s);
      for (const auto& [t, v] : w.assignments) scan_target(t, u);
      for (const auto& [t, v] : w.assignments) scan_expr(v.get(), u);
      scan_body(w.body, u);
      return;
    }
  }
}

void scan_body(const StmtList& body, Undeclared& u) {
  for (const auto& s : body) scan_stmt(*s, u);
}

Names find_undeclared(const StmtList& body, Names names) {
  Undeclared u;
  u.names = std::move(names);
  scan_body(body, u);
  return u.found;
}

// Sets the macro's special-argument flags (compiler.py macro_body).
void macro_flags(MacroStmt& m) {
  Names found = find_undeclared(m.body, {"caller", "kwargs", "varargs"});
  bool explicit_caller = false, skip_kwargs = false, skip_varargs = false;
  std::size_t defaults = 0;
  for (const auto& p : m.params) defaults += p.default_value ? 1 : 0;
  for (std::size_t i = 0; i < m.params.size(); ++i) {
    const auto& p = m.params[i];
    if (p.name == "caller") {
      explicit_caller = true;
      if (found.count("caller") && !p.default_value)
        throw_parse_error(
            "When defining macros or call blocks the special 'caller' argument must be omitted or be given a "
            "default.",
            m.offset);
    }
    if (p.name == "kwargs") skip_kwargs = true;
    if (p.name == "varargs") skip_varargs = true;
  }
  m.uses_caller = found.count("caller") && !explicit_caller;
  m.catch_kwargs = found.count("kwargs") && !skip_kwargs;
  m.catch_varargs = found.count("varargs") && !skip_varargs;
}

// ---- frames

struct FrameSyms {
  const std::vector<const Names*>& ancestors;
  Names refs;
  FrameAssigned undefined_init;
  std::vector<std::function<void(std::vector<const Names*>&)>> nested;
  explicit FrameSyms(const std::vector<const Names*>& a) : ancestors(a) {}
  void load(const std::string& n) { refs.insert(n); }
  void param(const std::string& n) { refs.insert(n); }
  void store(const std::string& n, bool in_branch) {
    if (!refs.insert(n).second || in_branch) return;
    for (const Names* a : ancestors)
      if (a->count(n)) return;  // aliases an outer variable
    undefined_init.push_back(n);
  }
};

void analyze_frame(FrameAssigned& out, std::vector<const Names*>& ancestors,
                   const std::function<void(FrameSyms&)>& visit);

struct Visitor {
  FrameSyms& f;
  bool in_branch = false;

  // Every name in an expression is a load.
  void collect(const Expr* e);
  void args(const ArgList& a) {
    for (const auto& x : a.args) collect(x.get());
    for (const auto& k : a.kwargs) collect(k.value.get());
    collect(a.dyn_args.get());
    collect(a.dyn_kwargs.get());
  }
  void target(const Target& t) {
    switch (t.type) {
      case Target::Type::name: f.store(t.name, in_branch); return;
      case Target::Type::ns_attr: f.load(t.name); return;
      case Target::Type::tuple:
        for (const auto& i : t.items) target(i);
        return;
    }
  }
  void body(StmtList& b) {
    for (auto& s : b) stmt(*s);
  }
  void stmt(Stmt& s);
};

void Visitor::collect(const Expr* e) {
  if (!e) return;
  switch (e->kind) {
    case ExprKind::literal:
    case ExprKind::block_input:
    case ExprKind::error: return;
    case ExprKind::name: f.load(static_cast<const NameExpr*>(e)->name); return;
    case ExprKind::getattr: collect(static_cast<const GetattrExpr*>(e)->object.get()); return;
    case ExprKind::getitem: {
      auto* g = static_cast<const GetitemExpr*>(e);
      collect(g->object.get());
      collect(g->index.get());
      return;
    }
    case ExprKind::slice: {
      auto* g = static_cast<const SliceExpr*>(e);
      collect(g->object.get());
      collect(g->start.get());
      collect(g->stop.get());
      collect(g->step.get());
      return;
    }
    case ExprKind::call: {
      auto* c = static_cast<const CallExpr*>(e);
      collect(c->callee.get());
      args(c->args);
      return;
    }
    case ExprKind::filter: {
      auto* fe = static_cast<const FilterExpr*>(e);
      collect(fe->input.get());
      args(fe->args);
      return;
    }
    case ExprKind::test: {
      auto* t = static_cast<const TestExpr*>(e);
      collect(t->input.get());
      args(t->args);
      return;
    }
    case ExprKind::neg:
    case ExprKind::pos:
    case ExprKind::not_: collect(static_cast<const UnaryExpr*>(e)->operand.get()); return;
    case ExprKind::binary: {
      auto* b = static_cast<const BinaryExpr*>(e);
      collect(b->left.get());
      collect(b->right.get());
      return;
    }
    case ExprKind::and_:
    case ExprKind::or_: {
      auto* l = static_cast<const LogicalExpr*>(e);
      collect(l->left.get());
      collect(l->right.get());
      return;
    }
    case ExprKind::compare: {
      auto* c = static_cast<const CompareExpr*>(e);
      collect(c->first.get());
      for (const auto& o : c->rest) collect(o.expr.get());
      return;
    }
    case ExprKind::cond: {
      auto* c = static_cast<const CondExpr*>(e);
      collect(c->test.get());
      collect(c->then.get());
      collect(c->otherwise.get());
      return;
    }
    case ExprKind::list:
      for (const auto& i : static_cast<const ListExpr*>(e)->items) collect(i.get());
      return;
    case ExprKind::dict:
      for (const auto& [k, v] : static_cast<const DictExpr*>(e)->items) {
        collect(k.get());
        collect(v.get());
      }
      return;
    case ExprKind::concat:
      for (const auto& i : static_cast<const ConcatExpr*>(e)->items) collect(i.get());
      return;
  }
}

void target_params(const Target& t, FrameSyms& f) {
  if (t.type == Target::Type::name) f.param(t.name);
  else if (t.type == Target::Type::tuple)
    for (const auto& i : t.items) target_params(i, f);
  else f.load(t.name);
}

void nested_macro(MacroStmt& m, FrameSyms& f) {
  macro_flags(m);
  f.nested.push_back([&m](std::vector<const Names*>& anc) {
    analyze_frame(m.frame_assigned, anc, [&m](FrameSyms& inner) {
      for (const auto& p : m.params) inner.param(p.name);
      if (m.uses_caller) inner.param("caller");
      if (m.catch_kwargs) inner.param("kwargs");
      if (m.catch_varargs) inner.param("varargs");
      Visitor v{inner};
      for (const auto& p : m.params) v.collect(p.default_value.get());
      v.body(m.body);
    });
  });
}

void Visitor::stmt(Stmt& s) {
  switch (s.kind) {
    case StmtKind::text: return;
    case StmtKind::output: collect(static_cast<OutputStmt&>(s).expr.get()); return;
    case StmtKind::include: collect(static_cast<IncludeStmt&>(s).name.get()); return;
    case StmtKind::set: {
      auto& st = static_cast<SetStmt&>(s);
      collect(st.value.get());
      target(st.target);
      return;
    }
    case StmtKind::set_block: {
      auto& st = static_cast<SetBlockStmt&>(s);
      target(st.target);
      f.nested.push_back([&st](std::vector<const Names*>& anc) {
        analyze_frame(st.frame_assigned, anc, [&st](FrameSyms& inner) { Visitor{inner}.body(st.body); });
      });
      return;
    }
    case StmtKind::macro: {
      auto& m = static_cast<MacroStmt&>(s);
      f.store(m.name, in_branch);
      nested_macro(m, f);
      return;
    }
    case StmtKind::call_block: {
      auto& c = static_cast<CallBlockStmt&>(s);
      collect(c.call.get());
      nested_macro(c.caller, f);
      return;
    }
    case StmtKind::filter_block: {
      auto& fb = static_cast<FilterBlockStmt&>(s);
      collect(fb.filter.get());
      f.nested.push_back([&fb](std::vector<const Names*>& anc) {
        analyze_frame(fb.frame_assigned, anc, [&fb](FrameSyms& inner) {
          Visitor v{inner};
          v.collect(fb.filter.get());
          v.body(fb.body);
        });
      });
      return;
    }
    case StmtKind::with: {
      auto& w = static_cast<WithStmt&>(s);
      for (auto& [t, v] : w.assignments) collect(v.get());
      f.nested.push_back([&w](std::vector<const Names*>& anc) {
        analyze_frame(w.frame_assigned, anc, [&w](FrameSyms& inner) {
          for (const auto& [t, v] : w.assignments) target_params(t, inner);
          Visitor{inner}.body(w.body);
        });
      });
      return;
    }
    case StmtKind::for_: {
      auto& fs = static_cast<ForStmt&>(s);
      collect(fs.iter.get());
      fs.uses_loop = fs.recursive || !find_undeclared(fs.body, {"loop"}).empty();
      f.nested.push_back([&fs](std::vector<const Names*>& anc) {
        analyze_frame(fs.frame_assigned, anc, [&fs](FrameSyms& inner) {
          if (fs.uses_loop) inner.param("loop");
          target_params(fs.target, inner);
          Visitor{inner}.body(fs.body);
        });
        analyze_frame(fs.else_frame_assigned, anc, [&fs](FrameSyms& inner) { Visitor{inner}.body(fs.otherwise); });
      });
      return;
    }
    case StmtKind::if_: {
      auto& i = static_cast<IfStmt&>(s);
      bool saved = in_branch;
      collect(i.branches.front().first.get());
      in_branch = true;
      for (std::size_t b = 0; b < i.branches.size(); ++b) {
        if (b > 0) collect(i.branches[b].first.get());
        body(i.branches[b].second);
      }
      body(i.otherwise);
      in_branch = saved;
      return;
    }
  }
}

void analyze_frame(FrameAssigned& out, std::vector<const Names*>& ancestors,
                   const std::function<void(FrameSyms&)>& visit) {
  FrameSyms frame(ancestors);
  visit(frame);
  out = frame.undefined_init;
  ancestors.push_back(&frame.refs);
  for (auto& n : frame.nested) n(ancestors);
  ancestors.pop_back();
}

}  // namespace

bool references_name(const StmtList& body, const std::string& name) { return !find_undeclared(body, {name}).empty(); }

FrameAssigned analyze_frames(StmtList& body) {
  std::vector<const Names*> ancestors;
  FrameAssigned root;
  analyze_frame(root, ancestors, [&body](FrameSyms& f) { Visitor{f}.body(body); });
  return root;
}

}  // namespace kjit::jit::detail
