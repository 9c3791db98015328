// libFuzzer target: the cache bundle reader (cache/bundle.cpp parse_bundle).
// Any bytes must parse into entries or fail with an Error; never crash, read
// out of bounds, allocate without bound or trip ASan/UBSan. Seeded with a
// real bundle exported by build/kjit. Built and run by tools/dev/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <span>

#include "cache/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto entries = kjit::cache::parse_bundle(std::span<const std::uint8_t>(data, size), "fuzz.kjit");
  if (entries) {
    for (const auto& e : entries->entries) {
      (void)e.key.size();
      (void)e.cubin.size();
    }
  }
  return 0;
}
