// NVRTC version and build identifier (see nvrtc_version.h for the choice).
// Thread safety: one thread-safe static.
#include "jit/compiler/nvrtc_version.h"

#include <fcntl.h>
#include <nvrtc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstdio>

#include "jit/compiler/arch.h"
#include "jit/compiler/str_cat.h"
#include "jit/compiler/toolkit.h"

namespace kjit::jit {
namespace {

using detail::str_cat;

// Text after `marker` up to the end of its line, or empty.
std::string_view after_marker(std::string_view text, std::string_view marker) {
  auto pos = text.find(marker);
  if (pos == std::string_view::npos) return {};
  std::string_view rest = text.substr(pos + marker.size());
  rest = rest.substr(0, rest.find('\n'));
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r')) rest.remove_suffix(1);
  return rest;
}

std::string ptx_of_empty_program() {
  const auto& archs = nvrtc_supported_archs();
  if (archs.empty()) return {};
  nvrtcProgram program = nullptr;
  if (nvrtcCreateProgram(&program, "", "kjit_version.cu", 0, nullptr, nullptr) != NVRTC_SUCCESS) return {};
  const std::string arch = str_cat("-arch=compute_", archs.front());
  const char* options[] = {arch.c_str()};
  std::string ptx;
  std::size_t size = 0;
  if (nvrtcCompileProgram(program, 1, options) == NVRTC_SUCCESS && nvrtcGetPTXSize(program, &size) == NVRTC_SUCCESS) {
    ptx.resize(size);
    if (nvrtcGetPTX(program, ptx.data()) != NVRTC_SUCCESS) ptx.clear();
  }
  nvrtcDestroyProgram(&program);
  return ptx;
}

// XXH3-64 of the loaded libnvrtc file, or empty.
std::string library_hash() {
  const std::string path = nvrtc_library_path();
  if (path.empty()) return {};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct stat st{};
  std::string out;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    void* data = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (data != MAP_FAILED) {
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx",
                    static_cast<unsigned long long>(XXH3_64bits(data, static_cast<std::size_t>(st.st_size))));
      out = str_cat("libnvrtc xxh3 ", std::string_view(hex));
      ::munmap(data, static_cast<std::size_t>(st.st_size));
    }
  }
  ::close(fd);
  return out;
}

}  // namespace

std::string build_id_from_ptx(std::string_view ptx) {
  std::string_view release = after_marker(ptx, "// Cuda compilation tools, release ");
  std::string_view build = after_marker(ptx, "// Compiler Build ID: ");
  if (auto comma = release.rfind(", "); comma != std::string_view::npos) release = release.substr(comma + 2);
  if (release.empty() && build.empty()) return {};
  if (release.empty()) return std::string(build);
  if (build.empty()) return std::string(release);
  return str_cat(release, ", ", build);
}

const std::string& nvrtc_version_string() {
  static const std::string version = [] {
    int major = 0, minor = 0;
    nvrtcVersion(&major, &minor);
    std::string build = build_id_from_ptx(ptx_of_empty_program());
    if (build.empty()) build = library_hash();
    if (build.empty()) build = "build unknown";
    return str_cat("nvrtc ", major, ".", minor, " (", build, ")");
  }();
  return version;
}

}  // namespace kjit::jit
