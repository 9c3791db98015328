// Entry codec; see entry_codec.h.
//
// Grammar (integers little-endian):
//
//   payload  := u32(meta_len) meta u64(cubin_len) cubin u64(source_len) source
//   meta     := JSON object: {"key", "definition", "op_type", "arch",
//               "nvrtc_version", "options", "lowered_names", "launch_plan",
//               "resources" (these four are JSON texts kept as strings, so they
//               round-trip byte for byte), "log", "compile_ms",
//               "dependencies": [{"file", "content_hash"}...],
//               "key_inputs" (JSON text, Entry::key_inputs_json),
//               "cubin_xxh3", "source_xxh3" (hex of the blob hashes)}
//
// Nothing may follow the source.
#include "cache/entry_codec.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "jit/util/hash.h"
#include "jit/util/str_cat.h"

#include "cache/paths.h"

namespace kjit::cache {
namespace {

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); }

// The text fields of meta in the order they are written (the grammar's);
// one list for encode and decode.
constexpr std::pair<const char*, std::string Entry::*> k_text_fields[] = {
    {"key", &Entry::key},
    {"definition", &Entry::definition},
    {"op_type", &Entry::op_type},
    {"arch", &Entry::arch},
    {"nvrtc_version", &Entry::nvrtc_version},
    {"options", &Entry::options_json},
    {"lowered_names", &Entry::lowered_names_json},
    {"launch_plan", &Entry::launch_plan_json},
    {"resources", &Entry::resources_json},
    {"log", &Entry::log},
};

std::string meta_of(const Entry& e) {
  nlohmann::ordered_json j;
  for (const auto& [name, field] : k_text_fields) j[name] = e.*field;
  j["compile_ms"] = e.compile_ms;
  j["dependencies"] = nlohmann::json::array();
  for (const auto& d : e.dependencies) j["dependencies"].push_back({{"file", d.file}, {"content_hash", d.content_hash}});
  j["key_inputs"] = e.key_inputs_json;
  j["cubin_xxh3"] = xxh3_128_hex(e.cubin);
  j["source_xxh3"] = xxh3_128_hex(e.source);
  return j.dump();
}

}  // namespace

std::vector<std::uint8_t> encode_entry(const Entry& e) {
  std::string meta = meta_of(e);
  std::vector<std::uint8_t> payload;
  payload.reserve(meta.size() + e.cubin.size() + e.source.size() + 20);
  put_le(payload, static_cast<std::uint32_t>(meta.size()));
  put_bytes(payload, as_bytes(meta));
  put_le(payload, static_cast<std::uint64_t>(e.cubin.size()));
  put_bytes(payload, e.cubin);
  put_le(payload, static_cast<std::uint64_t>(e.source.size()));
  put_bytes(payload, as_bytes(e.source));
  return payload;
}

Result<Entry> decode_entry(std::span<const std::uint8_t> payload) {
  ByteReader p(payload);
  std::uint32_t meta_len = 0;
  std::uint64_t cubin_len = 0, source_len = 0;
  std::span<const std::uint8_t> meta, cubin, source;
  if (!p.le(meta_len) || !p.take(meta_len, meta) || !p.le(cubin_len) || !p.take(cubin_len, cubin) ||
      !p.le(source_len) || !p.take(source_len, source) || !p.done())
    return fail(ErrorCode::corruption, "has bad lengths");
  Entry e;
  try {
    auto j = nlohmann::json::parse(meta.begin(), meta.end());
    for (const auto& [name, field] : k_text_fields) e.*field = j.at(name).get<std::string>();
    e.compile_ms = j.at("compile_ms").get<double>();
    e.key_inputs_json = j.at("key_inputs").get<std::string>();
    for (const auto& d : j.at("dependencies"))
      e.dependencies.push_back({d.at("file").get<std::string>(), d.at("content_hash").get<std::string>()});
    e.cubin.assign(cubin.begin(), cubin.end());
    e.source.assign(source.begin(), source.end());
    if (j.at("cubin_xxh3").get<std::string>() != xxh3_128_hex(e.cubin) ||
        j.at("source_xxh3").get<std::string>() != xxh3_128_hex(e.source))
      return fail(ErrorCode::corruption, str_cat("(", e.key, ") has a blob that does not match its hash"));
  } catch (const nlohmann::json::exception& ex) {
    return fail(ErrorCode::corruption, str_cat("has bad metadata: ", ex.what()));
  }
  if (!is_valid_key(e.key)) return fail(ErrorCode::corruption, str_cat("has an invalid key '", e.key, "'"));
  return e;
}

}  // namespace kjit::cache
