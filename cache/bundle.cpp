// Cache bundle serializer and parser.
//
// Grammar (all integers little-endian; xxh3 = the 16 canonical bytes of
// XXH3-128):
//
//   bundle   := header entry* trailer signature?
//   header   := "KJITBNDL" u32(version = 2)
//   entry    := 'E' u64(payload_len) payload xxh3(payload)
//   payload  := an entry (grammar: entry_codec.cpp)
//   trailer  := 'T' u64(entry_count) xxh3(every byte before this digest)
//   signature := 'S' hmac_sha256(key, every byte before the 'S')   (32 bytes)
//
// Nothing may follow the trailer or the signature. A reader checks, before
// using any entry: the magic and version, every entry's payload hash, the
// blob hashes inside the meta, the entry count, the whole-file hash, and,
// given a key, the signature (constant-time comparison). Version 1 (no key
// inputs) is refused: its entries cannot be checked against their keys.
//
// The signature is a MAC with a key the operator shares between the fleet's
// warm-up jobs and its servers (`--sign-key FILE` / KJIT_BUNDLE_KEY): it
// proves a bundle came from a holder of the key, not which one.
//
// Thread safety: see bundle.h.
#include "cache/bundle.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>


#include "jit/util/str_cat.h"

#include "cache/entry_codec.h"
#include "cache/paths.h"

namespace kjit::cache {
namespace {

constexpr char k_magic[8] = {'K', 'J', 'I', 'T', 'B', 'N', 'D', 'L'};

}  // namespace

std::array<std::uint8_t, k_bundle_mac_bytes> hmac_sha256(std::span<const std::uint8_t> key,
                                                         std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, k_bundle_mac_bytes> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len);
  return out;
}

