// AtomicFile (ccache style): writes go to a temp file beside the target;
// `commit()` fsyncs it, renames it over the target and fsyncs the folder, so
// readers see either no file or the whole file, even across a crash. An
// AtomicFile destroyed before commit removes its temp file; a temp left by a
// crashed process is removed later by `Cache::gc()` (after an hour).
//
// Thread safety: one AtomicFile is used by one thread; different AtomicFiles
// (even for one target) never share a temp name.
#pragma once

#include <filesystem>
#include <memory>
#include <span>

#include "cache/env.h"

namespace kjit::cache {

// durable: commit() fsyncs the file and its folder (the default: the cache's
// own copy of a compile is the only one). cached: no fsyncs, for bytes that
// are kept durably elsewhere (a remote tier's value, cache_remote.cpp): still
// atomic for readers (temp + rename); after a power loss the file may be
// empty or torn, which the blob store's hash check on every read turns into
// a miss (quarantined, counted) and so a fetch again. Why: two fsyncs per
// blob are ~1-4 ms each on a loaded VM disk, most of a remote hit.
enum class Durability { durable, cached };

class AtomicFile {
 public:
  // Creates the temp file beside `target` (any form: bare name, relative,
  // "./x", absolute; a symbolic link is followed and its destination
  // replaced). REQUIRES: `target`'s folder exists.
  static Result<AtomicFile> create(Env& env, std::filesystem::path target);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  ~AtomicFile();

  Result<void> write(std::span<const std::uint8_t> data);
  // fsync, close, rename over the target, fsync the folder (no fsyncs with
  // Durability::cached). After an error the temp file is removed and the
  // target is untouched.
  Result<void> commit(Durability durability = Durability::durable);

  const std::filesystem::path& target() const { return m_target; }
  const std::filesystem::path& temp_path() const { return m_temp; }

 private:
  AtomicFile(Env& env, std::filesystem::path target, std::filesystem::path temp, std::unique_ptr<WritableFile> file);
  void discard();

  Env* m_env;
  std::filesystem::path m_target;
  std::filesystem::path m_temp;
  std::unique_ptr<WritableFile> m_file;
  bool m_done = false;  // committed or discarded
};

}  // namespace kjit::cache
