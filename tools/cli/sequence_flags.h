// Sequence-length flags shared by `kjit check` and `kjit bench` for
// attention definitions whose index structures are synthesized (no workload
// blob): `--kv-len N` (tokens per sequence), `--q-len N` (prefill queries per
// sequence) and `--empty-first` (sequence 0 gets no queries and no keys).
// gdn prefill (cu_seqlens) reads --q-len as tokens per sequence and
// --empty-first likewise; mamba_ssu reads --empty-first as "batch entry 0 is
// the pad slot -1" (recurrent_inputs.h).
// They apply where the axes leave the lengths free (e.g. `--axes batch_size=1
// --kv-len 32768`); totals given in --axes or a workload win.
//
// Thread safety: single-threaded CLI setup.
#pragma once

#include <cstdint>

#include <CLI/CLI.hpp>

#include "runtime/index_structures.h"

namespace kjit::tools {

struct SequenceFlags {
  std::int64_t kv_len = -1;  // -1: not given
  std::int64_t q_len = -1;
  bool empty_first = false;

  void add_to(CLI::App& sub) {
    sub.add_option("--kv-len", kv_len, "attention: kv tokens per sequence where the axes leave it free")
        ->check(CLI::NonNegativeNumber);
    sub.add_option("--q-len", q_len, "attention prefill: queries per sequence (gdn prefill: tokens) where the axes leave it free")
        ->check(CLI::NonNegativeNumber);
    sub.add_flag("--empty-first", empty_first,
                 "attention, gdn prefill: sequence 0 is empty; mamba_ssu: batch entry 0 is the pad slot -1");
  }

  runtime::SequenceOptions options() const {
    runtime::SequenceOptions o;
    if (kv_len >= 0) o.kv_len = kv_len;
    if (q_len >= 0) o.q_len = q_len;
    o.include_empty = empty_first;
    return o;
  }
};

}  // namespace kjit::tools
