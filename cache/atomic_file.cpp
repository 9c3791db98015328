// AtomicFile: see atomic_file.h.
#include "cache/atomic_file.h"

#include <system_error>

#include "cache/paths.h"

namespace kjit::cache {
namespace {

namespace fs = std::filesystem;

// A target that is a symbolic link is written through: the file it points to
// is replaced (a link to a shared report stays a link). Up to 40 links, like
// the kernel's own limit; a dangling link is replaced by its destination path.
fs::path resolve_links(fs::path target) {
  for (int i = 0; i < 40; ++i) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(target, ec))) return target;
    fs::path to = fs::read_symlink(target, ec);
    if (ec) return target;
    target = to.is_absolute() ? to : target.parent_path() / to;
  }
  return target;
}

// The folder whose entry the rename changes: "." for a bare file name (its
// parent_path() is empty, and fsync of "" fails after the file was written).
fs::path folder_of(const fs::path& target) {
  fs::path parent = target.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

}  // namespace

Result<AtomicFile> AtomicFile::create(Env& env, std::filesystem::path target) {
  target = resolve_links(std::move(target));
  std::filesystem::path temp = CachePaths::temp_beside(target);
  auto file = KJIT_TRY(env.new_writable_file(temp));
  return AtomicFile(env, std::move(target), std::move(temp), std::move(file));
}

AtomicFile::AtomicFile(Env& env, std::filesystem::path target, std::filesystem::path temp,
                       std::unique_ptr<WritableFile> file)
    : m_env(&env), m_target(std::move(target)), m_temp(std::move(temp)), m_file(std::move(file)) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_env(other.m_env),
      m_target(std::move(other.m_target)),
      m_temp(std::move(other.m_temp)),
      m_file(std::move(other.m_file)),
      m_done(other.m_done) {
  other.m_done = true;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  if (m_done) return;
  m_done = true;
  if (m_file) (void)m_file->close();
  m_file.reset();
  (void)m_env->remove_file(m_temp);
}

Result<void> AtomicFile::write(std::span<const std::uint8_t> data) {
  if (m_done) return fail(ErrorCode::internal, "AtomicFile::write after commit for '" + m_target.string() + "'");
  auto r = m_file->append(data);
  if (!r) discard();
  return r;
}

Result<void> AtomicFile::commit(Durability durability) {
  if (m_done) return fail(ErrorCode::internal, "AtomicFile::commit twice for '" + m_target.string() + "'");
  auto step = [&]() -> Result<void> {
    if (durability == Durability::durable) KJIT_TRY_VOID(m_file->sync());
    KJIT_TRY_VOID(m_file->close());
    return m_env->rename_file(m_temp, m_target);
  };
  if (auto r = step(); !r) {
    discard();
    return r;
  }
  m_done = true;
  m_file.reset();
  // Makes the rename durable before anyone (the index) points at the target.
  if (durability == Durability::cached) return {};
  return m_env->sync_dir(folder_of(m_target));
}

}  // namespace kjit::cache
