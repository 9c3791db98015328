// Property tests for index structures: hundreds of random attention
// configurations (paged decode/prefill at several page sizes, ragged
// prefill, totals given or free, empty sequences), each checked against every
// invariant by an independent checker; plus every dataset attention workload.
#include <filesystem>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "jit/definition/parse.h"
#include "runtime/inputs.h"

namespace kjit::runtime {
namespace {

using jit::AxisKind;
using jit::Definition;
using jit::TensorSpec;

const std::filesystem::path k_trace = KJIT_SHARED_DIR "/flashinfer-trace";

enum class Kind { paged_decode, paged_prefill, ragged_prefill };

TensorSpec spec(std::string name, std::vector<std::string> shape, Dtype dtype) {
  TensorSpec t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  t.dtype = dtype;
  return t;
}

Definition make_def(Kind kind, std::int64_t page_size) {
  Definition d;
  d.name = "synthetic";
  d.op_type = kind == Kind::ragged_prefill ? "gqa_ragged" : "gqa_paged";
  d.axes.push_back({"num_qo_heads", AxisKind::const_, 2, ""});
  d.axes.push_back({"head_dim", AxisKind::const_, 4, ""});
  for (const char* v : {"batch_size", "len_indptr"}) d.axes.push_back({v, AxisKind::var, 0, ""});
  if (kind == Kind::ragged_prefill) {
    for (const char* v : {"total_q", "total_kv"}) d.axes.push_back({v, AxisKind::var, 0, ""});
    d.inputs = {spec("q", {"total_q", "num_qo_heads", "head_dim"}, Dtype::bfloat16),
                spec("k", {"total_kv", "num_qo_heads", "head_dim"}, Dtype::bfloat16),
                spec("qo_indptr", {"len_indptr"}, Dtype::int32),
                spec("kv_indptr", {"len_indptr"}, Dtype::int32)};
    return d;
  }
  d.axes.push_back({"page_size", AxisKind::const_, page_size, ""});
  for (const char* v : {"num_kv_indices", "num_pages"}) d.axes.push_back({v, AxisKind::var, 0, ""});
  if (kind == Kind::paged_prefill) {
    d.axes.push_back({"total_q", AxisKind::var, 0, ""});
    d.inputs.push_back(spec("q", {"total_q", "num_qo_heads", "head_dim"}, Dtype::bfloat16));
    d.inputs.push_back(spec("qo_indptr", {"len_indptr"}, Dtype::int32));
  } else {
    d.inputs.push_back(spec("q", {"batch_size", "num_qo_heads", "head_dim"}, Dtype::bfloat16));
  }
  d.inputs.push_back(spec("k_cache", {"num_pages", "page_size", "head_dim"}, Dtype::bfloat16));
  d.inputs.push_back(spec("kv_indptr", {"len_indptr"}, Dtype::int32));
  d.inputs.push_back(spec("kv_indices", {"num_kv_indices"}, Dtype::int32));
  d.inputs.push_back(spec("kv_last_page_len", {"batch_size"}, Dtype::int32));
  return d;
}

std::vector<std::int64_t> ints(const HostTensor& t) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = 0; i < t.numel(); ++i) v.push_back(t.get_int(i));
  return v;
}

