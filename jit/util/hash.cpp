// XXH3-128 helpers over libxxhash (see hash.h).
#include "jit/util/hash.h"

#include <xxhash.h>

namespace kjit {
namespace {

std::array<std::uint8_t, 16> canonical(XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  std::array<std::uint8_t, 16> out{};
  for (int i = 0; i < 16; ++i) out[i] = c.digest[i];
  return out;
}

}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out(2 * bytes.size(), '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = k_digits[bytes[i] >> 4];
    out[2 * i + 1] = k_digits[bytes[i] & 15];
  }
  return out;
}

std::array<std::uint8_t, 16> xxh3_128_bytes(std::span<const std::uint8_t> data) {
  return canonical(XXH3_128bits(data.data(), data.size()));
}

std::string xxh3_128_hex(std::span<const std::uint8_t> data) { return to_hex(xxh3_128_bytes(data)); }

std::string xxh3_128_hex(std::string_view data) {
  return xxh3_128_hex(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

bool is_hash_hex(std::string_view text) {
  if (text.size() != 32) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

struct Xxh3Hasher::State {
  XXH3_state_t* state = XXH3_createState();
  ~State() { XXH3_freeState(state); }
};

Xxh3Hasher::Xxh3Hasher() : m_state(std::make_unique<State>()) { XXH3_128bits_reset(m_state->state); }
Xxh3Hasher::~Xxh3Hasher() = default;

void Xxh3Hasher::update(std::span<const std::uint8_t> data) {
  XXH3_128bits_update(m_state->state, data.data(), data.size());
}

void Xxh3Hasher::update(std::string_view data) { XXH3_128bits_update(m_state->state, data.data(), data.size()); }

std::string Xxh3Hasher::hex() const { return to_hex(digest()); }

std::array<std::uint8_t, 16> Xxh3Hasher::digest() const { return canonical(XXH3_128bits_digest(m_state->state)); }

}  // namespace kjit
