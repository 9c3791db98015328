// Cache bundle serializer and parser.
//
// Grammar (all integers little-endian; xxh3 = the 16 canonical bytes of
// XXH3-128):
//
//   bundle   := header entry* trailer
//   header   := "KJITBNDL" u32(version = 1)
//   entry    := 'E' u64(payload_len) payload xxh3(payload)
//   payload  := u32(meta_len) meta u64(cubin_len) cubin u64(source_len) source
//   meta     := JSON object: {"key", "definition", "op_type", "arch",
//               "nvrtc_version", "options", "lowered_names", "launch_plan",
//               "resources" (these four are JSON texts kept as strings, so they
//               round-trip byte for byte), "log", "compile_ms",
//               "dependencies": [{"file", "content_hash"}...],
//               "cubin_xxh3", "source_xxh3" (hex of the blob hashes)}
//   trailer  := 'T' u64(entry_count) xxh3(every byte before this digest)
//
// Nothing may follow the trailer. A reader checks, before using any entry:
// the magic and version, every entry's payload hash, the blob hashes inside
// the meta, the entry count, and the whole-file hash.
//
// Thread safety: see bundle.h.
#include "cache/bundle.h"

#include <cstring>
#include "jit/util/str_cat.h"

#include <nlohmann/json.hpp>

#include "cache/paths.h"

namespace kjit::cache {
namespace {

constexpr char k_magic[8] = {'K', 'J', 'I', 'T', 'B', 'N', 'D', 'L'};

template <class T>
void put_le(std::vector<std::uint8_t>& out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); }

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// A bounds-checked little-endian reader over a byte span.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : m_b(b) {}
  bool take(std::size_t n, std::span<const std::uint8_t>& out) {
    if (m_b.size() - m_pos < n) return false;
    out = m_b.subspan(m_pos, n);
    m_pos += n;
    return true;
  }
  template <class T>
  bool le(T& v) {
    std::span<const std::uint8_t> s;
    if (!take(sizeof(T), s)) return false;
    v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(s[i]) << (8 * i);
    return true;
  }
  std::size_t pos() const { return m_pos; }
  bool done() const { return m_pos == m_b.size(); }

 private:
  std::span<const std::uint8_t> m_b;
  std::size_t m_pos = 0;
};

std::string meta_of(const Entry& e) {
  nlohmann::ordered_json j;
  j["key"] = e.key;
  j["definition"] = e.definition;
  j["op_type"] = e.op_type;
  j["arch"] = e.arch;
  j["nvrtc_version"] = e.nvrtc_version;
  j["options"] = e.options_json;
  j["lowered_names"] = e.lowered_names_json;
  j["launch_plan"] = e.launch_plan_json;
  j["resources"] = e.resources_json;
  j["log"] = e.log;
  j["compile_ms"] = e.compile_ms;
  j["dependencies"] = nlohmann::json::array();
  for (const auto& d : e.dependencies) j["dependencies"].push_back({{"file", d.file}, {"content_hash", d.content_hash}});
  j["cubin_xxh3"] = xxh3_128_hex(e.cubin);
  j["source_xxh3"] = xxh3_128_hex(e.source);
  return j.dump();
}

}  // namespace

Result<BundleWriter> BundleWriter::create(Env& env, const std::filesystem::path& file) {
  auto parent = file.parent_path();
  if (!parent.empty()) KJIT_TRY_VOID(env.create_dirs(parent));
  BundleWriter w(KJIT_TRY(AtomicFile::create(env, file)));
  std::vector<std::uint8_t> header(k_magic, k_magic + 8);
  put_le(header, k_bundle_version);
  KJIT_TRY_VOID(w.write(header));
  return w;
}

Result<void> BundleWriter::write(std::span<const std::uint8_t> bytes) {
  m_whole->update(bytes);
  m_size += bytes.size();
  return m_file.write(bytes);
}

