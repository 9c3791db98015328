// Cache facade: export_bundle / import_bundle (format in bundle.cpp).
//
// Export reads each entry's verified blobs and streams them into an
// AtomicFile (signed when a key is given). Import reads the whole bundle into
// memory and verifies every checksum, the signature (given a key) and every
// entry's binding to its key (the verifier) before inserting anything
// (bundles are the size of a cache: hundreds of MB at most, by the size cap),
// so a damaged, foreign or poisoned bundle changes nothing; entries already
// present are kept and counted as skipped.
//
// Thread safety: see cache.h.
#include "jit/util/json_limits.h"
#include "jit/util/str_cat.h"

#include "cache/bundle.h"
#include "cache/cache.h"
#include "cache/index.h"

namespace kjit::cache {

Result<BundleReport> Cache::export_bundle(const std::filesystem::path& file, const BundleSigning& signing) {
  BundleReport report;
  std::vector<KernelRow> rows;
  {
    std::lock_guard lock(m_db_mutex);
    flush_stats_locked();
    rows = KJIT_TRY(m_index->rows_by_last_used());
  }
  auto writer = KJIT_TRY(BundleWriter::create(*m_env, file, signing.key));
  for (const auto& row : rows) {
    auto cubin = m_blobs.get(row.cubin.hash, row.cubin.size);
    auto source = m_blobs.get(row.source.hash, row.source.size);
    if (!cubin || !source) {
      ++report.skipped;  // `kjit cache verify` quarantines it
      continue;
    }
    Entry e{row.key, row.definition, row.op_type, row.arch, row.nvrtc_version, row.options_json,
            row.lowered_names_json, row.launch_plan_json, row.resources_json, row.key_inputs_json, std::move(*cubin),
            std::string(source->begin(), source->end()), {}, row.log, row.compile_ms};
    {
      std::lock_guard lock(m_db_mutex);
      e.dependencies = KJIT_TRY(m_index->dependencies(row.key));
    }
    KJIT_TRY_VOID(writer.add(e));
    ++report.entries;
  }
  report.bytes = KJIT_TRY(writer.finish());
  return report;
}

Result<BundleReport> Cache::import_bundle(const std::filesystem::path& file, const BundleSigning& signing) {
  KJIT_TRY_VOID(require_writable("import a bundle"));
  if (signing.require && signing.key.empty())
    return fail(ErrorCode::invalid_argument,
                "a bundle signature is required but no key is configured: pass --sign-key FILE or set KJIT_BUNDLE_KEY");
  auto bytes = m_env->read_file(file);
  if (!bytes) {
    if (bytes.error().code == ErrorCode::not_found)
      return fail(ErrorCode::not_found, str_cat("bundle '", file.string(), "' does not exist"));
    return std::unexpected(bytes.error());
  }
  auto parsed = KJIT_TRY(parse_bundle(*bytes, file.string(), signing.key));
  const std::vector<Entry>& entries = parsed.entries;
  // Every entry must belong to its key before any is stored: checksums only
  // prove the file is intact (a poisoned bundle recomputes them).
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (auto ok = verify_one(entries[i]); !ok)
      return fail(ErrorCode::corruption,
                  // Names from the bundle are outside input: printable ASCII only.
                  str_cat("bundle '", file.string(), "' entry ", i, " (key ", ascii_safe(entries[i].key), ", ",
                          ascii_safe(entries[i].definition), " ", ascii_safe(entries[i].arch),
                          ") is refused: ", ascii_safe(ok.error().message), "; nothing was imported"),
                  ok.error().details);
  }
  BundleReport report;
  report.bytes = bytes->size();
  for (const auto& e : entries) {
    bool present = false;
    {
      std::lock_guard lock(m_db_mutex);
      present = KJIT_TRY(m_index->find(e.key)).has_value();
    }
    if (present) {
      ++report.skipped;
      continue;
    }
    KJIT_TRY_VOID(insert_impl(e));
    ++report.entries;
  }
  return report;
}

}  // namespace kjit::cache
