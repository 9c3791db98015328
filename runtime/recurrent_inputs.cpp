// Generated inputs for gdn and mamba_ssu; see recurrent_inputs.h.
#include "runtime/recurrent_inputs.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "runtime/inputs.h"

namespace kjit::runtime {
namespace {

std::optional<std::int64_t> lookup(const AxisValues& axes, const std::string& name) {
  auto it = axes.find(name);
  if (it == axes.end()) return std::nullopt;
  return it->second;
}

bool is_pool_index(const jit::Definition& def, std::string_view name) {
  return (def.op_type == "gdn" && name == "initial_state_indices") ||
         (def.op_type == "mamba_ssu" && name == "state_batch_indices");
}

}  // namespace

bool has_cu_seqlens(const jit::Definition& def) { return def.find_input("cu_seqlens") != nullptr; }

Result<std::vector<std::int64_t>> plan_cu_seqlens(const jit::Definition& def, AxisValues& axes,
                                                  const SequenceOptions& options, Rng& rng,
                                                  std::vector<std::string>& notes) {
  std::optional<std::int64_t> seqs = lookup(axes, "num_seqs");
  if (const auto len = lookup(axes, "len_cu_seqlens")) {
    if (*len < 1) return fail(ErrorCode::invalid_argument, def.name + ": len_cu_seqlens must be >= 1 (num_seqs + 1)");
    if (seqs && *seqs != *len - 1) {
      return fail(ErrorCode::invalid_argument, def.name + ": len_cu_seqlens=" + std::to_string(*len) +
                                                   " contradicts num_seqs=" + std::to_string(*seqs) + " (needs num_seqs + 1)");
    }
    seqs = *len - 1;
  }
  if (!seqs) {
    seqs = default_axis_value("num_seqs").value_or(4);
    notes.push_back("axis num_seqs=" + std::to_string(*seqs) + " (default)");
  }
  if (*seqs < 0) return fail(ErrorCode::invalid_argument, def.name + ": num_seqs must be >= 0");
  const std::int64_t n = *seqs;
  const std::int64_t first = options.include_empty && n > 0 ? 1 : 0;  // sequences [first, n) get tokens
  const std::int64_t active = n - first;
  std::vector<std::int64_t> lens(static_cast<std::size_t>(n), 0);
  auto set_active = [&](const std::vector<std::int64_t>& part) {
    for (std::int64_t i = 0; i < active; ++i) lens[static_cast<std::size_t>(first + i)] = part[static_cast<std::size_t>(i)];
  };
  const std::optional<std::int64_t> total = lookup(axes, "total_seq_len");
  if (total) {
    if (*total < 0) return fail(ErrorCode::invalid_argument, def.name + ": total_seq_len must be >= 0");
    if (options.q_len && *options.q_len * active != *total) {
      return fail(ErrorCode::invalid_argument,
                  def.name + ": --q-len " + std::to_string(*options.q_len) + " over " + std::to_string(active) +
                      " non-empty sequence(s) contradicts total_seq_len=" + std::to_string(*total) +
                      "; give one of them");
    }
    if (active == 0 && *total != 0) {
      return fail(ErrorCode::invalid_argument, def.name + ": total_seq_len=" + std::to_string(*total) +
                                                   " needs at least one non-empty sequence");
    }
    set_active(random_split(*total, active, 1, rng));
  } else {
    const std::int64_t per = options.q_len.value_or(k_default_q_len);
    if (!options.q_len) notes.push_back("gdn prefill: " + std::to_string(per) + " tokens per sequence (default; --q-len N)");
    set_active(std::vector<std::int64_t>(static_cast<std::size_t>(active), per));
  }
  axes["num_seqs"] = n;
  axes["len_cu_seqlens"] = n + 1;
  axes["total_seq_len"] = std::accumulate(lens.begin(), lens.end(), std::int64_t{0});
  return lens;
}

std::optional<std::int64_t> state_pool_default(std::string_view name, const AxisValues& axes) {
  if (name != "pool_size" && name != "state_cache_size") return std::nullopt;
  const auto batch = lookup(axes, "batch_size");
  if (!batch) return std::nullopt;
  return 2 * *batch;
}

Result<std::optional<HostTensor>> make_recurrent_input(const jit::Definition& def, const jit::TensorSpec& spec,
                                                       const std::vector<std::int64_t>& shape, const AxisValues& axes,
                                                       const std::vector<std::int64_t>& seq_lens,
                                                       const SequenceOptions& options, Rng& rng) {
  const bool gdn = def.op_type == "gdn", mamba = def.op_type == "mamba_ssu";
  if (!gdn && !mamba) return std::optional<HostTensor>{};
  if (gdn && spec.name == "cu_seqlens" && shape.size() == 1) {
    if (shape[0] != static_cast<std::int64_t>(seq_lens.size()) + 1) {
      return fail(ErrorCode::internal, def.name + ": cu_seqlens has " + std::to_string(shape[0]) +
                                           " entries but " + std::to_string(seq_lens.size()) + " sequences were planned");
    }
    HostTensor t = HostTensor::zeros(spec.dtype, shape);
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < seq_lens.size(); ++i) t.set_int(static_cast<std::int64_t>(i) + 1, sum += seq_lens[i]);
    return std::optional<HostTensor>(std::move(t));
  }
  if (is_pool_index(def, spec.name) && shape.size() == 1) {
    const char* pool_axis = gdn ? "pool_size" : "state_cache_size";
    const std::int64_t pool = lookup(axes, pool_axis).value_or(0), batch = shape[0];
    if (pool < batch) {
      return fail(ErrorCode::invalid_argument, def.name + ": " + pool_axis + "=" + std::to_string(pool) +
                                                   " is smaller than batch_size=" + std::to_string(batch) +
                                                   "; every batch entry needs its own slot");
    }
    // Fisher-Yates over the pool: the first `batch` entries are distinct slots.
    std::vector<std::int64_t> slots(static_cast<std::size_t>(pool));
    std::iota(slots.begin(), slots.end(), std::int64_t{0});
    for (std::int64_t i = 0; i < batch; ++i) {
      const std::int64_t j = rng.uniform_int(i, pool - 1);
      std::swap(slots[static_cast<std::size_t>(i)], slots[static_cast<std::size_t>(j)]);
    }
    HostTensor t = HostTensor::zeros(spec.dtype, shape);
    for (std::int64_t i = 0; i < batch; ++i) t.set_int(i, slots[static_cast<std::size_t>(i)]);
    if (mamba && options.include_empty && batch > 0) t.set_int(0, -1);  // PAD_SLOT_ID
    return std::optional<HostTensor>(std::move(t));
  }
  if (gdn && spec.name == "intermediate_states_buffer") return std::optional<HostTensor>(HostTensor::zeros(spec.dtype, shape));
  if (gdn && spec.name == "k" && !shape.empty() && shape.back() > 0) {
    HostTensor t = random_tensor(spec.dtype, shape, rng);
    const std::int64_t dim = shape.back(), rows = t.numel() / dim;
    for (std::int64_t r = 0; r < rows; ++r) {
      double norm = 0;
      for (std::int64_t c = 0; c < dim; ++c) norm += t.get(r * dim + c) * t.get(r * dim + c);
      norm = std::sqrt(norm);
      if (norm == 0) continue;
      for (std::int64_t c = 0; c < dim; ++c) t.set(r * dim + c, t.get(r * dim + c) / norm);
    }
    return std::optional<HostTensor>(std::move(t));
  }
  if (mamba && spec.name == "A") {
    HostTensor t = random_tensor(spec.dtype, shape, rng);
    for (std::int64_t i = 0; i < t.numel(); ++i) t.set(i, -std::exp(t.get(i)));
    return std::optional<HostTensor>(std::move(t));
  }
  return std::optional<HostTensor>{};
}

}  // namespace kjit::runtime
