// The kernel-input flags shared by `kjit check` and `kjit bench`: `--axes k=v,...`, `--seed N`,
// `--inputs-profile NAME` (runtime/input_profiles.h), the sequence-length flags
// (sequence_flags.h) and `--alias OUT=IN` (alias_flag.h), and their conversion into the
// runner's CheckOptions / BenchOptions (same field names in both).
// Each command registers them where its --help lists them (add_axes, add_seed_and_profile,
// add_shape_flags), with its own help for --axes and --seed.
//
// Thread safety: single-threaded CLI setup.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "runtime/runner.h"
#include "runtime/workload.h"
#include "tools/cli/alias_flag.h"
#include "tools/cli/sequence_flags.h"

namespace kjit::tools {

struct InputFlags {
  std::string axes;
  std::uint64_t seed = 0;
  std::string profile;  // --inputs-profile
  SequenceFlags sequences;
  AliasFlag alias;

  void add_axes(CLI::App& sub, const std::string& help) { sub.add_option("--axes", axes, help); }

  // --seed (with `seed_help`), then --inputs-profile.
  void add_seed_and_profile(CLI::App& sub, const std::string& seed_help) {
    sub.add_option("--seed", seed, seed_help);
    sub.add_option("--inputs-profile", profile,
                   "synthetic inputs for edge cases (sampling: onehot, uniform, ties, sparse, unfiltered, tiny_p, "
                   "max_ties, edge; dsa_paged indexer: ties; moe: one_expert, half_empty, no_local)");
  }

  // --kv-len, --q-len, --empty-first, then --alias.
  void add_shape_flags(CLI::App& sub) {
    sequences.add_to(sub);
    alias.add_to(sub);
  }

  // Fills `options`' axes, seed, inputs_profile, sequences and aliases; an error for a malformed
  // --axes or --alias.
  template <class Options>
  Result<void> apply(Options& options) const {
    if (!axes.empty()) options.axes = KJIT_TRY(runtime::parse_axes_text(axes));
    options.seed = seed;
    options.inputs_profile = profile;
    options.sequences = sequences.options();
    options.aliases = KJIT_TRY(alias.aliases());
    return {};
  }
};

}  // namespace kjit::tools
