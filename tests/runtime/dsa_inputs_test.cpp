// Tests for DSA input generation (runtime/dsa_inputs.h) and its perf model
// (runtime/dsa_perf.h): the packed FP8 key cache decodes to the keys within
// e4m3 precision with flashinfer-bench's scales, block tables hold distinct
// in-range pages (scattered), seq_lens and max_num_pages satisfy the
// definitions' constraint, sparse_indices rows list min(topk, L) distinct
// slots of their own context with -1 padding (scattered on odd rows), page
// pools shared when num_pages is bound small, determinism, and the dataset
// definitions' inputs feed their references.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include "jit/definition/parse.h"
#include "runtime/dsa_check.h"
#include "runtime/dsa_inputs.h"
#include "runtime/dsa_perf.h"
#include "runtime/dtype_convert.h"
#include "runtime/inputs.h"
#include "runtime/reference/dsa.h"
#include "tests/reference/dsa_definitions.h"

namespace kjit::runtime {
namespace {

using reference::testing::dsa_indexer_definition;
using reference::testing::dsa_sparse_definition;
namespace fs = std::filesystem;
const fs::path k_dsa = fs::path(KJIT_SHARED_DIR) / "flashinfer-trace/definitions/dsa_paged";

jit::Definition indexer_def(std::int64_t ps, std::int64_t topk) {
  jit::Definition d = dsa_indexer_definition(4, 16, ps, topk);
  d.constraints = {"topk <= max_num_pages * page_size"};
  return d;
}

jit::Definition sparse_def(std::int64_t ps, std::int64_t topk) { return dsa_sparse_definition(2, 8, 4, ps, topk); }

InputSet inputs(const jit::Definition& def, const AxisValues& axes, SequenceOptions seq = {}, std::uint64_t seed = 1) {
  InputOptions o;
  o.seed = seed;
  o.sequences = seq;
  auto set = make_inputs(def, nullptr, axes, o);
  EXPECT_TRUE(set) << (set ? "" : set.error().message);
  return set ? std::move(*set) : InputSet{};
}

TEST(DsaInputsTest, PackedKeysDecodeWithFlashinferBenchScales) {
  const std::vector<float> keys = {1.0f, -3.5f, 0.25f, 0.0f, /* token 1 */ 0.0f, 0.0f, 0.0f, 0.0f};
  HostTensor packed = pack_fp8_key_cache(keys, 1, 2, 4);
  ASSERT_EQ(packed.shape, (std::vector<std::int64_t>{1, 2, 1, 8}));
  float s0, s1;
  std::memcpy(&s0, packed.bytes.data() + 8, 4);
  std::memcpy(&s1, packed.bytes.data() + 12, 4);
  EXPECT_EQ(s0, 3.5f / 448.0f);
  EXPECT_EQ(s1, 1e-4f / 448.0f);   // amax clamped to 1e-4
  EXPECT_EQ(packed.bytes[1], float_to_e4m3fn_bits(-3.5f * (1.0f / s0)));
  EXPECT_EQ(e4m3fn_bits_to_float(packed.bytes[1]), -448.0f);
  for (int d = 0; d < 4; ++d) {
    const float back = reference::dequantize_e4m3(packed.bytes[static_cast<std::size_t>(d)], s0);
    EXPECT_NEAR(back, keys[static_cast<std::size_t>(d)], std::fabs(keys[static_cast<std::size_t>(d)]) / 8 + 1e-6) << d;
  }
}

TEST(DsaInputsTest, IndexerRowsGetScatteredDistinctPagesAndValidLengths) {
  jit::Definition def = indexer_def(4, 8);
  InputSet set = inputs(def, {{"batch_size", 6}});
  const AxisValues& axes = set.binding.values;
  const std::int64_t pages = axes.at("num_pages"), cols = axes.at("max_num_pages");
  ASSERT_TRUE(set.binding.dsa);
  const HostTensor& lens = *set.find("seq_lens");
  const HostTensor& table = *set.find("block_table");
  std::set<std::int64_t> used;
  std::int64_t total = 0, longest = 0, in_order = 0, steps = 0;
  for (std::int64_t b = 0; b < 6; ++b) {
    const std::int64_t len = lens.get_int(b);
    EXPECT_GE(len, 1);
    EXPECT_LE(len, 16);   // default: uniform in [1, 2 * topk]
    longest = std::max(longest, len);
    for (std::int64_t c = 0; c < (len + 3) / 4; ++c) {
      const std::int64_t id = table.get_int(b * cols + c);
      EXPECT_TRUE(id >= 0 && id < pages) << id;
      EXPECT_TRUE(used.insert(id).second) << "page " << id << " used twice";
      if (c > 0) {
        ++steps;
        in_order += id == table.get_int(b * cols + c - 1) + 1;
      }
      ++total;
    }
  }
  EXPECT_EQ(pages, total);
  EXPECT_EQ(cols, std::max<std::int64_t>((longest + 3) / 4, 2));   // topk 8 <= max_num_pages * 4
  EXPECT_LT(in_order, std::max<std::int64_t>(steps, 1));           // shuffled, not consecutive
  const HostTensor& cache = *set.find("k_index_cache_fp8");
  EXPECT_EQ(cache.shape, (std::vector<std::int64_t>{pages, 4, 1, 20}));
}

TEST(DsaInputsTest, KvLenEmptyFirstAndBoundAxes) {
  jit::Definition def = indexer_def(4, 8);
  SequenceOptions seq;
  seq.kv_len = 10;
  seq.include_empty = true;
  InputSet set = inputs(def, {{"batch_size", 3}, {"max_num_pages", 7}}, seq);
  const HostTensor& lens = *set.find("seq_lens");
  EXPECT_EQ(lens.get_int(0), 0);
  EXPECT_EQ(lens.get_int(1), 10);
  EXPECT_EQ(set.binding.values.at("max_num_pages"), 7);
  EXPECT_EQ(set.find("block_table")->shape, (std::vector<std::int64_t>{3, 7}));
  InputOptions o;
  o.sequences.kv_len = 100;
  auto bad = make_inputs(def, nullptr, {{"batch_size", 1}, {"max_num_pages", 7}}, o);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("--kv-len 100 needs 25 pages but max_num_pages = 7"), std::string::npos)
      << bad.error().message;
}

TEST(DsaInputsTest, SparseIndicesListTheirContextWithPadding) {
  jit::Definition def = sparse_def(4, 8);
  InputSet set = inputs(def, {{"num_tokens", 8}});
  ASSERT_TRUE(set.binding.dsa);
  const DsaPlan& plan = *set.binding.dsa;
  const HostTensor& idx = *set.find("sparse_indices");
  const std::int64_t slots = set.binding.values.at("num_pages") * 4;
  EXPECT_EQ(set.find("ckv_cache")->shape[0], set.binding.values.at("num_pages"));
  bool scattered = false;
  for (std::int64_t t = 0; t < 8; ++t) {
    const std::int64_t len = plan.lens[static_cast<std::size_t>(t)];
    std::set<std::int64_t> context;
    for (std::int64_t j = 0; j < len; ++j) context.insert(plan.slot(t, j));
    std::set<std::int64_t> seen;
    std::int64_t valid = 0;
    bool pad_seen = false;
    for (std::int64_t i = 0; i < 8; ++i) {
      const std::int64_t v = idx.get_int(t * 8 + i);
      if (v == -1) {
        pad_seen = true;
        continue;
      }
      ++valid;
      EXPECT_TRUE(v >= 0 && v < slots);
      EXPECT_TRUE(context.contains(v)) << "token " << t << " slot " << v;
      EXPECT_TRUE(seen.insert(v).second);
      if (pad_seen) {
        EXPECT_EQ(t % 2, 1) << "even rows pad at the end";
        scattered = true;
      }
    }
    EXPECT_EQ(valid, std::min<std::int64_t>(8, len));
  }
  EXPECT_TRUE(scattered || std::all_of(plan.lens.begin(), plan.lens.end(), [](std::int64_t l) { return l >= 8; }));
}

TEST(DsaInputsTest, ABoundSmallPoolIsSharedAndTheSeedFixesTheBytes) {
  jit::Definition def = sparse_def(1, 8);
  SequenceOptions seq;
  seq.kv_len = 100;
  InputSet set = inputs(def, {{"num_tokens", 4}, {"num_pages", 150}}, seq);
  EXPECT_EQ(set.binding.values.at("num_pages"), 150);   // rows draw from the pool
  const HostTensor& idx = *set.find("sparse_indices");
  for (std::int64_t i = 0; i < idx.numel(); ++i) EXPECT_LT(idx.get_int(i), 150);
  InputSet again = inputs(def, {{"num_tokens", 4}, {"num_pages", 150}}, seq);
  EXPECT_EQ(again.find("sparse_indices")->bytes, idx.bytes);
  InputSet other = inputs(def, {{"num_tokens", 4}, {"num_pages", 150}}, seq, 2);
  EXPECT_NE(other.find("sparse_indices")->bytes, idx.bytes);
  InputSet tiny = inputs(def, {{"num_tokens", 2}, {"num_pages", 10}}, seq);   // below one context
  EXPECT_EQ(tiny.binding.values.at("num_pages"), 100);
}

TEST(DsaInputsTest, PerfModelCountsGatheredRowsAndSequenceKeys) {
  jit::Definition sparse = sparse_def(1, 8);
  InputSet set = inputs(sparse, {{"num_tokens", 4}});
  std::map<std::string, HostTensor> host(set.inputs.begin(), set.inputs.end());
  const HostTensor& idx = *set.find("sparse_indices");
  double valid = 0;
  for (std::int64_t i = 0; i < idx.numel(); ++i) valid += idx.get_int(i) >= 0;
  auto c = dsa_perf_counts(sparse, set.binding.values, host);
  ASSERT_TRUE(c);
  const double q = 4 * 2 * (8 + 4) * 2, out = 4 * 2 * 8 * 2 + 4 * 2 * 4;
  EXPECT_DOUBLE_EQ(c->bytes, q + idx.byte_size() + out + valid * 12 * 2);
  EXPECT_DOUBLE_EQ(c->flops, valid * 2 * 2 * (8 + 4 + 8));
  jit::Definition indexer = indexer_def(4, 8);
  InputSet iset = inputs(indexer, {{"batch_size", 3}});
  std::map<std::string, HostTensor> ih(iset.inputs.begin(), iset.inputs.end());
  double tokens = 0, pages = 0;
  for (std::int64_t b = 0; b < 3; ++b) {
    tokens += static_cast<double>(iset.find("seq_lens")->get_int(b));
    pages += static_cast<double>((iset.find("seq_lens")->get_int(b) + 3) / 4);
  }
  auto ic = dsa_perf_counts(indexer, iset.binding.values, ih);
  ASSERT_TRUE(ic);
  EXPECT_DOUBLE_EQ(ic->bytes, 3 * 4 * 16 + 3 * 4 * 4 + 3 * 4 + pages * 4 + tokens * 20 + 3 * 8 * 4);
  EXPECT_DOUBLE_EQ(ic->flops, tokens * 4 * 2 * 16);
}

TEST(DsaInputsTest, DatasetDefinitionsGetInputsTheirReferencesAccept) {
  if (!fs::is_directory(k_dsa)) {
    if (std::getenv("CI")) FAIL() << "dataset missing at " << k_dsa;
    GTEST_SKIP() << "dataset not found at " << k_dsa;
  }
  int seen = 0;
  for (const auto& e : fs::directory_iterator(k_dsa)) {
    auto def = jit::load_definition_file(e.path());
    ASSERT_TRUE(def) << e.path();
    const bool indexer = def->find_input("block_table") != nullptr;
    AxisValues axes = indexer ? AxisValues{{"batch_size", 3}} : AxisValues{{"num_tokens", 3}};
    SequenceOptions seq;
    seq.kv_len = 3000;   // above topk 2048: selection; 2 rows of it
    InputSet set = inputs(*def, axes, seq);
    ASSERT_FALSE(set.inputs.empty()) << def->name;
    reference::TensorMap in;
    for (const auto& [n, t] : set.inputs) in[n] = reference::RefTensor{t.shape, t.to_doubles()};
    auto out = reference::run_reference(*def, set.binding.values, in);
    ASSERT_TRUE(out) << def->name << ": " << out.error().message;
    if (indexer) {
      for (double v : out->at("topk_indices").data) EXPECT_GE(v, 0.0);   // 3000 > 2048: no padding
    } else {
      for (double v : out->at("lse").data) EXPECT_TRUE(std::isfinite(v));
    }
    ++seen;
  }
  EXPECT_EQ(seen, 3);
}

}  // namespace
}  // namespace kjit::runtime

