// `--alias OUT=IN` (repeatable, or comma-separated pairs), shared by `kjit
// check` and `kjit bench`: output OUT is written into input IN's device
// buffer, as a serving stack that updates a recurrent state in place passes
// one tensor as both (e.g. `--alias new_state=state` for gdn decode and
// prefill and mamba_ssu, `--alias final_state=initial_state` for gdn mtp).
// The kernel must then read every element before it writes it; check compares
// OUT with the reference computed from IN's original values.
//
// Thread safety: single-threaded CLI setup.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "runtime/runner.h"

namespace kjit::tools {

struct AliasFlag {
  std::vector<std::string> pairs;

  void add_to(CLI::App& sub) {
    sub.add_option("--alias", pairs,
                   "OUT=IN: output OUT updates input IN's buffer in place (e.g. new_state=state); repeatable");
  }

  Result<runtime::Aliases> aliases() const {
    runtime::Aliases out;
    for (const auto& text : pairs) {
      auto parsed = KJIT_TRY(runtime::parse_aliases_text(text));
      out.insert(out.end(), parsed.begin(), parsed.end());
    }
    return out;
  }
};

}  // namespace kjit::tools