Result<void> BundleWriter::add(const Entry& e) {
  std::string meta = meta_of(e);
  std::vector<std::uint8_t> payload;
  payload.reserve(meta.size() + e.cubin.size() + e.source.size() + 20);
  put_le(payload, static_cast<std::uint32_t>(meta.size()));
  put_bytes(payload, as_bytes(meta));
  put_le(payload, static_cast<std::uint64_t>(e.cubin.size()));
  put_bytes(payload, e.cubin);
  put_le(payload, static_cast<std::uint64_t>(e.source.size()));
  put_bytes(payload, as_bytes(e.source));
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
  KJIT_TRY_VOID(m_file.commit());
  return m_size + digest.size();
}

Result<std::vector<Entry>> parse_bundle(std::span<const std::uint8_t> bytes, const std::string& name) {
  auto corrupt = [&](std::string what) {
    return fail(ErrorCode::corruption, str_cat("bundle '", name, "' is corrupt or not a kjit bundle: ", what, "; nothing was imported"));
  };
  Reader r(bytes);
  std::span<const std::uint8_t> magic;
  std::uint32_t version = 0;
  if (!r.take(8, magic) || std::memcmp(magic.data(), k_magic, 8) != 0) return corrupt("bad magic");
  if (!r.le(version)) return corrupt("truncated header");
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
    Reader p(payload);
    std::uint32_t meta_len = 0;
    std::uint64_t cubin_len = 0, source_len = 0;
    std::span<const std::uint8_t> meta, cubin, source;
    if (!p.le(meta_len) || !p.take(meta_len, meta) || !p.le(cubin_len) || !p.take(cubin_len, cubin) ||
        !p.le(source_len) || !p.take(source_len, source) || !p.done())
      return corrupt(str_cat("entry ", out.size(), " has bad lengths"));
    Entry e;
    try {
      auto j = nlohmann::json::parse(meta.begin(), meta.end());
      e.key = j.at("key").get<std::string>();
      e.definition = j.at("definition").get<std::string>();
      e.op_type = j.at("op_type").get<std::string>();
      e.arch = j.at("arch").get<std::string>();
      e.nvrtc_version = j.at("nvrtc_version").get<std::string>();
      e.options_json = j.at("options").get<std::string>();
      e.lowered_names_json = j.at("lowered_names").get<std::string>();
      e.launch_plan_json = j.at("launch_plan").get<std::string>();
      e.resources_json = j.at("resources").get<std::string>();
      e.log = j.at("log").get<std::string>();
      e.compile_ms = j.at("compile_ms").get<double>();
      for (const auto& d : j.at("dependencies"))
        e.dependencies.push_back({d.at("file").get<std::string>(), d.at("content_hash").get<std::string>()});
      e.cubin.assign(cubin.begin(), cubin.end());
      e.source.assign(source.begin(), source.end());
      if (j.at("cubin_xxh3").get<std::string>() != xxh3_128_hex(e.cubin) ||
          j.at("source_xxh3").get<std::string>() != xxh3_128_hex(e.source))
        return corrupt(str_cat("entry ", out.size(), " (", e.key, ") has a blob that does not match its hash"));
    } catch (const nlohmann::json::exception& ex) {
      return corrupt(str_cat("entry ", out.size(), " has bad metadata: ", ex.what()));
    }
    if (!is_valid_key(e.key)) return corrupt(str_cat("entry ", out.size(), " has an invalid key '", e.key, "'"));
    out.push_back(std::move(e));
  }
  std::uint64_t count = 0;
  std::span<const std::uint8_t> digest;
  if (!r.le(count)) return corrupt("truncated trailer");
  std::size_t hashed = r.pos();
  if (!r.take(16, digest) || !r.done()) return corrupt("bad trailer length");
  if (count != out.size()) return corrupt(str_cat("trailer says ", count, " entries, found ", out.size()));
  auto want = xxh3_128_bytes(bytes.first(hashed));
  if (std::memcmp(want.data(), digest.data(), 16) != 0) return corrupt("whole-file checksum mismatch");
  return out;
}

}  // namespace kjit::cache