namespace kjit::runtime {
namespace {

// The "ties" profile (runtime/input_profiles.h): every page's tokens repeat 4 keys, so a row's
// scores take at most 4 values; the check's rule accepts the reference's selection with its tied
// picks swapped for other tokens of the same score.
TEST(DsaInputsTest, TiesProfileRepeatsFourKeysAndTheRuleAcceptsAnyTiedPick) {
  const jit::Definition def = indexer_def(8, 16);
  InputOptions o;
  o.seed = 3;
  o.sequences.kv_len = 60;   // 60 tokens, topk 16: the cut falls inside a tie group
  o.profile = "ties";
  auto set = make_inputs(def, nullptr, {{"batch_size", 2}}, o);
  ASSERT_TRUE(set) << set.error().message;
  reference::TensorMap in;
  for (const auto& [n, t] : set->inputs) in[n] = reference::RefTensor{t.shape, t.to_doubles()};
  auto problem = reference::indexer_problem(def, in, 16);
  ASSERT_TRUE(problem) << problem.error().message;
  auto ref = reference::run_reference(def, set->binding.values, in);
  ASSERT_TRUE(ref) << ref.error().message;
  HostTensor want = *HostTensor::from_doubles(Dtype::int32, ref->at("topk_indices").shape, ref->at("topk_indices").data);
  HostTensor alt = want;
  for (std::int64_t b = 0; b < 2; ++b) {
    std::set<double> scores;
    std::vector<std::int64_t> slots;
    for (std::int64_t j = 0; j < 60; ++j) {
      const std::int64_t slot = problem->block_table[static_cast<std::size_t>(b * problem->max_pages + j / 8)] * 8 + j % 8;
      scores.insert(problem->score(b, slot));
      slots.push_back(slot);
    }
    EXPECT_LE(scores.size(), 4u);
    // Swap every selected slot for the unselected slot of the same score latest in the context.
    std::set<std::int64_t> chosen;
    for (std::int64_t i = 0; i < 16; ++i) chosen.insert(want.get_int(b * 16 + i));
    int swapped = 0;
    for (std::int64_t i = 0; i < 16; ++i) {
      const std::int64_t cur = alt.get_int(b * 16 + i);
      for (auto it = slots.rbegin(); it != slots.rend(); ++it) {
        if (!chosen.contains(*it) && problem->score(b, *it) == problem->score(b, cur)) {
          alt.set_int(b * 16 + i, *it);
          chosen.erase(cur);
          chosen.insert(*it);
          ++swapped;
          break;
        }
      }
    }
    EXPECT_GT(swapped, 0) << "row " << b;
  }
  EXPECT_NE(alt.bytes, want.bytes);
  auto report = compare_dsa_topk_indices(def, in, alt, want);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->compare.status, CompareStatus::passed) << report->compare.message;
}

}  // namespace
}  // namespace kjit::runtime
