// Shared helpers for cache tests: a temp-directory fixture, deterministic
// fake entries (what a compile would produce), and file-damage helpers.
//
// Thread safety: helpers are pure or touch only the test's own files.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cache/cache.h"
#include "jit/util/hash.h"

namespace kjit::cache::testing {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    m_dir = fs::temp_directory_path() /
            ("kjit_cache_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(m_dir, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(m_dir, ec);
  }
  fs::path cache_dir() const { return m_dir / "cache"; }
  std::unique_ptr<Cache> open_cache(std::uint64_t max_size = 2ull << 30, Env* env = nullptr) {
    auto c = Cache::open({cache_dir(), max_size, env});
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
    return c ? std::move(*c) : nullptr;
  }
  fs::path m_dir;
};

// The key of test entry `n`: 32 lowercase hex characters, like kjit's keys.
inline std::string key_for(int n) { return xxh3_128_hex("test-key-" + std::to_string(n)); }

// A deterministic entry, as a fake compile of definition `n` would produce.
inline Entry make_entry(int n, std::size_t cubin_bytes = 256) {
  Entry e;
  e.key = key_for(n);
  e.definition = "rmsnorm_h" + std::to_string(128 * (n + 1));
  e.op_type = "rmsnorm";
  e.arch = "sm_90a";
  e.nvrtc_version = "13.0";
  e.options_json = R"(["-std=c++17","-arch=sm_90a"])";
  e.lowered_names_json = R"({"kernel":"_Z6kernelv"})";
  e.launch_plan_json = R"({"launches":[{"entry":"kernel","block":[128,1,1]}]})";
  e.resources_json = R"({"registers":32,"spill_bytes":0})";
  std::mt19937 rng(static_cast<unsigned>(n) * 7919u + 1);
  e.cubin.resize(cubin_bytes);
  for (auto& b : e.cubin) b = static_cast<std::uint8_t>(rng());
  e.source = "// kernel " + std::to_string(n) + "\n__global__ void kernel() {}\n";
  e.dependencies = {{"templates/norm/rmsnorm.cu.j2", "aa" + std::to_string(n)},
                    {"templates/include/vec.cuh", "bb"}};
  e.log = "ptxas info: used 32 registers";
  e.compile_ms = 12.5 + n;
  return e;
}

inline fs::path blob_path(const Cache& c, std::string_view bytes) {
  return c.paths().object(xxh3_128_hex(bytes));
}
inline fs::path blob_path(const Cache& c, const std::vector<std::uint8_t>& bytes) {
  return c.paths().object(xxh3_128_hex(bytes));
}

inline void flip_byte(const fs::path& file, std::size_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x01));
}

inline std::size_t count_files(const fs::path& dir) {
  if (!fs::exists(dir)) return 0;
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) ++n;
  return n;
}

}  // namespace kjit::cache::testing
