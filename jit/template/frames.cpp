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

#include "jit/template/ast_walk.h"
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

void scan_expr(const Expr* e, Undeclared& u) {
  if (!e) return;
  if (e->kind == ExprKind::name) u.name(static_cast<const NameExpr*>(e)->name, true);
  else for_each_child(*e, [&u](const ExprPtr& c) { scan_expr(c.get(), u); });
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
  for_each_part(s, Overloaded{[&u](const ExprPtr& e) { scan_expr(e.get(), u); },
                              [&u](const StmtList& b) { scan_body(b, u); },
                              [&u](const Target& t) { scan_target(t, u); },
                              [&u](const MacroStmt& m) { scan_macro(m, u); }});
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
  if (e->kind == ExprKind::name) f.load(static_cast<const NameExpr*>(e)->name);
  else for_each_child(*e, [this](const ExprPtr& c) { collect(c.get()); });
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
