// The acceptance test of `kjit model`: for every model the flashinfer-trace
// dataset tags, deriving its config fixture at the parallelism in the
// dataset's tp:/ep: tags yields every dataset definition tagged with that
// model — the same name and the same constant axes. Misses and wrong
// constants fail the test and are listed; structural differences (the
// dataset's own inconsistencies, e.g. kv_last_page_len shaped [len_indptr] in
// some prefill definitions) and extra derived definitions are listed.
//
// A definition without a tp: tag is looked for at tp 1, one without ep: at
// ep 1; one with several tags (qwen3-next's MoE is tagged ep:4 and ep:1) is
// matched at any of them.
//
// Reads the dataset from ../shared; skips when it is absent, fails when
// CI=true and it is absent.
#include <map>
#include <set>

#include "jit/definition/definition_set.h"
#include "jit/definition/lint.h"
#include "tests/model/model_test_util.h"

namespace kjit::jit::model_test {
namespace {

// Dataset model tags whose fixture has another name (the same model).
const std::map<std::string, std::string> k_fixture_alias = {
    {"qwen3-next", "qwen3-next-80b-a3b"},
};

std::string fixture_of(const std::string& model) {
  auto it = k_fixture_alias.find(model);
  return it == k_fixture_alias.end() ? model : it->second;
}

std::vector<std::int64_t> tag_ints(const Definition& d, const char* key) {
  std::vector<std::int64_t> out;
  for (const auto& v : d.tag_values(key)) out.push_back(std::stoll(v));
  if (out.empty()) out.push_back(1);
  return out;
}

struct ModelResult {
  std::set<std::string> expected, matched, missed, wrong, structure_differs, extras;
  std::vector<std::string> details;
};

// Const axes of `want` that `got` lacks or has with another value.
std::string const_axis_mismatch(const Definition& want, const Definition& got) {
  std::string out;
  for (const auto& axis : want.axes) {
    if (axis.kind != AxisKind::const_) continue;
    auto value = got.const_value(axis.name);
    if (!value) out += " " + axis.name + "=" + std::to_string(axis.value) + " (missing)";
    else if (*value != axis.value)
      out += " " + axis.name + "=" + std::to_string(axis.value) + " (derived " + std::to_string(*value) + ")";
  }
  return out;
}

std::string structure_fields(const Definition& a, const Definition& b) {
  auto x = nlohmann::json::parse(structure_signature(a));
  auto y = nlohmann::json::parse(structure_signature(b));
  std::string out;
  const char* fields[] = {"op_type", "axes", "inputs", "outputs"};
  for (int i = 0; i < 4; ++i)
    if (x.at(i) != y.at(i)) out += (out.empty() ? "" : ",") + std::string(fields[i]);
  return out;
}

TEST(DatasetDerivationTest, EveryTaggedDefinitionIsDerivedWithItsNameAndConstants) {
  std::string why;
  if (!dataset_present_or_skip_message(&why)) GTEST_SKIP() << why;
  auto set = DefinitionSet::load({k_dataset});
  ASSERT_TRUE(set) << set.error().message;

  std::map<std::string, ModelResult> results;
  // (fixture, tp, ep) -> derived definitions by name
  std::map<std::tuple<std::string, std::int64_t, std::int64_t>, std::map<std::string, Definition>> derived;
  auto derive_at = [&](const std::string& fixture, std::int64_t tp, std::int64_t ep)
      -> const std::map<std::string, Definition>* {
    auto key = std::make_tuple(fixture, tp, ep);
    auto it = derived.find(key);
    if (it != derived.end()) return &it->second;
    auto d = derive_fixture(fixture, tp, ep);
    if (!d) {
      ADD_FAILURE() << fixture << " at tp " << tp << " ep " << ep << ": " << d.error().message;
      return nullptr;
    }
    auto& by_name = derived[key];
    for (auto& dd : d->definitions) by_name.emplace(dd.definition.name, dd.definition);
    return &by_name;
  };

  std::size_t tagged = 0;
  for (const Definition* want : set->all()) {
    for (const auto& model : want->tag_values("model")) {
      ++tagged;
      ModelResult& r = results[model];
      r.expected.insert(want->name);
      const std::string fixture = fixture_of(model);
      if (!fs::exists(k_fixtures / (fixture + ".json"))) {
        r.missed.insert(want->name);
        r.details.push_back(want->name + ": no config fixture tests/data/models/" + fixture + ".json");
        continue;
      }
      const Definition* found = nullptr;
      std::string mismatch;
      for (auto tp : tag_ints(*want, "tp")) {
        for (auto ep : tag_ints(*want, "ep")) {
          const auto* by_name = derive_at(fixture, tp, ep);
          if (!by_name) continue;
          auto it = by_name->find(want->name);
          if (it == by_name->end()) continue;
          std::string m = const_axis_mismatch(*want, it->second);
          if (m.empty()) {
            found = &it->second;
            mismatch.clear();
            break;
          }
          mismatch = m;
        }
        if (found) break;
      }
      if (found) {
        r.matched.insert(want->name);
        std::string fields = structure_fields(*want, *found);
        if (!fields.empty()) {
          r.structure_differs.insert(want->name);
          r.details.push_back(want->name + ": structure differs from the dataset in " + fields);
        }
      } else if (!mismatch.empty()) {
        r.wrong.insert(want->name);
        r.details.push_back(want->name + ": const axes differ:" + mismatch);
      } else {
        r.missed.insert(want->name);
        r.details.push_back(want->name + ": not derived");
      }
    }
  }

  // Extras: what the derivations at each model's parallelisms produce beyond its dataset definitions.
  for (auto& [model, r] : results) {
    const std::string fixture = fixture_of(model);
    for (const auto& [key, by_name] : derived) {
      if (std::get<0>(key) != fixture) continue;
      for (const auto& [name, d] : by_name)
        if (!r.expected.contains(name)) r.extras.insert(name);
    }
  }

  std::size_t matched = 0, missed = 0, wrong = 0, differs = 0;
  std::printf("%-22s %8s %8s %7s %6s %10s %7s\n", "model", "dataset", "matched", "missed", "wrong", "structure",
              "extras");
  for (const auto& [model, r] : results) {
    std::printf("%-22s %8zu %8zu %7zu %6zu %10zu %7zu\n", model.c_str(), r.expected.size(), r.matched.size(),
                r.missed.size(), r.wrong.size(), r.structure_differs.size(), r.extras.size());
    matched += r.matched.size();
    missed += r.missed.size();
    wrong += r.wrong.size();
    differs += r.structure_differs.size();
  }
  std::printf("%zu (model, definition) pairs: %zu matched (%zu with a structure the dataset spells differently), "
              "%zu missed, %zu wrong\n",
              tagged, matched, differs, missed, wrong);
  for (const auto& [model, r] : results) {
    for (const auto& line : r.details) std::printf("  %s: %s\n", model.c_str(), line.c_str());
    if (!r.extras.empty()) {
      std::string list;
      for (const auto& e : r.extras) list += (list.empty() ? "" : " ") + e;
      std::printf("  %s: extras: %s\n", model.c_str(), list.c_str());
    }
  }
  EXPECT_GT(tagged, 100u) << "the dataset should tag well over 100 (model, definition) pairs";
  EXPECT_EQ(missed, 0u) << "dataset definitions the generator does not derive (listed above)";
  EXPECT_EQ(wrong, 0u) << "dataset definitions derived with other constant axes (listed above)";
}

}  // namespace
}  // namespace kjit::jit::model_test
