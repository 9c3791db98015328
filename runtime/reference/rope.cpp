// Rotary position embedding with a cos/sin cache (op_type "rope"), as the
// definitions' reference computes it, in float64:
//   cos_i = cache[pos, i], sin_i = cache[pos, rotary_dim/2 + i]  (i < rotary_dim/2)
//   NeoX style (halves):       o[i]      = x[i] cos_i - x[i + rd/2] sin_i
//                              o[i+rd/2] = x[i + rd/2] cos_i + x[i] sin_i
//   GPT-J style (interleaved): o[2i]     = x[2i] cos_i - x[2i+1] sin_i
//                              o[2i+1]   = x[2i+1] cos_i + x[2i] sin_i
//   dimensions >= rotary_dim pass through; q and k alike (q_out, k_out).
// The style comes from the reference: a constant `is_neox = 0|1` when it
// assigns one (kjit's made-up interleaved definitions do), else "neox" in its
// code (the dataset's apply_rotary_emb_neox); otherwise there is no C++
// reference (refused, not guessed). Positions index the cache as torch does:
// -max_seq_len <= pos < 0 counts from the end; anything else is an error
// naming the token (torch raises IndexError).
//
// Thread safety: reentrant; tokens are split across call.threads workers.
#include <cmath>
#include <optional>
#include <string>

#include "runtime/reference/constants.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/parallel.h"

namespace kjit::runtime::reference::detail {

// Whether `def` rotates NeoX halves (true) or GPT-J pairs (false); empty when its reference does
// not say.
std::optional<bool> rope_is_neox(const kjit::jit::Definition& def) {
  if (auto v = reference_constant(def, "is_neox")) return *v != 0;
  if (def.reference.find("neox") != std::string::npos) return true;
  return std::nullopt;
}

Result<TensorMap> run_rope(const Call& call) {
  const auto neox = rope_is_neox(call.def);
  if (!neox) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': its reference neither assigns is_neox nor names the NeoX style, so the rotary style is unknown"));
  }
  const RefTensor* q = KJIT_TRY(input(call, "q"));
  const RefTensor* k = KJIT_TRY(input(call, "k"));
  const RefTensor* cache = KJIT_TRY(input(call, "cos_sin_cache"));
  const std::vector<std::int64_t> positions = KJIT_TRY(integers(call, "positions"));
  if (q->shape.size() != 3 || k->shape.size() != 3 || cache->shape.size() != 2 || q->shape[2] != k->shape[2] ||
      q->shape[0] != k->shape[0] || static_cast<std::int64_t>(positions.size()) != q->shape[0]) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': rope expects q [tokens, qo_heads, head], k [tokens, kv_heads, head], cos_sin_cache [max_seq_len, rotary_dim], positions [tokens]; got q ", shape_string(q->shape), ", k ", shape_string(k->shape), ", cache ", shape_string(cache->shape), ", ", positions.size(), " positions"));
  }
  const std::int64_t tokens = q->shape[0], head = q->shape[2];
  const std::int64_t seq = cache->shape[0], rd = cache->shape[1];
  if (rd <= 0 || rd % 2 != 0 || rd > head) {
    return fail(ErrorCode::invalid_argument, str_cat("reference for '", call.def.name, "': rotary_dim ", rd, " must be even, positive and <= head_size ", head));
  }
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::int64_t pos = positions[static_cast<std::size_t>(t)];
    if (pos < -seq || pos >= seq) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", call.def.name, "': positions[", t, "] = ", pos, " is outside the cos/sin cache of ", seq, " positions"));
    }
  }
  RefTensor q_out = KJIT_TRY(make_output(call, "q_out"));
  RefTensor k_out = KJIT_TRY(make_output(call, "k_out"));
  if (q_out.shape != q->shape || k_out.shape != k->shape) {
    return fail(ErrorCode::invalid_argument, str_cat("reference for '", call.def.name, "': q_out / k_out must be shaped like q / k"));
  }
  const std::int64_t half = rd / 2;
  auto rotate = [&](const RefTensor& x, RefTensor& out, std::int64_t t, const double* cs) {
    const std::int64_t heads = x.shape[1];
    for (std::int64_t h = 0; h < heads; ++h) {
      const std::size_t base = static_cast<std::size_t>((t * heads + h) * head);
      const double* in = x.data.data() + base;
      double* o = out.data.data() + base;
      for (std::int64_t i = 0; i < half; ++i) {
        const double c = cs[i], s = cs[half + i];
        const std::int64_t a = *neox ? i : 2 * i, b = *neox ? i + half : 2 * i + 1;
        o[a] = in[a] * c - in[b] * s;
        o[b] = in[b] * c + in[a] * s;
      }
      for (std::int64_t j = rd; j < head; ++j) o[j] = in[j];
    }
  };
  parallel_for(static_cast<std::size_t>(tokens), call.threads, [&](std::size_t t) {
    std::int64_t pos = positions[t];
    if (pos < 0) pos += seq;
    const double* cs = cache->data.data() + static_cast<std::size_t>(pos * rd);
    rotate(*q, q_out, static_cast<std::int64_t>(t), cs);
    rotate(*k, k_out, static_cast<std::int64_t>(t), cs);
  });
  TensorMap out;
  out.emplace("q_out", std::move(q_out));
  out.emplace("k_out", std::move(k_out));
  return out;
}

}  // namespace kjit::runtime::reference::detail