// Independent checker: returns a description of the first broken invariant,
// or "" when all hold. `expect_causal` demands kv_len >= q_len everywhere.
std::string check(const AxisValues& ax, const std::map<std::string, std::vector<std::int64_t>>& t,
                  std::int64_t page, bool paged, bool decode, bool expect_causal) {
  const std::int64_t b = ax.at("len_indptr") - 1;
  if (ax.contains("batch_size") && ax.at("batch_size") != b) return "len_indptr != batch_size + 1";
  auto check_indptr = [&](const std::vector<std::int64_t>& p, std::int64_t total, const char* n) -> std::string {
    if (static_cast<std::int64_t>(p.size()) != b + 1) return std::string(n) + " size";
    if (p[0] != 0) return std::string(n) + "[0] != 0";
    for (std::size_t i = 1; i < p.size(); ++i) {
      if (p[i] < p[i - 1]) return std::string(n) + " decreases";
    }
    if (p.back() != total) return std::string(n) + "[-1] != total";
    return "";
  };
  std::vector<std::int64_t> q(static_cast<std::size_t>(b), 1), kv(static_cast<std::size_t>(b));
  if (!decode) {
    const auto& qo = t.at("qo_indptr");
    if (auto e = check_indptr(qo, ax.at("total_q"), "qo_indptr"); !e.empty()) return e;
    for (std::int64_t i = 0; i < b; ++i) q[static_cast<std::size_t>(i)] = qo[static_cast<std::size_t>(i + 1)] - qo[static_cast<std::size_t>(i)];
  }
  const auto& kvp = t.at("kv_indptr");
  if (paged) {
    if (auto e = check_indptr(kvp, ax.at("num_kv_indices"), "kv_indptr"); !e.empty()) return e;
    const auto& idx = t.at("kv_indices");
    if (static_cast<std::int64_t>(idx.size()) != ax.at("num_kv_indices")) return "kv_indices size";
    std::set<std::int64_t> seen;
    for (auto id : idx) {
      if (id < 0 || id >= ax.at("num_pages")) return "page id out of range";
      if (!seen.insert(id).second) return "duplicate page id";
    }
    const auto& last = t.at("kv_last_page_len");
    for (std::int64_t i = 0; i < b; ++i) {
      const auto s = static_cast<std::size_t>(i);
      const std::int64_t pages = kvp[s + 1] - kvp[s];
      if (pages == 0) {
        if (last[s] != 0) return "empty sequence with last_page_len != 0";
        kv[s] = 0;
      } else {
        if (last[s] < 1 || last[s] > page) return "last_page_len out of [1, page_size]";
        kv[s] = (pages - 1) * page + last[s];
      }
    }
  } else {
    if (auto e = check_indptr(kvp, ax.at("total_kv"), "kv_indptr"); !e.empty()) return e;
    for (std::int64_t i = 0; i < b; ++i) kv[static_cast<std::size_t>(i)] = kvp[static_cast<std::size_t>(i + 1)] - kvp[static_cast<std::size_t>(i)];
  }
  if (expect_causal && !decode) {
    for (std::int64_t i = 0; i < b; ++i) {
      if (kv[static_cast<std::size_t>(i)] < q[static_cast<std::size_t>(i)]) {
        return "sequence " + std::to_string(i) + " has kv " + std::to_string(kv[static_cast<std::size_t>(i)]) +
               " < q " + std::to_string(q[static_cast<std::size_t>(i)]);
      }
    }
  }
  return "";
}

