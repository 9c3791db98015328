// NVRTC version and build identifier (see nvrtc_version.h for the choice and
// the memo file). Thread safety: one thread-safe static, one mutex.
#include "jit/compiler/nvrtc_version.h"

#include <fcntl.h>
#include <nvrtc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "jit/compiler/arch.h"
#include "jit/compiler/nvrtc_library.h"
#include "jit/util/str_cat.h"

namespace kjit::jit {
namespace {


// Text after `marker` up to the end of its line, or empty.
std::string_view after_marker(std::string_view text, std::string_view marker) {
  auto pos = text.find(marker);
  if (pos == std::string_view::npos) return {};
  std::string_view rest = text.substr(pos + marker.size());
  rest = rest.substr(0, rest.find('\n'));
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r')) rest.remove_suffix(1);
  return rest;
}

// The archs the loaded library supports, sorted (empty when it is missing).
std::vector<int> archs_from_library() {
  std::vector<int> out;
  int count = 0;
  if (nvrtcGetNumSupportedArchs(&count) != NVRTC_SUCCESS || count <= 0) return out;
  out.resize(static_cast<std::size_t>(count));
  if (nvrtcGetSupportedArchs(out.data()) != NVRTC_SUCCESS) out.clear();
  std::ranges::sort(out);
  return out;
}

std::string ptx_of_empty_program(const std::vector<int>& archs) {
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

NvrtcFacts compute_facts() {
  NvrtcFacts facts;
  if (!load_nvrtc()) {
    facts.identity = "nvrtc unavailable";
    return facts;
  }
  int major = 0, minor = 0;
  nvrtcVersion(&major, &minor);
  facts.archs = archs_from_library();
  std::string build = build_id_from_ptx(ptx_of_empty_program(facts.archs));
  if (build.empty()) build = library_hash();
  if (build.empty()) build = "build unknown";
  facts.identity = str_cat("nvrtc ", major, ".", minor, " (", build, ")");
  return facts;
}

constexpr std::string_view k_memo_header = "kjit nvrtc identity v2";

std::string archs_text(const std::vector<int>& archs) {
  std::string out;
  for (int a : archs) out += str_cat(out.empty() ? "" : " ", a);
  return out;
}

// The facts stored in `memo_file` when its stamp is `stamp`, else empty.
std::optional<NvrtcFacts> read_memo(const std::filesystem::path& memo_file, const std::string& stamp) {
  std::ifstream in(memo_file, std::ios::binary);
  std::string header, stored_stamp, identity, archs;
  if (!in || !std::getline(in, header) || !std::getline(in, stored_stamp) || !std::getline(in, identity) ||
      !std::getline(in, archs))
    return std::nullopt;
  if (header != k_memo_header || stored_stamp != stamp || !identity.starts_with("nvrtc ")) return std::nullopt;
  NvrtcFacts facts;
  facts.identity = identity;
  std::istringstream words(archs);
  for (int a = 0; words >> a;) facts.archs.push_back(a);
  if (!words.eof() || facts.archs.empty() || !std::ranges::is_sorted(facts.archs)) return std::nullopt;
  return facts;
}

// Best effort: temp file beside the memo (a name `kjit cache gc` knows as a
// temp), then rename, so readers see the old memo or the new one, never part.
void write_memo(const std::filesystem::path& memo_file, const std::string& stamp, const NvrtcFacts& facts) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path temp = memo_file;
  temp += str_cat(".tmp.", ::getpid(), ".", counter.fetch_add(1));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    out << k_memo_header << '\n' << stamp << '\n' << facts.identity << '\n' << archs_text(facts.archs) << '\n';
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(temp, ec);
      return;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, memo_file, ec);
  if (ec) std::filesystem::remove(temp, ec);
}

std::mutex g_memo_mutex;
std::filesystem::path g_memo_file;  // guarded by g_memo_mutex

}  // namespace

std::string nvrtc_library_stamp() {
  const std::string& path = nvrtc_library_path();
  struct stat st{};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return {};
  auto ns = [](const struct timespec& t) { return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec; };
  return str_cat(path, " size=", static_cast<long long>(st.st_size), " mtime=", ns(st.st_mtim),
                 " ctime=", ns(st.st_ctim), " ino=", static_cast<unsigned long long>(st.st_ino));
}

NvrtcFacts nvrtc_facts_through(const std::filesystem::path& memo_file) {
  if (memo_file.empty()) return compute_facts();
  const std::string stamp = nvrtc_library_stamp();
  if (stamp.empty()) return compute_facts();
  if (auto remembered = read_memo(memo_file, stamp)) return std::move(*remembered);
  NvrtcFacts facts = compute_facts();
  if (!facts.archs.empty()) write_memo(memo_file, stamp, facts);  // never remember a failed load
  return facts;
}

std::string nvrtc_identity(const std::filesystem::path& memo_file) {
  return nvrtc_facts_through(memo_file).identity;
}

void set_nvrtc_identity_memo(std::filesystem::path memo_file) {
  std::lock_guard lock(g_memo_mutex);
  g_memo_file = std::move(memo_file);
}

std::string build_id_from_ptx(std::string_view ptx) {
  std::string_view release = after_marker(ptx, "// Cuda compilation tools, release ");
  std::string_view build = after_marker(ptx, "// Compiler Build ID: ");
  if (auto comma = release.rfind(", "); comma != std::string_view::npos) release = release.substr(comma + 2);
  if (release.empty() && build.empty()) return {};
  if (release.empty()) return std::string(build);
  if (build.empty()) return std::string(release);
  return str_cat(release, ", ", build);
}

const NvrtcFacts& nvrtc_facts() {
  static const NvrtcFacts facts = [] {
    std::filesystem::path memo;
    {
      std::lock_guard lock(g_memo_mutex);
      memo = g_memo_file;
    }
    return nvrtc_facts_through(memo);
  }();
  return facts;
}

const std::string& nvrtc_version_string() { return nvrtc_facts().identity; }

}  // namespace kjit::jit
