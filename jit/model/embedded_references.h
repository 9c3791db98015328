// The reference templates compiled into kjit_model: jit/model/references/*.py,
// embedded at build time by jit/model/references/embed.cmake (name = file
// name without .py). Read them through references.h.
//
// Thread safety: constant data.
#pragma once

#include <cstddef>
#include <string_view>

namespace kjit::jit::detail {

struct EmbeddedReference {
  std::string_view name;
  std::string_view text;
};

extern const EmbeddedReference k_embedded_references[];
extern const std::size_t k_embedded_reference_count;

}  // namespace kjit::jit::detail
