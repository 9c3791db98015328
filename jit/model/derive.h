// derive_definitions(): every kernel definition a model runs on one rank,
// from its ModelSpec and its parallelism — the norms, each linear layer as a
// GEMM, paged and ragged attention for each page size, the mixture-of-experts
// kernels in each quantized form the dataset has for its routing, sampling,
// rope and the recurrent layers — named, shaped and tagged as in the
// flashinfer-trace dataset (docs/model.md lists the rules).
//
// Parallelism: tensor parallelism (tp) splits attention heads, linear layers
// and recurrent heads; KV heads fewer than tp are replicated. Expert
// parallelism (ep) splits the routed experts; an expert's intermediate size
// stays whole (the dataset's convention). The vocabulary-parallel lm_head is
// split by tp; sampling sees the whole vocabulary.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jit/definition/definition.h"
#include "jit/model/model_spec.h"
#include "jit/util/error.h"

namespace kjit::jit {

// Which quantized MoE forms to derive (dense layers are not affected).
enum class QuantSelection { all, bf16, fp8_block, fp8_tensor, fp4 };
// Linear layers as the fused projections serving engines run (qkv_proj,
// gate_up_proj), as the separate projections of the checkpoint, or both.
enum class ProjectionForms { all, fused, split };

struct DeriveOptions {
  std::string model_name;  // the `model:` tag value
  std::int64_t tp = 1;
  std::int64_t ep = 1;
  std::vector<std::int64_t> page_sizes = {1, 64};
  QuantSelection quant = QuantSelection::all;
  ProjectionForms projections = ProjectionForms::all;
};

struct DerivedDefinition {
  Definition definition;
  std::vector<std::string> uses;  // where the model runs it ("attention o_proj, 32 layers")
};

struct Derivation {
  std::vector<DerivedDefinition> definitions;  // unique names, in the order a layer runs them
  std::vector<std::string> notes;              // what is knowingly not covered, and why
};

// Errors: invalid_argument when the parallelism does not fit the model
// (e.g. "--tp 3 does not divide num_attention_heads (32)").
Result<Derivation> derive_definitions(const ModelSpec& spec, const DeriveOptions& options);

Result<QuantSelection> parse_quant(std::string_view text);
std::string_view to_string(QuantSelection quant);
Result<ProjectionForms> parse_projections(std::string_view text);
std::string_view to_string(ProjectionForms forms);

}  // namespace kjit::jit
