// Frame analysis (see frames.h).
//
// Thread safety: pure function over a tree being built.
#include "jit/template/frames.h"

#include <set>
#include <string>
#include <vector>

namespace kjit::jit::detail {
namespace {

using Names = std::set<std::string>;

// Receives loads and stores in visit order.
struct Sink {
  virtual ~Sink() = default;
  virtual void load(const std::string& name) = 0;
  virtual void store(const std::string& name) = 0;
};

struct FrameSink final : Sink {
  const std::vector<const Names*>& ancestors;
  Names refs;
  std::vector<std::string> undefined_init;
  std::vector<StmtPtr*> nested;  // for/macro statements: frames of their own
  explicit FrameSink(const std::vector<const Names*>& a) : ancestors(a) {}
  void load(const std::string& n) override { refs.insert(n); }
  void store(const std::string& n) override {
    if (!refs.insert(n).second) return;
    for (const Names* a : ancestors)
      if (a->count(n)) return;  // aliases an outer variable
    undefined_init.push_back(n);
  }
};

// Stores inside one `if` branch are collected; loads go straight through.
struct BranchSink final : Sink {
  Sink& parent;
  Names stores;
  explicit BranchSink(Sink& p) : parent(p) {}
  void load(const std::string& n) override { parent.load(n); }
  void store(const std::string& n) override { stores.insert(n); }
};

void visit_expr(const Expr* e, Sink& s) {
  if (!e) return;
  switch (e->kind) {
    case ExprKind::literal: return;
    case ExprKind::name: s.load(static_cast<const NameExpr*>(e)->name); return;
    case ExprKind::getattr: visit_expr(static_cast<const GetattrExpr*>(e)->object.get(), s); return;
    case ExprKind::getitem: {
      auto* g = static_cast<const GetitemExpr*>(e);
      visit_expr(g->object.get(), s);
      visit_expr(g->index.get(), s);
      return;
    }
    case ExprKind::slice: {
      auto* g = static_cast<const SliceExpr*>(e);
      visit_expr(g->object.get(), s);
      visit_expr(g->start.get(), s);
      visit_expr(g->stop.get(), s);
      visit_expr(g->step.get(), s);
      return;
    }
    case ExprKind::call: {
      auto* c = static_cast<const CallExpr*>(e);
      visit_expr(c->callee.get(), s);
      for (const auto& a : c->args) visit_expr(a.get(), s);
      for (const auto& k : c->kwargs) visit_expr(k.value.get(), s);
      return;
    }
    case ExprKind::filter: {
      auto* f = static_cast<const FilterExpr*>(e);
      visit_expr(f->input.get(), s);
      for (const auto& a : f->args) visit_expr(a.get(), s);
      for (const auto& k : f->kwargs) visit_expr(k.value.get(), s);
      return;
    }
    case ExprKind::test: {
      auto* t = static_cast<const TestExpr*>(e);
      visit_expr(t->input.get(), s);
      for (const auto& a : t->args) visit_expr(a.get(), s);
      for (const auto& k : t->kwargs) visit_expr(k.value.get(), s);
      return;
    }
    case ExprKind::neg:
    case ExprKind::pos:
    case ExprKind::not_: visit_expr(static_cast<const UnaryExpr*>(e)->operand.get(), s); return;
    case ExprKind::binary: {
      auto* b = static_cast<const BinaryExpr*>(e);
      visit_expr(b->left.get(), s);
      visit_expr(b->right.get(), s);
      return;
    }
    case ExprKind::and_:
    case ExprKind::or_: {
      auto* l = static_cast<const LogicalExpr*>(e);
      visit_expr(l->left.get(), s);
      visit_expr(l->right.get(), s);
      return;
    }
    case ExprKind::compare: {
      auto* c = static_cast<const CompareExpr*>(e);
      visit_expr(c->first.get(), s);
      for (const auto& o : c->rest) visit_expr(o.expr.get(), s);
      return;
    }
    case ExprKind::cond: {
      auto* c = static_cast<const CondExpr*>(e);
      visit_expr(c->then.get(), s);
      visit_expr(c->test.get(), s);
      visit_expr(c->otherwise.get(), s);
      return;
    }
    case ExprKind::list:
      for (const auto& i : static_cast<const ListExpr*>(e)->items) visit_expr(i.get(), s);
      return;
    case ExprKind::dict:
      for (const auto& [k, v] : static_cast<const DictExpr*>(e)->items) {
        visit_expr(k.get(), s);
        visit_expr(v.get(), s);
      }
      return;
    case ExprKind::concat:
      for (const auto& i : static_cast<const ConcatExpr*>(e)->items) visit_expr(i.get(), s);
      return;
  }
}

void visit_target(const Target& t, Sink& s) {
  if (!t.attr.empty()) {
    s.load(t.names[0]);
    return;
  }
  for (const auto& n : t.names) s.store(n);
}

void visit_body(StmtList& body, Sink& s, FrameSink& frame);

void visit_stmt(StmtPtr& p, Sink& s, FrameSink& frame) {
  Stmt& st = *p;
  switch (st.kind) {
    case StmtKind::text: return;
    case StmtKind::output: visit_expr(static_cast<OutputStmt&>(st).expr.get(), s); return;
    case StmtKind::include: visit_expr(static_cast<IncludeStmt&>(st).name.get(), s); return;
    case StmtKind::set: {
      auto& set = static_cast<SetStmt&>(st);
      visit_expr(set.value.get(), s);
      visit_target(set.target, s);
      return;
    }
    case StmtKind::set_block: {
      auto& set = static_cast<SetBlockStmt&>(st);
      visit_body(set.body, s, frame);
      visit_target(set.target, s);
      return;
    }
    case StmtKind::macro:
      s.store(static_cast<MacroStmt&>(st).name);
      frame.nested.push_back(&p);
      return;
    case StmtKind::for_:
      visit_expr(static_cast<ForStmt&>(st).iter.get(), s);
      frame.nested.push_back(&p);
      return;
    case StmtKind::if_: {
      auto& i = static_cast<IfStmt&>(st);
      std::vector<Names> branch_stores;
      for (auto& [cond, body] : i.branches) {
        visit_expr(cond.get(), s);
        BranchSink b(s);
        visit_body(body, b, frame);
        branch_stores.push_back(std::move(b.stores));
      }
      BranchSink b(s);
      visit_body(i.otherwise, b, frame);
      branch_stores.push_back(std::move(b.stores));
      Names all;
      for (const auto& bs : branch_stores) all.insert(bs.begin(), bs.end());
      for (const auto& n : all) {
        bool everywhere = true;
        for (const auto& bs : branch_stores) everywhere = everywhere && bs.count(n);
        // Stored in every branch: a plain store; in some: resolved (a load).
        if (everywhere) s.store(n);
        else s.load(n);
      }
      return;
    }
  }
}

void visit_body(StmtList& body, Sink& s, FrameSink& frame) {
  for (auto& p : body) visit_stmt(p, s, frame);
}

void analyze(StmtList& body, std::vector<const Names*>& ancestors, const std::vector<std::string>& pre_stores) {
  FrameSink frame(ancestors);
  for (const auto& n : pre_stores) frame.store(n);
  visit_body(body, frame, frame);
  ancestors.push_back(&frame.refs);
  for (StmtPtr* p : frame.nested) {
    if ((*p)->kind == StmtKind::for_) {
      auto& f = static_cast<ForStmt&>(**p);
      f.frame_assigned = frame.undefined_init;
      std::vector<std::string> pre = f.target.names;
      pre.push_back("loop");
      analyze(f.body, ancestors, pre);
      analyze(f.otherwise, ancestors, {});
    } else {
      auto& m = static_cast<MacroStmt&>(**p);
      m.frame_assigned = frame.undefined_init;
      std::vector<std::string> pre;
      for (const auto& param : m.params) pre.push_back(param.name);
      analyze(m.body, ancestors, pre);
    }
  }
  ancestors.pop_back();
}

}  // namespace

void analyze_frames(StmtList& body) {
  std::vector<const Names*> ancestors;
  analyze(body, ancestors, {});
}

}  // namespace kjit::jit::detail
