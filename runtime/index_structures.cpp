// Sequence planning and index-structure tensors; see index_structures.h for
// the invariants.
#include "runtime/index_structures.h"

#include <algorithm>
#include <numeric>
#include <unordered_set>

namespace kjit::runtime {
namespace {

std::optional<std::int64_t> lookup(const AxisValues& axes, const std::string& name) {
  const auto it = axes.find(name);
  if (it == axes.end()) return std::nullopt;
  return it->second;
}

// Sets `name` to `value` when the definition has that axis; fails when the
// axis was already bound to something else.
Result<void> bind_axis(const jit::Definition& def, AxisValues& axes, const std::string& name,
                  std::int64_t value, const std::string& why) {
  if (!def.find_axis(name)) return {};
  const auto it = axes.find(name);
  if (it != axes.end() && it->second != value) {
    return fail(ErrorCode::invalid_argument,
                def.name + ": axis " + name + "=" + std::to_string(it->second) +
                    " contradicts " + why + " (which gives " + std::to_string(value) + ")");
  }
  axes[name] = value;
  return {};
}


std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

std::vector<std::int64_t> distinct_ids(std::int64_t count, std::int64_t pool, Rng& rng) {
  std::vector<std::int64_t> out;
  if (count <= 0) return out;
  if (pool <= 4 * count) {
    std::vector<std::int64_t> all(static_cast<std::size_t>(pool));
    std::iota(all.begin(), all.end(), 0);
    for (std::int64_t i = 0; i < count; ++i) {  // partial Fisher-Yates
      const std::int64_t j = rng.uniform_int(i, pool - 1);
      std::swap(all[static_cast<std::size_t>(i)], all[static_cast<std::size_t>(j)]);
    }
    all.resize(static_cast<std::size_t>(count));
    return all;
  }
  std::unordered_set<std::int64_t> seen;
  while (static_cast<std::int64_t>(out.size()) < count) {
    const std::int64_t id = rng.uniform_int(0, pool - 1);
    if (seen.insert(id).second) out.push_back(id);
  }
  return out;
}

std::int64_t SequencePlan::total_q() const { return std::accumulate(q_lens.begin(), q_lens.end(), std::int64_t{0}); }
std::int64_t SequencePlan::total_kv() const { return std::accumulate(kv_lens.begin(), kv_lens.end(), std::int64_t{0}); }
std::int64_t SequencePlan::num_kv_indices() const { return std::accumulate(pages.begin(), pages.end(), std::int64_t{0}); }

std::optional<IndexLayout> detect_index_layout(const jit::Definition& definition) {
  if (!definition.find_input("kv_indptr")) return std::nullopt;
  IndexLayout l;
  l.has_kv_indptr = true;
  l.has_qo_indptr = definition.find_input("qo_indptr") != nullptr;
  l.paged = definition.find_input("kv_indices") != nullptr;
  l.has_last_page_len = definition.find_input("kv_last_page_len") != nullptr;
  l.page_size = definition.const_value("page_size").value_or(1);
  if (l.page_size < 1) l.page_size = 1;
  return l;
}

std::vector<std::int64_t> random_split(std::int64_t total, std::int64_t parts, std::int64_t min_each,
                                       Rng& rng) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(std::max<std::int64_t>(parts, 0)), 0);
  if (parts <= 0) return out;
  if (total < parts * min_each) {  // as even as possible
    for (std::int64_t i = 0; i < parts; ++i) out[static_cast<std::size_t>(i)] = total / parts + (i < total % parts ? 1 : 0);
    return out;
  }
  const std::int64_t rest = total - parts * min_each;
  std::vector<std::int64_t> cuts(static_cast<std::size_t>(parts - 1));
  for (auto& c : cuts) c = rng.uniform_int(0, rest);
  std::sort(cuts.begin(), cuts.end());
  std::int64_t prev = 0;
  for (std::int64_t i = 0; i < parts; ++i) {
    const std::int64_t cut = i + 1 < parts ? cuts[static_cast<std::size_t>(i)] : rest;
    out[static_cast<std::size_t>(i)] = min_each + (cut - prev);
    prev = cut;
  }
  return out;
}

