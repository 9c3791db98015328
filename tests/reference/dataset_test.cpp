// Runs the reference over every flashinfer-trace definition of the op types
// it serves, gdn and mamba_ssu included (small generated inputs): each must be served, produce every
// declared output with the declared shape, finite values wherever a query
// sees keys, and the same bits with 1 and 4 threads. Skips without the
// dataset.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "jit/definition/parse.h"
#include "tests/reference/fidelity/random_inputs.h"

namespace kjit::runtime::reference {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> definition_files() {
  std::vector<fs::path> files;
  const fs::path root = fs::path(KJIT_SHARED_DIR) / "flashinfer-trace" / "definitions";
  for (const char* op : {"rmsnorm", "gemm", "gqa_paged", "gqa_ragged", "mla_paged", "mla_ragged", "gdn", "mamba_ssu"}) {
    if (!fs::is_directory(root / op)) continue;
    for (const auto& entry : fs::directory_iterator(root / op)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ReferenceDatasetTest, EveryServedDefinitionRuns) {
  auto files = definition_files();
  if (files.empty()) GTEST_SKIP() << "flashinfer-trace dataset not found under " KJIT_SHARED_DIR;
  int ran = 0;
  for (const auto& file : files) {
    auto def = kjit::jit::load_definition_file(file);
    ASSERT_TRUE(def) << file << ": " << def.error().message;
    EXPECT_TRUE(has_reference(*def)) << def->name;
    if (def->op_type == "gemm" &&
        def->const_value("N").value_or(0) * def->const_value("K").value_or(0) > (std::int64_t{1} << 22)) {
      continue;  // B alone would be too large for a fast test; the small gemms cover the code
    }
    fidelity::GenParams params;
    params.seed = 42;
    auto gen = fidelity::generate_inputs(*def, params);
    auto one = run_reference(*def, gen.axes, gen.inputs, {.threads = 1});
    ASSERT_TRUE(one) << def->name << ": " << one.error().message;
    auto four = run_reference(*def, gen.axes, gen.inputs, {.threads = 4});
    ASSERT_TRUE(four) << def->name << ": " << four.error().message;
    // Every output, plus inputs the reference updates in place (gdn mtp).
    std::size_t in_place = 0;
    for (const auto& spec : def->inputs) in_place += one->contains(spec.name) ? 1 : 0;
    ASSERT_EQ(one->size(), def->outputs.size() + in_place) << def->name;
    for (const auto& spec : def->outputs) {
      const auto& out = one->at(spec.name);
      std::vector<std::int64_t> shape;
      for (const auto& axis : *spec.shape) shape.push_back(gen.axes.at(axis));
      EXPECT_EQ(out.shape, shape) << def->name << "." << spec.name;
      EXPECT_EQ(out.data, four->at(spec.name).data) << def->name << "." << spec.name << " differs by thread count";
      for (double v : out.data) {
        // lse is -inf exactly for rows without keys (the empty sequence).
        ASSERT_TRUE(std::isfinite(v) || (spec.name == "lse" && v == -INFINITY)) << def->name << "." << spec.name;
      }
    }
    ++ran;
  }
  EXPECT_GE(ran, 50);
}

}  // namespace
}  // namespace kjit::runtime::reference
