// Toolkit discovery: candidate roots, header checks, header version.
// Thread safety: see toolkit.h.
#include "jit/compiler/toolkit.h"


#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "jit/compiler/nvrtc_library.h"
#include "jit/util/str_cat.h"

namespace kjit::jit {
namespace {


namespace fs = std::filesystem;

constexpr const char* k_required[] = {"cuda.h", "cuda_runtime.h", "cuda_fp16.h", "cuda_bf16.h", "cuda_fp8.h"};

// The value of `#define NAME <value>` in `file`, or empty.
std::string read_define(const fs::path& file, std::string_view name) {
  std::ifstream in(file);
  std::string line;
  const std::string prefix = str_cat("#define ", name, " ");
  while (std::getline(in, line)) {
    if (!line.starts_with(prefix)) continue;
    std::string value = line.substr(prefix.size());
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r");
    return first == std::string::npos ? std::string{} : value.substr(first, last - first + 1);
  }
  return {};
}

}  // namespace


std::vector<std::string> toolkit_candidates() {
  std::vector<std::string> roots;
  if (const std::string& lib = nvrtc_library_path(); !lib.empty()) {
    // <root>/lib64/libnvrtc.so.13 or <root>/targets/<triple>/lib/libnvrtc.so.13
    roots.push_back(fs::path(lib).parent_path().parent_path().string());
  }
#ifdef KJIT_CUDA_ROOT
  roots.emplace_back(KJIT_CUDA_ROOT);
#endif
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) {
    if (const char* value = std::getenv(var); value != nullptr && *value != '\0') roots.emplace_back(value);
  }
  roots.emplace_back("/usr/local/cuda");
  std::vector<std::string> unique;
  for (auto& root : roots) {
    if (std::ranges::find(unique, root) == unique.end()) unique.push_back(std::move(root));
  }
  return unique;
}

std::span<const char* const> required_toolkit_headers() { return k_required; }

Result<Toolkit> find_toolkit(std::span<const std::string> roots) {
  std::ostringstream tried;
  for (const auto& root : roots) {
    const fs::path include = fs::path(root) / "include";
    std::vector<std::string> missing;
    for (const char* header : k_required) {
      std::error_code ec;
      if (!fs::is_regular_file(include / header, ec)) missing.emplace_back(header);
    }
    if (!missing.empty()) {
      tried << "  " << root << ": missing";
      for (const auto& m : missing) tried << ' ' << m;
      tried << '\n';
      continue;
    }
    Toolkit toolkit;
    toolkit.root = root;
    toolkit.include_dirs.push_back(include.string());
    const fs::path cccl = include / "cccl";
    std::error_code ec;
    if (fs::is_directory(cccl, ec)) toolkit.include_dirs.push_back(cccl.string());
    std::string cuda_version = read_define(include / "cuda.h", "CUDA_VERSION");
    std::string cccl_version;
    for (const auto& dir : toolkit.include_dirs) {
      cccl_version = read_define(fs::path(dir) / "cuda/std/__cccl/version.h", "CCCL_VERSION");
      if (!cccl_version.empty()) break;
    }
    toolkit.header_version = str_cat("cuda ", cuda_version.empty() ? std::string("unknown") : cuda_version,
                                     ", cccl ", cccl_version.empty() ? std::string("none") : cccl_version);
    return toolkit;
  }
  return fail(ErrorCode::not_found,
              "CUDA toolkit headers not found: set CUDA_HOME to a CUDA 13 toolkit root (the folder with "
              "include/cuda_bf16.h)",
              "roots tried:\n" + tried.str());
}

const Result<Toolkit>& default_toolkit() {
  static const Result<Toolkit> toolkit = [] {
    const auto roots = toolkit_candidates();
    return find_toolkit(roots);
  }();
  return toolkit;
}

}  // namespace kjit::jit