Result<SequencePlan> plan_sequences(const jit::Definition& def, const IndexLayout& layout,
                                    AxisValues& axes, const SequenceOptions& options, Rng& rng) {
  SequencePlan plan;
  plan.layout = layout;
  const std::int64_t page = layout.page_size;

  std::optional<std::int64_t> batch = lookup(axes, "batch_size");
  if (const auto len = lookup(axes, "len_indptr")) {
    if (*len < 1) {
      return fail(ErrorCode::invalid_argument, def.name + ": len_indptr must be >= 1 (batch_size + 1)");
    }
    if (batch && *batch != *len - 1) {
      return fail(ErrorCode::invalid_argument,
                  def.name + ": len_indptr=" + std::to_string(*len) + " must be batch_size + 1 (batch_size=" +
                      std::to_string(*batch) + ")");
    }
    batch = *len - 1;
  }
  const std::int64_t b = batch.value_or(k_default_batch_size);
  KJIT_TRY_VOID(bind_axis(def, axes, "batch_size", b, "len_indptr - 1"));
  KJIT_TRY_VOID(bind_axis(def, axes, "len_indptr", b + 1, "batch_size + 1"));
  plan.batch_size = b;
  const std::int64_t first = options.include_empty && b > 0 ? 1 : 0;  // sequences [first, b) are active
  const std::int64_t active = b - first;
  const auto ub = static_cast<std::size_t>(b);
  plan.q_lens.assign(ub, 0);
  plan.kv_lens.assign(ub, 0);
  auto set_active = [&](std::vector<std::int64_t>& v, const std::vector<std::int64_t>& parts) {
    for (std::int64_t i = 0; i < active; ++i) v[static_cast<std::size_t>(first + i)] = parts[static_cast<std::size_t>(i)];
  };

  // Query lengths.
  if (!layout.has_qo_indptr) {
    std::fill(plan.q_lens.begin(), plan.q_lens.end(), 1);  // decode: one query row per sequence
  } else if (const auto total_q = lookup(axes, "total_q")) {
    set_active(plan.q_lens, random_split(*total_q, active, 1, rng));
    if (active == 0 && *total_q != 0) {
      return fail(ErrorCode::invalid_argument, def.name + ": total_q=" + std::to_string(*total_q) +
                                                   " needs at least one non-empty sequence");
    }
  } else {
    const std::int64_t q = options.q_len.value_or(k_default_q_len);
    set_active(plan.q_lens, std::vector<std::int64_t>(static_cast<std::size_t>(active), q));
  }
  const bool causal_q = layout.has_qo_indptr;
  auto kv_want = [&](std::int64_t i) {  // kv tokens when nothing fixes the total
    if (options.kv_len) return *options.kv_len;
    return std::max(k_default_kv_len, plan.q_lens[static_cast<std::size_t>(i)]);
  };

  if (layout.paged) {
    plan.pages.assign(ub, 0);
    plan.last_page_len.assign(ub, 0);
    if (const auto given = lookup(axes, "num_kv_indices")) {
      std::vector<std::int64_t> need(static_cast<std::size_t>(active));
      std::int64_t need_sum = 0;
      for (std::int64_t i = 0; i < active; ++i) {
        const std::int64_t q = plan.q_lens[static_cast<std::size_t>(first + i)];
        need[static_cast<std::size_t>(i)] = std::max<std::int64_t>(1, causal_q ? ceil_div(q, page) : 1);
        need_sum += need[static_cast<std::size_t>(i)];
      }
      std::vector<std::int64_t> parts;
      if (need_sum <= *given) {
        parts = random_split(*given - need_sum, active, 0, rng);
        for (std::int64_t i = 0; i < active; ++i) parts[static_cast<std::size_t>(i)] += need[static_cast<std::size_t>(i)];
      } else {
        parts = random_split(*given, active, 1, rng);
      }
      if (active == 0 && *given != 0) {
        return fail(ErrorCode::invalid_argument, def.name + ": num_kv_indices=" + std::to_string(*given) +
                                                     " needs at least one non-empty sequence");
      }
      set_active(plan.pages, parts);
      for (std::int64_t i = first; i < b; ++i) {
        const auto s = static_cast<std::size_t>(i);
        if (plan.pages[s] == 0) continue;
        std::int64_t lo = causal_q ? plan.q_lens[s] - (plan.pages[s] - 1) * page : 1;
        lo = std::clamp<std::int64_t>(lo, 1, page);
        plan.last_page_len[s] = page == 1 ? 1 : rng.uniform_int(lo, page);
      }
    } else {
      for (std::int64_t i = first; i < b; ++i) {
        const auto s = static_cast<std::size_t>(i);
        const std::int64_t kv = kv_want(i);
        plan.pages[s] = ceil_div(kv, page);
        plan.last_page_len[s] = kv == 0 ? 0 : kv - (plan.pages[s] - 1) * page;
      }
    }
    for (std::size_t s = 0; s < ub; ++s) {
      plan.kv_lens[s] = plan.pages[s] == 0 ? 0 : (plan.pages[s] - 1) * page + plan.last_page_len[s];
    }
    const std::int64_t n = plan.num_kv_indices();
    KJIT_TRY_VOID(bind_axis(def, axes, "num_kv_indices", n, "the planned pages"));
    if (const auto pool = lookup(axes, "num_pages")) {
      if (*pool < n) {
        // Real workloads contain this (num_pages 0 with 2 indices): the pool
        // is raised so page ids stay distinct and in range.
        plan.notes.push_back("num_pages=" + std::to_string(*pool) + " is smaller than num_kv_indices=" +
                             std::to_string(n) + "; raised to " + std::to_string(n) +
                             " so page ids are distinct");
        axes["num_pages"] = n;
        plan.num_pages = n;
      } else {
        plan.num_pages = *pool;
      }
    } else {
      plan.num_pages = std::max<std::int64_t>(n, 1);
      KJIT_TRY_VOID(bind_axis(def, axes, "num_pages", plan.num_pages, "num_kv_indices"));
    }
    plan.page_ids = distinct_ids(n, plan.num_pages, rng);
  } else {
    if (const auto total_kv = lookup(axes, "total_kv")) {
      std::int64_t q_sum = 0;
      for (std::int64_t i = first; i < b; ++i) q_sum += plan.q_lens[static_cast<std::size_t>(i)];
      std::vector<std::int64_t> parts;
      if (q_sum <= *total_kv) {
        parts = random_split(*total_kv - q_sum, active, 0, rng);
        for (std::int64_t i = 0; i < active; ++i) parts[static_cast<std::size_t>(i)] += plan.q_lens[static_cast<std::size_t>(first + i)];
      } else {
        parts = random_split(*total_kv, active, 1, rng);
      }
      set_active(plan.kv_lens, parts);
    } else {
      for (std::int64_t i = first; i < b; ++i) plan.kv_lens[static_cast<std::size_t>(i)] = kv_want(i);
    }
    KJIT_TRY_VOID(bind_axis(def, axes, "total_kv", plan.total_kv(), "the planned kv lengths"));
  }
  if (layout.has_qo_indptr) KJIT_TRY_VOID(bind_axis(def, axes, "total_q", plan.total_q(), "the planned query lengths"));
  for (std::size_t s = 0; s < ub; ++s) {
    if (layout.has_qo_indptr && plan.kv_lens[s] < plan.q_lens[s]) ++plan.causal_shortfall;
  }
  return plan;
}

std::optional<HostTensor> build_index_tensor(const SequencePlan& plan, std::string_view name,
                                             Dtype dtype, const std::vector<std::int64_t>& shape) {
  std::vector<std::int64_t> values;
  auto cumsum = [&](const std::vector<std::int64_t>& lens) {
    values.push_back(0);
    for (std::int64_t v : lens) values.push_back(values.back() + v);
  };
  if (name == "qo_indptr") {
    cumsum(plan.q_lens);
  } else if (name == "kv_indptr") {
    cumsum(plan.layout.paged ? plan.pages : plan.kv_lens);
  } else if (name == "kv_indices") {
    values = plan.page_ids;
  } else if (name == "kv_last_page_len") {
    values = plan.last_page_len;
  } else {
    return std::nullopt;
  }
  HostTensor t = HostTensor::zeros(dtype, shape);
  const std::int64_t n = t.numel();
  for (std::int64_t i = 0; i < n; ++i) {
    t.set_int(i, i < static_cast<std::int64_t>(values.size()) ? values[static_cast<std::size_t>(i)] : 1);
  }
  return t;
}

}  // namespace kjit::runtime