TEST(IndexStructuresTest, RandomConfigurationsSatisfyEveryInvariant) {
  Rng cfg(12345);
  const std::int64_t page_sizes[] = {1, 16, 64};
  int checked = 0;
  for (int iter = 0; iter < 600; ++iter) {
    const auto kind = static_cast<Kind>(cfg.uniform_int(0, 2));
    const std::int64_t page = page_sizes[cfg.uniform_int(0, 2)];
    const Definition def = make_def(kind, page);
    const bool paged = kind != Kind::ragged_prefill, decode = kind == Kind::paged_decode;
    AxisValues given;
    InputOptions opt;
    opt.seed = static_cast<std::uint64_t>(iter);
    const std::int64_t b = cfg.uniform_int(1, 9);
    bool expect_causal = true;
    if (cfg.uniform_int(0, 1) == 0) {  // totals given, as in workloads
      if (cfg.uniform_int(0, 1)) given["batch_size"] = b; else given["len_indptr"] = b + 1;
      if (!decode) given["total_q"] = cfg.uniform_int(b, b * 40);
      if (paged) {
        const std::int64_t n = cfg.uniform_int(b, b * 12);
        given["num_kv_indices"] = n;
        if (cfg.uniform_int(0, 1)) given["num_pages"] = n + cfg.uniform_int(0, 3 * n);
      } else {
        given["total_kv"] = cfg.uniform_int(b, b * 60);
      }
      expect_causal = false;  // checked below against feasibility
    } else {  // free: the generator chooses lengths
      given["batch_size"] = b;
      if (cfg.uniform_int(0, 1)) opt.sequences.q_len = cfg.uniform_int(1, 100);
      if (cfg.uniform_int(0, 1)) {
        opt.sequences.kv_len = cfg.uniform_int(opt.sequences.q_len.value_or(64), 400);
      }
      opt.sequences.include_empty = cfg.uniform_int(0, 3) == 0;
    }
    auto set = make_inputs(def, nullptr, given, opt);
    ASSERT_TRUE(set.has_value()) << set.error().message;
    const AxisValues& ax = set->binding.values;
    for (const auto& [name, value] : given) ASSERT_EQ(ax.at(name), value) << name;
    std::map<std::string, std::vector<std::int64_t>> t;
    for (const auto& [name, tensor] : set->inputs) {
      if (tensor.dtype == Dtype::int32) t[name] = ints(tensor);
    }
    // Every tensor has the shape its spec gives under the bound axes.
    for (std::size_t k = 0; k < def.inputs.size(); ++k) {
      ASSERT_EQ(set->inputs[k].second.shape, resolve_shape(def.inputs[k], ax, def.name).value());
    }
    if (!expect_causal) {  // causal whenever the totals allow it
      const auto& plan = *set->binding.plan;
      if (paged) {
        std::int64_t need = 0;
        for (auto q : plan.q_lens) need += std::max<std::int64_t>(1, decode ? 1 : (q + page - 1) / page);
        expect_causal = need <= ax.at("num_kv_indices");
      } else {
        expect_causal = plan.total_q() <= ax.at("total_kv");
      }
    }
    const std::string broken = check(ax, t, page, paged, decode, expect_causal);
    ASSERT_EQ(broken, "") << "iteration " << iter << " page " << page << " kind " << int(kind);
    if (opt.sequences.include_empty && b > 0) {
      EXPECT_EQ(set->binding.plan->kv_lens[0], 0);
    }
    if (opt.sequences.q_len && !decode && !opt.sequences.include_empty) {
      EXPECT_EQ(ax.at("total_q"), b * *opt.sequences.q_len);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 600);
}

TEST(IndexStructuresTest, DeterministicPerSeed) {
  const Definition def = make_def(Kind::paged_prefill, 16);
  AxisValues given{{"len_indptr", 5}, {"total_q", 77}, {"num_kv_indices", 40}, {"num_pages", 90}};
  InputOptions a, b;
  a.seed = b.seed = 7;
  auto x = make_inputs(def, nullptr, given, a), y = make_inputs(def, nullptr, given, b);
  ASSERT_TRUE(x && y);
  for (std::size_t k = 0; k < x->inputs.size(); ++k) EXPECT_EQ(x->inputs[k].second.bytes, y->inputs[k].second.bytes);
  b.seed = 8;
  auto z = make_inputs(def, nullptr, given, b);
  EXPECT_NE(x->find("kv_indices")->bytes, z->find("kv_indices")->bytes);
  EXPECT_NE(x->find("q")->bytes, z->find("q")->bytes);
}

TEST(IndexStructuresTest, ContradictoryAxesFailAndSmallPoolIsRaised) {
  const Definition def = make_def(Kind::paged_decode, 1);
  auto r = make_inputs(def, nullptr, {{"batch_size", 4}, {"len_indptr", 9}}, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("len_indptr=9 must be batch_size + 1"), std::string::npos) << r.error().message;
  auto p = make_inputs(def, nullptr, {{"batch_size", 2}, {"num_kv_indices", 10}, {"num_pages", 5}}, {});
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_EQ(p->binding.values.at("num_pages"), 10);  // raised so page ids stay distinct
  EXPECT_NE(p->notes.front().find("num_pages=5"), std::string::npos);
}

// Every attention workload of the dataset binds, and the index structures
// built from its axes satisfy every invariant (blobs are absent).
TEST(IndexStructuresTest, DatasetWorkloadsBindAndValidate) {
  if (!std::filesystem::exists(k_trace / "workloads")) GTEST_SKIP() << "no dataset at " << k_trace;
  int checked = 0, shortfalls = 0;
  for (const char* op : {"gqa_paged", "gqa_ragged", "mla_paged"}) {
    for (const auto& e : std::filesystem::directory_iterator(k_trace / "workloads" / op)) {
      auto def = jit::load_definition_file(k_trace / "definitions" / op / (e.path().stem().string() + ".json"));
      ASSERT_TRUE(def.has_value()) << def.error().message;
      const auto layout = detect_index_layout(*def);
      ASSERT_TRUE(layout.has_value());
      auto workloads = load_workloads(e.path());
      ASSERT_TRUE(workloads.has_value());
      for (const auto& w : *workloads) {
        auto binding = bind_axes(*def, &w, {}, {});
        ASSERT_TRUE(binding.has_value()) << w.origin() << ": " << binding.error().message;
        const AxisValues& ax = binding->values;
        for (const auto& [name, value] : w.axes) {
          if (name != "num_pages") {
            ASSERT_EQ(ax.at(name), value) << w.origin();
          }
        }
        std::map<std::string, std::vector<std::int64_t>> t;
        for (const auto& in : def->inputs) {
          if (in.dtype != Dtype::int32) continue;
          const auto shape = resolve_shape(in, ax, def->name);
          ASSERT_TRUE(shape.has_value()) << shape.error().message;
          t[in.name] = ints(*build_index_tensor(*binding->plan, in.name, in.dtype, *shape));
        }
        if (!layout->has_last_page_len && layout->paged) {
          t["kv_last_page_len"] = binding->plan->last_page_len;
        }
        const std::string broken = check(ax, t, layout->page_size, layout->paged,
                                         !layout->has_qo_indptr, false);
        ASSERT_EQ(broken, "") << w.origin();
        shortfalls += binding->plan->causal_shortfall > 0;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 167 + 36 + 85);
  RecordProperty("causal_shortfall_workloads", shortfalls);
}

}  // namespace
}  // namespace kjit::runtime
