// CachePaths: see paths.h.
#include "cache/paths.h"

#include <unistd.h>

#include <atomic>
#include "jit/util/str_cat.h"

namespace kjit::cache {

std::filesystem::path CachePaths::quarantined(std::string_view hash, std::int64_t stamp_ms) const {
  return quarantine_dir() / str_cat(hash, ".", stamp_ms);
}

std::filesystem::path CachePaths::temp_beside(const std::filesystem::path& target) {
  static std::atomic<std::uint64_t> counter{0};
  std::filesystem::path p = target;
  p += str_cat(".tmp.", static_cast<long>(::getpid()), ".", counter.fetch_add(1));
  return p;
}

bool CachePaths::is_temp_name(std::string_view file_name) { return file_name.find(".tmp.") != std::string_view::npos; }

bool is_valid_key(std::string_view key) {
  if (key.empty() || key.size() > 128) return false;
  for (char c : key)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-'))
      return false;
  return true;
}

}  // namespace kjit::cache
