// Whole-file text helpers for tests: read a file (empty when missing) and
// write one (creating its folder).
//
// Thread safety: none beyond the filesystem's.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace kjit::testing {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace kjit::testing
