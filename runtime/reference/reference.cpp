// Dispatch of run_reference: a table of the op types with a C++ reference,
// the inputs and outputs each understands, and its implementation. A
// definition is served only when every input and output it declares is one
// the implementation reads or writes, so an unknown extra input (a mask, a
// soft cap) is refused instead of silently ignored.
//
// Thread safety: the table is immutable; see reference.h.
#include "runtime/reference/reference.h"

#include <algorithm>
#include <string_view>

#include "runtime/reference/ops.h"
#include "runtime/reference/parallel.h"

namespace kjit::runtime::reference {
namespace {

using detail::Call;

struct OpEntry {
  std::string_view op_type;
  std::vector<std::string_view> required_inputs;
  std::vector<std::string_view> optional_inputs;
  std::vector<std::string_view> required_outputs;
  std::vector<std::string_view> optional_outputs;
  bool any_single_output = false;                   // gemm: one output of any name
  Result<TensorMap> (*run)(const Call&) = nullptr;
  // Why the op cannot serve `def` beyond its inputs and outputs (empty: it can); may be null.
  std::string (*why_not)(const kjit::jit::Definition&) = nullptr;
  bool reads_raw = false;                           // accepts RawView inputs (moe)
};

std::string rope_why_not(const kjit::jit::Definition& def) {
  return detail::rope_is_neox(def) ? std::string()
                                   : "its reference neither assigns is_neox nor names the NeoX style (rotary style unknown)";
}

const std::vector<OpEntry>& op_table();

// "rmsnorm, gemm, ..." from the table, for messages.
std::string known_op_types() {
  std::string out;
  std::string_view previous;
  for (const OpEntry& e : op_table()) {
    if (e.op_type == previous) continue;  // dsa_paged has two entries
    previous = e.op_type;
    if (!out.empty()) out += ", ";
    out += e.op_type;
  }
  return out;
}

const std::vector<OpEntry>& op_table() {
  static const std::vector<OpEntry> table = {
      {"rmsnorm", {"hidden_states", "weight"}, {"residual"}, {"output"}, {"residual"}, false, detail::run_rmsnorm},
      {"gemm", {"A", "B"}, {}, {}, {}, true, detail::run_gemm},
      {"gqa_paged",
       {"q", "k_cache", "v_cache", "kv_indptr", "kv_indices", "sm_scale"},
       {"qo_indptr", "kv_last_page_len"},
       {"output"},
       {"lse"},
       false,
       detail::run_gqa_paged},
      {"gqa_ragged",
       {"q", "k", "v", "qo_indptr", "kv_indptr", "sm_scale"},
       {},
       {"output"},
       {"lse"},
       false,
       detail::run_ragged_prefill},
      {"mla_ragged",
       {"q", "k", "v", "qo_indptr", "kv_indptr", "sm_scale"},
       {},
       {"output"},
       {"lse"},
       false,
       detail::run_ragged_prefill},
      {"mla_paged",
       {"q_nope", "q_pe", "ckv_cache", "kpe_cache", "kv_indptr", "kv_indices", "sm_scale"},
       {"qo_indptr", "kv_last_page_len"},
       {"output"},
       {"lse"},
       false,
       detail::run_mla_paged},
      // dsa_paged has two ops, told apart by their inputs (find_entry).
      {"dsa_paged",
       {"q_index_fp8", "k_index_cache_fp8", "weights", "seq_lens", "block_table"},
       {},
       {"topk_indices"},
       {},
       false,
       detail::run_dsa_indexer},
      {"dsa_paged",
       {"q_nope", "q_pe", "ckv_cache", "kpe_cache", "sparse_indices", "sm_scale"},
       {},
       {"output"},
       {"lse"},
       false,
       detail::run_dsa_sparse_attention},
      {"gdn",
       {"q", "k", "v", "A_log", "a", "dt_bias", "b", "scale"},
       {"state", "initial_state", "initial_state_indices", "intermediate_states_buffer", "cu_seqlens"},
       {"output"},
       {"new_state", "final_state"},
       false,
       detail::run_gdn},
      {"mamba_ssu",
       {"state", "x", "dt", "A", "B", "C", "D", "dt_bias", "state_batch_indices"},
       {},
       {"output", "new_state"},
       {},
       false,
       detail::run_mamba_ssu},
      {"sampling", {"probs"}, {"top_k", "top_p"}, {"samples"}, {}, false, detail::run_sampling},
      {"rope", {"q", "k", "cos_sin_cache", "positions"}, {}, {"q_out", "k_out"}, {}, false, detail::run_rope, rope_why_not},
      // moe: every input form of moe_structure.h; the structure check there
      // refuses inconsistent combinations with a specific message.
      {"moe",
       {"hidden_states", "gemm1_weights", "gemm2_weights"},
       {"routing_logits", "routing_bias", "topk_ids", "hidden_states_scale", "gemm1_weights_scale",
        "gemm2_weights_scale", "output1_scales_scalar", "output1_scales_gate_scalar", "output2_scales_scalar",
        "local_expert_offset", "routed_scaling_factor"},
       {"output"},
       {},
       false,
       detail::run_moe,
       detail::moe_why_not,
       true},
  };
  return table;
}

bool contains(const std::vector<std::string_view>& names, std::string_view name) {
  return std::ranges::find(names, name) != names.end();
}

// Why `entry` cannot serve `def`; empty when it can.
std::string mismatch(const OpEntry& entry, const kjit::jit::Definition& def) {
  for (auto name : entry.required_inputs) {
    if (!detail::has_input(def, name)) return str_cat("it has no input '", name, "'");
  }
  for (const auto& spec : def.inputs) {
    if (!contains(entry.required_inputs, spec.name) && !contains(entry.optional_inputs, spec.name)) {
      return str_cat("input '", spec.name, "' is not one the ", entry.op_type, " reference understands");
    }
  }
  if (entry.any_single_output) {
    if (def.outputs.size() != 1) return str_cat("it declares ", def.outputs.size(), " outputs, expected 1");
    return {};
  }
  for (auto name : entry.required_outputs) {
    if (!detail::has_output(def, name)) return str_cat("it has no output '", name, "'");
  }
  for (const auto& spec : def.outputs) {
    if (!contains(entry.required_outputs, spec.name) && !contains(entry.optional_outputs, spec.name)) {
      return str_cat("output '", spec.name, "' is not one the ", entry.op_type, " reference produces");
    }
  }
  if (entry.why_not) return entry.why_not(def);
  return {};
}

// The entry for `def`: the first of its op type that serves it; else (for
// the error message) the first whose required inputs it has, else the first
// of its op type; null for an op type without a reference.
const OpEntry* find_entry(const kjit::jit::Definition& def) {
  const OpEntry* first = nullptr;
  const OpEntry* closest = nullptr;
  for (const auto& entry : op_table()) {
    if (entry.op_type != def.op_type) continue;
    if (mismatch(entry, def).empty()) return &entry;
    if (!first) first = &entry;
    const bool has_required = std::ranges::all_of(entry.required_inputs, [&](std::string_view n) { return detail::has_input(def, n); });
    if (has_required && !closest) closest = &entry;
  }
  return closest ? closest : first;
}

}  // namespace

bool has_reference(const kjit::jit::Definition& def) {
  const OpEntry* entry = find_entry(def);
  return entry && mismatch(*entry, def).empty();
}

bool reads_raw_inputs(const kjit::jit::Definition& def) {
  const OpEntry* entry = find_entry(def);
  return entry && entry->reads_raw;
}

Result<TensorMap> run_reference(const kjit::jit::Definition& def, const std::map<std::string, std::int64_t>& axes,
                                const TensorMap& inputs, const Options& options) {
  const OpEntry* entry = find_entry(def);
  if (!entry) {
    return fail(ErrorCode::invalid_argument,
                str_cat("no C++ reference for op_type '", def.op_type, "' (definition '", def.name,
                        "'); references exist for ", known_op_types()));
  }
  if (std::string why = mismatch(*entry, def); !why.empty()) {
    return fail(ErrorCode::invalid_argument,
                str_cat("no C++ reference for definition '", def.name, "' of op_type '", def.op_type, "': ", why));
  }
  Call call{def, axes, inputs, resolve_threads(options.threads)};
  KJIT_TRY_VOID(detail::check_inputs(call, entry->reads_raw));
  return entry->run(call);
}

}  // namespace kjit::runtime::reference
