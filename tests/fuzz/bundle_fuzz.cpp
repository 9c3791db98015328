// libFuzzer target: the cache bundle reader (cache/bundle.cpp parse_bundle).
// Any bytes must parse into entries or fail with an Error; never crash, read
// out of bounds, allocate without bound or trip ASan/UBSan. Seeded with a
// real bundle exported by build/kjit. Built and run by tools/dev/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <span>

#include "cache/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::uint8_t k_key[] = {'f', 'u', 'z', 'z', '-', 'k', 'e', 'y'};
  const std::span<const std::uint8_t> bytes(data, size);
  // Unsigned reading, then reading that requires an HMAC-SHA256 signature (format 2).
  for (std::span<const std::uint8_t> key : {std::span<const std::uint8_t>(), std::span<const std::uint8_t>(k_key)}) {
    auto parsed = kjit::cache::parse_bundle(bytes, "fuzz.kjit", key);
    if (!parsed) continue;
    for (const auto& e : parsed->entries) {
      (void)e.key.size();
      (void)e.cubin.size();
    }
  }
  return 0;
}
