// Tests for Index::open and the journal mode: several processes opening one
// brand-new index file at the same moment all succeed (`kjit compile` run
// twice at once on a fresh cache directory failed with "PRAGMA
// journal_mode=WAL ... database is locked": SQLite returns SQLITE_BUSY from
// that change without calling the busy handler when another connection holds
// the write lock), and an index switched out of WAL mode is switched back.
#include "cache/index.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/cache/cache_test_util.h"

namespace kjit::cache::testing {
namespace {

class IndexTest : public TempDirTest {};

// The index file's journal mode ("wal", "delete", ...), or what went wrong reading it.
std::string journal_mode(Index& index) {
  auto mode = index.db().prepare("PRAGMA journal_mode");
  if (!mode) return "prepare failed: " + mode.error().message;
  auto row = mode->step();
  if (!row || !*row) return "no row";
  return mode->text(0);
}

// Forks `processes` children that wait on one pipe, then all open
// `file` read-write at once. Returns the error messages of the children
// that failed (empty when all opened it).
std::vector<std::string> open_concurrently(const fs::path& file, int processes, const fs::path& errors) {
  int gate[2];
  if (::pipe(gate) != 0) return {"pipe() failed"};
  std::vector<pid_t> pids;
  for (int p = 0; p < processes; ++p) {
    pid_t pid = ::fork();
    if (pid < 0) return {"fork() failed"};
    if (pid == 0) {
      ::close(gate[1]);
      char c;
      (void)!::read(gate[0], &c, 1);  // released together when the parent closes the pipe
      auto index = Index::open(file);
      if (!index) {
        std::ofstream(errors, std::ios::app) << index.error().message << "\n";
        ::_exit(1);
      }
      index->reset();
      ::_exit(0);
    }
    pids.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);
  std::vector<std::string> failed;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed.push_back("child exited abnormally");
  }
  if (!failed.empty()) {
    failed.clear();
    std::ifstream in(errors);
    for (std::string l; std::getline(in, l);) failed.push_back(l);
    if (failed.empty()) failed.push_back("a child failed without a message");
  }
  return failed;
}

// Many rounds, each on a fresh directory: before the fix a round failed
// about once in 30 (first failure at rounds 5 to 45 in 10 runs of 60), so
// 100 rounds of 4 processes fail nearly every run. ~3 s on 2 busy cores.
TEST_F(IndexTest, ProcessesOpeningANewIndexAtOnceAllSucceed) {
  constexpr int k_rounds = 100;
  constexpr int k_processes = 4;
  for (int round = 0; round < k_rounds; ++round) {
    const fs::path dir = m_dir / ("round" + std::to_string(round));
    fs::create_directories(dir);
    auto failed = open_concurrently(dir / "index.sqlite", k_processes, dir / "errors.txt");
    ASSERT_TRUE(failed.empty()) << "round " << round << ": " << failed.size() << " of " << k_processes
                                << " processes failed to open a new index; first: " << failed.front();
    // The index every process agreed on is usable and in WAL mode.
    auto index = Index::open(dir / "index.sqlite");
    ASSERT_TRUE(index) << index.error().message;
    EXPECT_EQ(journal_mode(**index), "wal");
    EXPECT_EQ(*(*index)->db().query_int("PRAGMA user_version"), k_schema_version);
  }
}

// The deterministic form of the race above: another connection holds the
// write lock of the new, still rollback-journal file (as a second process
// does while it switches the file to WAL) and lets go 200 ms later. Open
// waits for it instead of failing at once.
TEST_F(IndexTest, OpenWaitsForAWriterOfANewIndex) {
  const fs::path file = m_dir / "index.sqlite";
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::thread release([other] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  const auto start = std::chrono::steady_clock::now();
  auto index = Index::open(file);
  const auto waited = std::chrono::steady_clock::now() - start;
  release.join();
  sqlite3_close(other);
  ASSERT_TRUE(index) << index.error().message;
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_EQ(*(*index)->db().query_int("PRAGMA user_version"), k_schema_version);
}

// journal_mode is persistent in the file; an index someone switched back to
// a rollback journal is switched to WAL again on open.
TEST_F(IndexTest, OpenRestoresWalMode) {
  const fs::path file = m_dir / "index.sqlite";
  ASSERT_TRUE(Index::open(file));
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  auto index = Index::open(file);
  ASSERT_TRUE(index) << index.error().message;
  EXPECT_EQ(journal_mode(**index), "wal");
}

}  // namespace
}  // namespace kjit::cache::testing
