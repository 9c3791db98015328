// Input profiles (see input_profiles.h).
//
// Thread safety: functions only.
#include "runtime/input_profiles.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "runtime/input_profiles_moe.h"

namespace kjit::runtime {
namespace {

const std::vector<std::string>& sampling_cases() {
  static const std::vector<std::string> cases = {"onehot", "uniform", "ties", "sparse", "unfiltered", "tiny_p",
                                                 "max_ties"};
  return cases;
}

HostTensor* find_mut(InputSet& set, std::string_view name) {
  for (auto& [n, t] : set.inputs)
    if (n == name) return &t;
  return nullptr;
}

void shuffle(std::vector<std::int64_t>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i)
    std::swap(v[i - 1], v[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(i) - 1))]);
}

// Softmax of N(0, 1) draws, in double.
std::vector<double> softmax_row(std::int64_t n, Rng& rng) {
  std::vector<double> row(static_cast<std::size_t>(n));
  double mx = -INFINITY, sum = 0;
  for (auto& v : row) mx = std::max(mx, v = rng.normal());
  for (auto& v : row) sum += (v = std::exp(v - mx));
  for (auto& v : row) v /= sum;
  return row;
}

struct RowCase {
  std::vector<double> probs;
  std::int64_t k = 0;
  double p = 0.5;
};

RowCase make_case(const std::string& name, std::int64_t vocab, Rng& rng) {
  RowCase c;
  c.probs.assign(static_cast<std::size_t>(vocab), 0.0);
  c.p = 0.05 + 0.9 * rng.uniform01();
  if (name == "onehot") {
    c.probs[static_cast<std::size_t>(rng.uniform_int(0, vocab - 1))] = 1.0;
    c.k = rng.uniform_int(1, 64);
  } else if (name == "uniform") {
    std::fill(c.probs.begin(), c.probs.end(), 1.0 / static_cast<double>(vocab));
    c.k = rng.uniform_int(1, std::min<std::int64_t>(2048, vocab));
  } else if (name == "ties") {
    std::vector<std::int64_t> tokens(static_cast<std::size_t>(vocab));
    std::iota(tokens.begin(), tokens.end(), std::int64_t{0});
    shuffle(tokens, rng);
    std::vector<std::int64_t> level_size;
    std::int64_t used = 0;
    for (int j = 0; used < vocab; ++j) {
      const std::int64_t size = std::min<std::int64_t>(std::int64_t{16} << std::min(j, 40), vocab - used);
      level_size.push_back(size);
      used += size;
    }
    double total = 0;
    std::vector<double> level_value(level_size.size());
    for (std::size_t j = 0; j < level_size.size(); ++j) {
      level_value[j] = std::ldexp(1.0, -static_cast<int>(std::min<std::size_t>(j, 60)));
      total += level_value[j] * static_cast<double>(level_size[j]);
    }
    std::size_t at = 0;
    for (std::size_t j = 0; j < level_size.size(); ++j)
      for (std::int64_t i = 0; i < level_size[j]; ++i) c.probs[static_cast<std::size_t>(tokens[at++])] = level_value[j] / total;
    const std::int64_t top = level_size[0];
    const std::int64_t second = level_size.size() > 1 ? level_size[1] : 0;
    c.k = std::clamp<std::int64_t>(top + second / 2, 1, std::max<std::int64_t>(1, vocab - 1));
    const double mass0 = level_value[0] * static_cast<double>(top) / total;
    const double mass1 = level_size.size() > 1 ? level_value[1] * static_cast<double>(second) / total : 0;
    c.p = std::clamp(mass0 + 0.5 * mass1, 1e-3, 0.999);
  } else if (name == "sparse") {
    std::vector<double> normal = softmax_row(vocab, rng);
    std::int64_t positive = 0;
    for (std::int64_t i = 0; i < vocab; ++i) {
      const double u = rng.uniform01();
      if (u < 0.5) {
        c.probs[static_cast<std::size_t>(i)] = 0.0;
      } else if (u < 0.6) {
        c.probs[static_cast<std::size_t>(i)] = std::ldexp(1.0 + rng.uniform01(), -140);  // float32 denormal
      } else {
        c.probs[static_cast<std::size_t>(i)] = normal[static_cast<std::size_t>(i)];
        ++positive;
      }
    }
    double sum = 0;
    for (double v : c.probs) sum += v;
    if (sum > 0)
      for (double& v : c.probs) v = v >= std::ldexp(1.0, -126) ? v / sum : v;
    c.k = std::clamp<std::int64_t>(positive + (vocab - positive) * 3 / 4, 1, std::max<std::int64_t>(1, vocab - 1));
  } else if (name == "unfiltered") {
    c.probs = softmax_row(vocab, rng);
    c.k = vocab;
    c.p = 1.0;
  } else if (name == "tiny_p") {
    c.probs = softmax_row(vocab, rng);
    c.k = rng.uniform_int(1, 1024);
    c.p = 1e-7;
  } else {  // max_ties
    c.probs = softmax_row(vocab, rng);
    const auto top = std::max_element(c.probs.begin(), c.probs.end()) - c.probs.begin();
    if (vocab > 1) {  // another token, chosen among the other vocab - 1
      std::int64_t other = rng.uniform_int(0, vocab - 2);
      if (other >= top) ++other;
      c.probs[static_cast<std::size_t>(other)] = c.probs[static_cast<std::size_t>(top)];
    }
    c.k = 1;
    c.p = 0.0;
  }
  return c;
}