// A streaming HMAC-SHA256 (OpenSSL 3 EVP_MAC).
struct BundleWriter::Mac {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* ctx = nullptr;
  ~Mac() {
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
};

BundleWriter::BundleWriter(AtomicFile file) : m_file(std::move(file)) {}
BundleWriter::BundleWriter(BundleWriter&&) noexcept = default;
BundleWriter::~BundleWriter() = default;

Result<BundleWriter> BundleWriter::create(Env& env, const std::filesystem::path& file,
                                          std::span<const std::uint8_t> sign_key) {
  auto parent = file.parent_path();
  if (!parent.empty()) KJIT_TRY_VOID(env.create_dirs(parent));
  BundleWriter w(KJIT_TRY(AtomicFile::create(env, file)));
  if (!sign_key.empty()) {
    w.m_mac = std::make_unique<Mac>();
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    w.m_mac->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    w.m_mac->ctx = w.m_mac->mac ? EVP_MAC_CTX_new(w.m_mac->mac) : nullptr;
    if (!w.m_mac->ctx || EVP_MAC_init(w.m_mac->ctx, sign_key.data(), sign_key.size(), params) != 1)
      return fail(ErrorCode::internal, "cannot set up HMAC-SHA256 (OpenSSL) to sign the bundle");
  }
  std::vector<std::uint8_t> header(k_magic, k_magic + 8);
  put_le(header, k_bundle_version);
  KJIT_TRY_VOID(w.write(header));
  return w;
}

Result<void> BundleWriter::write(std::span<const std::uint8_t> bytes) {
  if (m_mac) EVP_MAC_update(m_mac->ctx, bytes.data(), bytes.size());
  m_whole->update(bytes);
  m_size += bytes.size();
  return m_file.write(bytes);
}

Result<void> BundleWriter::add(const Entry& e) {
  std::vector<std::uint8_t> payload = encode_entry(e);
  std::vector<std::uint8_t> head{'E'};
  put_le(head, static_cast<std::uint64_t>(payload.size()));
  auto digest = xxh3_128_bytes(payload);
  KJIT_TRY_VOID(write(head));
  KJIT_TRY_VOID(write(payload));
  KJIT_TRY_VOID(write(digest));
  ++m_count;
  return {};
}

Result<std::uint64_t> BundleWriter::finish() {
  std::vector<std::uint8_t> trailer{'T'};
  put_le(trailer, m_count);
  KJIT_TRY_VOID(write(trailer));
  auto digest = m_whole->digest();
  KJIT_TRY_VOID(m_file.write(digest));
  std::uint64_t size = m_size + digest.size();
  if (m_mac) {
    EVP_MAC_update(m_mac->ctx, digest.data(), digest.size());
    std::array<std::uint8_t, 1 + k_bundle_mac_bytes> signature{'S'};
    std::size_t len = 0;
    // The 'S' itself is not covered: the MAC is over every byte before it.
    if (EVP_MAC_final(m_mac->ctx, signature.data() + 1, &len, k_bundle_mac_bytes) != 1 || len != k_bundle_mac_bytes)
      return fail(ErrorCode::internal, "cannot compute the bundle's HMAC-SHA256 (OpenSSL)");
    KJIT_TRY_VOID(m_file.write(signature));
    size += signature.size();
  }
  KJIT_TRY_VOID(m_file.commit());
  return size;
}

Result<ParsedBundle> parse_bundle(std::span<const std::uint8_t> bytes, const std::string& name,
                                  std::span<const std::uint8_t> key) {
  auto corrupt = [&](std::string what) {
    return fail(ErrorCode::corruption, str_cat("bundle '", name, "' is corrupt or not a kjit bundle: ", what, "; nothing was imported"));
  };
  ByteReader r(bytes);
  std::span<const std::uint8_t> magic;
  std::uint32_t version = 0;
  if (!r.take(8, magic) || std::memcmp(magic.data(), k_magic, 8) != 0) return corrupt("bad magic");
  if (!r.le(version)) return corrupt("truncated header");
  if (version == 1)
    return fail(ErrorCode::invalid_argument,
                str_cat("bundle '", name, "' has format version 1, whose entries carry no key inputs and cannot be "
                        "checked against their keys: export it again with this kjit; nothing was imported"));
  if (version != k_bundle_version)
    return fail(ErrorCode::invalid_argument, str_cat("bundle '", name, "' has format version ", version, ", this kjit reads ", k_bundle_version));
  std::vector<Entry> out;
  while (true) {
    std::span<const std::uint8_t> tag;
    if (!r.take(1, tag)) return corrupt("truncated (no trailer)");
    if (tag[0] == 'T') break;
    if (tag[0] != 'E') return corrupt(str_cat("unexpected byte ", static_cast<int>(tag[0]), " at offset ", r.pos() - 1));
    std::uint64_t len = 0;
    std::span<const std::uint8_t> payload, digest;
    if (!r.le(len) || !r.take(len, payload) || !r.take(16, digest))
      return corrupt(str_cat("entry ", out.size(), " is truncated"));
    auto want = xxh3_128_bytes(payload);
    if (std::memcmp(want.data(), digest.data(), 16) != 0)
      return corrupt(str_cat("entry ", out.size(), " fails its checksum"));
    auto e = decode_entry(payload);
    if (!e) return corrupt(str_cat("entry ", out.size(), " ", e.error().message));
    out.push_back(std::move(*e));
  }
  std::uint64_t count = 0;
  std::span<const std::uint8_t> digest;
  if (!r.le(count)) return corrupt("truncated trailer");
  std::size_t hashed = r.pos();
  if (!r.take(16, digest)) return corrupt("bad trailer length");
  ParsedBundle parsed;
  const std::size_t signed_part = r.pos();
  if (!r.done()) {
    std::span<const std::uint8_t> tag, mac;
    if (!r.take(1, tag) || tag[0] != 'S' || !r.take(k_bundle_mac_bytes, mac) || !r.done())
      return corrupt("unexpected bytes after the trailer");
    parsed.is_signed = true;
    if (!key.empty()) {
      auto want = hmac_sha256(key, bytes.first(signed_part));
      if (CRYPTO_memcmp(want.data(), mac.data(), k_bundle_mac_bytes) != 0)
        return fail(ErrorCode::invalid_argument,
                    str_cat("bundle '", name, "' is signed with another key than the one configured (--sign-key / "
                            "KJIT_BUNDLE_KEY), or was changed after signing; nothing was imported"));
      parsed.signature_checked = true;
    }
  }
  if (count != out.size()) return corrupt(str_cat("trailer says ", count, " entries, found ", out.size()));
  auto want = xxh3_128_bytes(bytes.first(hashed));
  if (std::memcmp(want.data(), digest.data(), 16) != 0) return corrupt("whole-file checksum mismatch");
  if (!key.empty() && !parsed.is_signed)
    return fail(ErrorCode::invalid_argument,
                str_cat("bundle '", name, "' is not signed, and a signature is required (a key is configured with "
                        "--sign-key / KJIT_BUNDLE_KEY): export it with `kjit cache export --sign-key FILE`; nothing was "
                        "imported"));
  parsed.entries = std::move(out);
  return parsed;
}

}  // namespace kjit::cache
