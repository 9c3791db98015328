// A per-test temporary folder (removed on destruction) and helpers to write
// definition files into it, for the definition tests.
//
// Thread safety: one per test; not shared.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "tests/common/temp_dir.h"

namespace kjit::jit::testing {

// The shared per-test folder (tests/common/temp_dir.h), named kjit-def-<test>-...
class TempDir : public ::kjit::testing::TempDir {
 public:
  TempDir() : ::kjit::testing::TempDir("kjit-def") {}
};

// A small valid definition (rmsnorm-like) to start tests from.
inline nlohmann::ordered_json minimal_definition(const std::string& name = "toy_norm") {
  return nlohmann::ordered_json::parse(R"({
    "name": ")" + name + R"(",
    "op_type": "rmsnorm",
    "description": "toy",
    "tags": ["model:alpha"],
    "axes": {"rows": {"type": "var"}, "width": {"type": "const", "value": 8}},
    "inputs": {"x": {"shape": ["rows", "width"], "dtype": "bfloat16"},
               "w": {"shape": ["width"], "dtype": "bfloat16"}},
    "outputs": {"y": {"shape": ["rows", "width"], "dtype": "bfloat16"}},
    "reference": "def run(x, w):\n    return x\n"
  })");
}

}  // namespace kjit::jit::testing