Result<void> apply_sampling(const jit::Definition& def, std::string_view profile, InputSet& set, Rng& rng) {
  HostTensor* probs = find_mut(set, "probs");
  if (!probs || probs->shape.size() != 2 || probs->dtype != Dtype::float32)
    return fail(ErrorCode::invalid_argument, def.name + ": input profile '" + std::string(profile) +
                                                 "' needs a float32 probs input [batch_size, vocab_size]");
  HostTensor* top_k = find_mut(set, "top_k");
  HostTensor* top_p = find_mut(set, "top_p");
  const std::int64_t batch = probs->shape[0], vocab = probs->shape[1];
  const auto& cases = sampling_cases();
  for (std::int64_t r = 0; r < batch; ++r) {
    const std::string& name = profile == "edge" ? cases[static_cast<std::size_t>(r) % cases.size()] : std::string(profile);
    RowCase c = make_case(name, vocab, rng);
    for (std::int64_t i = 0; i < vocab; ++i) probs->set(r * vocab + i, c.probs[static_cast<std::size_t>(i)]);
    if (top_k && top_k->numel() > r) top_k->set_int(r, c.k);
    if (top_p && top_p->numel() > r) top_p->set(r, c.p);
  }
  set.notes.push_back("inputs: profile '" + std::string(profile) + "' (runtime/input_profiles.h)");
  return {};
}

// dsa_paged indexer, "ties": token t of every page becomes a copy of token t % 4 of page 0
// (FP8 bytes and scale; page layout in runtime/reference/dsa.h), so a row's scores take at
// most 4 values and the topk-th score of a long row is tied with many others.
Result<void> apply_dsa_ties(const jit::Definition& def, InputSet& set) {
  HostTensor* cache = find_mut(set, "k_index_cache_fp8");
  if (!cache || cache->shape.size() != 4 || cache->dtype != Dtype::int8 || cache->shape[3] <= 4)
    return fail(ErrorCode::invalid_argument,
                def.name + ": input profile 'ties' needs an int8 k_index_cache_fp8 [num_pages, page_size, 1, dim + 4]");
  const std::int64_t pages = cache->shape[0], ps = cache->shape[1], dim = cache->shape[3] - 4;
  const std::int64_t page_bytes = ps * (dim + 4), distinct = std::min<std::int64_t>(4, ps);
  std::uint8_t* bytes = cache->bytes.data();
  for (std::int64_t p = 0; p < pages; ++p) {
    for (std::int64_t t = 0; t < ps; ++t) {
      const std::int64_t src = t % distinct;
      if (p == 0 && t == src) continue;
      std::uint8_t* page = bytes + p * page_bytes;
      std::memcpy(page + t * dim, bytes + src * dim, static_cast<std::size_t>(dim));
      std::memcpy(page + ps * dim + 4 * t, bytes + ps * dim + 4 * src, 4);
    }
  }
  set.notes.push_back("inputs: profile 'ties' (runtime/input_profiles.h)");
  return {};
}

bool is_dsa_indexer(const jit::Definition& def) {
  return def.op_type == "dsa_paged" && def.find_input("k_index_cache_fp8") != nullptr;
}

}  // namespace

std::vector<std::string> input_profiles(const jit::Definition& def) {
  if (is_dsa_indexer(def)) return {"ties"};
  if (def.op_type == "moe") return moe_input_profiles(def);
  if (def.op_type != "sampling") return {};
  std::vector<std::string> names = sampling_cases();
  names.push_back("edge");
  return names;
}

Result<void> apply_input_profile(const jit::Definition& def, std::string_view profile, InputSet& set, Rng& rng) {
  const std::vector<std::string> names = input_profiles(def);
  if (std::find(names.begin(), names.end(), profile) == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    return fail(ErrorCode::invalid_argument,
                def.name + ": no input profile '" + std::string(profile) + "' for op_type '" + def.op_type + "'" +
                    (known.empty() ? std::string(" (it has none)") : " (profiles: " + known + ")"));
  }
  if (def.op_type == "sampling") return apply_sampling(def, profile, set, rng);
  if (is_dsa_indexer(def)) return apply_dsa_ties(def, set);
  if (def.op_type == "moe") return apply_moe_input_profile(def, profile, set, rng);
  return {};
}

}  // namespace kjit::runtime
