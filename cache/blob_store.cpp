// BlobStore: see blob_store.h.
#include "cache/blob_store.h"

#include "jit/util/str_cat.h"

#include "cache/atomic_file.h"
#include "jit/util/hash.h"

namespace kjit::cache {

Result<BlobRef> BlobStore::put(std::span<const std::uint8_t> data, Durability durability) {
  BlobRef ref{xxh3_128_hex(data), data.size()};
  auto existing = get(ref.hash, ref.size);
  if (existing) return ref;
  if (existing.error().code == ErrorCode::corruption) (void)quarantine(ref.hash);
  KJIT_TRY_VOID(m_env->create_dirs(m_paths->object_shard(ref.hash)));
  auto file = KJIT_TRY(AtomicFile::create(*m_env, m_paths->object(ref.hash)));
  KJIT_TRY_VOID(file.write(data));
  KJIT_TRY_VOID(file.commit(durability));
  return ref;
}

Result<std::vector<std::uint8_t>> BlobStore::get(const std::string& hash, std::uint64_t expected_size) const {
  auto path = m_paths->object(hash);
  // A blob is never a link and never larger than its row says (issue #19.7).
  auto bytes = KJIT_TRY(m_env->read_file(path, {.no_follow = true, .max_bytes = expected_size}));
  if (bytes.size() != expected_size)
    return fail(ErrorCode::corruption, str_cat("cache blob '", path.string(), "' has ", bytes.size(), " bytes, expected ", expected_size));
  if (std::string actual = xxh3_128_hex(bytes); actual != hash)
    return fail(ErrorCode::corruption,
                str_cat("cache blob '", path.string(), "' is corrupt: its content hashes to ", actual));
  return bytes;
}

bool BlobStore::exists(const std::string& hash) const { return m_env->stat(m_paths->object(hash)).has_value(); }

Result<void> BlobStore::quarantine(const std::string& hash) {
  KJIT_TRY_VOID(m_env->create_dirs(m_paths->quarantine_dir()));
  return m_env->rename_file(m_paths->object(hash), m_paths->quarantined(hash, m_env->now_ms()));
}

Result<void> BlobStore::remove(const std::string& hash) { return m_env->remove_file(m_paths->object(hash)); }

Result<std::vector<BlobFile>> BlobStore::list() const {
  std::vector<BlobFile> out;
  auto shards = m_env->list_dir(m_paths->objects_dir());
  if (!shards) return shards.error().code == ErrorCode::not_found ? Result<std::vector<BlobFile>>(out)
                                                                 : std::unexpected(shards.error());
  for (const auto& shard : *shards) {
    if (!shard.is_dir) continue;
    auto files = m_env->list_dir(m_paths->objects_dir() / shard.name);
    if (!files) continue;  // removed meanwhile
    for (const auto& f : *files)
      if (!f.is_dir && is_hash_hex(f.name)) out.push_back({f.name, f.size, f.mtime_s});
  }
  return out;
}

Result<std::vector<std::pair<std::filesystem::path, std::int64_t>>> BlobStore::list_temps() const {
  std::vector<std::pair<std::filesystem::path, std::int64_t>> out;
  auto shards = m_env->list_dir(m_paths->objects_dir());
  if (!shards) return out;
  for (const auto& shard : *shards) {
    if (!shard.is_dir) continue;
    auto dir = m_paths->objects_dir() / shard.name;
    auto files = m_env->list_dir(dir);
    if (!files) continue;
    for (const auto& f : *files)
      if (!f.is_dir && CachePaths::is_temp_name(f.name)) out.emplace_back(dir / f.name, f.mtime_s);
  }
  return out;
}

}  // namespace kjit::cache
