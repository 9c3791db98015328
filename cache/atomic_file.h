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
  // fsync, close, rename over the target, fsync the folder. After an error
  // the temp file is removed and the target is untouched.
  Result<void> commit();

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
