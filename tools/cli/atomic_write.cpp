// Atomic whole-file writes; see atomic_write.h.
#include "tools/cli/atomic_write.h"

#include <span>
#include <system_error>

#include "cache/atomic_file.h"

namespace kjit::tools {

Result<void> write_file_atomic(const std::filesystem::path& target, std::string_view bytes,
                               cache::Durability durability) {
  std::error_code ec;
  auto folder = target.parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder, ec);
  if (ec) return fail(ErrorCode::io_error, "cannot create folder " + folder.string() + ": " + ec.message());
  auto file = KJIT_TRY(cache::AtomicFile::create(*cache::Env::posix(), target));
  KJIT_TRY_VOID(file.write(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size())));
  KJIT_TRY_VOID(file.commit(durability));
  return {};
}

}  // namespace kjit::tools
