// Concurrency tests: one compile per key across 16 threads and across 4
// forked processes (all get identical bytes), and a process SIGKILLed in
// the middle of a compile leaves no entry and no held lock.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <set>
#include <thread>

#include "cache/cache.h"
#include "tests/cache/cache_test_util.h"

namespace kjit::cache::testing {
namespace {

class ConcurrencyTest : public TempDirTest {};

// Appends one line to `file` with O_APPEND: a cross-process compile counter.
void append_line(const fs::path& file, const std::string& line) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::string l = line + "\n";
  (void)!::write(fd, l.data(), l.size());
  ::close(fd);
}

std::size_t line_count(const fs::path& file) {
  std::ifstream in(file);
  std::size_t n = 0;
  for (std::string l; std::getline(in, l);) ++n;
  return n;
}

TEST_F(ConcurrencyTest, SixteenThreadsOneColdKeyCompileOnce) {
  auto cache = open_cache();
  std::atomic<int> compiles{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  std::vector<Result<GetResult>> results(16, fail(ErrorCode::internal, "not run"));
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready < 16) std::this_thread::yield();
      results[t] = cache->get_or_compile(key_for(1), [&]() -> Result<Entry> {
        ++compiles;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a slow compile
        return make_entry(1);
      });
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(compiles.load(), 1);
  int compiled = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->entry, make_entry(1));
    compiled += r->outcome == Outcome::compiled;
  }
  EXPECT_EQ(compiled, 1);
  auto st = cache->stats();
  EXPECT_EQ((*st)[cache::Counter::compiles], 1u);
  EXPECT_EQ((*st)[cache::Counter::hits] + (*st)[cache::Counter::compiles], 16u);
}

TEST_F(ConcurrencyTest, ThreadsOnDifferentKeysDoNotSerialize) {
  auto cache = open_cache();
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      auto r = cache->get_or_compile(key_for(t), [t]() -> Result<Entry> {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        return make_entry(t);
      });
      EXPECT_TRUE(r);
    });
  for (auto& t : threads) t.join();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(ms, 1100) << "4 x 300 ms compiles of different keys ran one after another";
  EXPECT_EQ(cache->stats()->entries, 4u);
}

TEST_F(ConcurrencyTest, FourProcessesOneColdKeyCompileOnce) {
  open_cache();  // schema first, so children only race on the key
  const fs::path counter = m_dir / "compiles.txt";
  int gate[2];
  ASSERT_EQ(::pipe(gate), 0);
  std::vector<pid_t> pids;
  for (int p = 0; p < 4; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(gate[1]);
      char c;
      (void)!::read(gate[0], &c, 1);  // released together when the parent closes the pipe
      auto cache = Cache::open({cache_dir()});
      if (!cache) ::_exit(10);
      auto r = (*cache)->get_or_compile(key_for(1), [&]() -> Result<Entry> {
        append_line(counter, std::to_string(::getpid()));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return make_entry(1);
      });
      if (!r) ::_exit(11);
      append_line(m_dir / "hashes.txt", xxh3_128_hex(r->entry.cubin) + xxh3_128_hex(r->entry.source));
      cache->reset();  // writes the noted hit (statistics are batched, cache.h)
      ::_exit(0);
    }
    pids.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  EXPECT_EQ(line_count(counter), 1u);
  std::ifstream in(m_dir / "hashes.txt");
  std::set<std::string> hashes;
  std::size_t n = 0;
  for (std::string l; std::getline(in, l); ++n) hashes.insert(l);
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(hashes.size(), 1u);
  auto cache = open_cache();
  auto st = cache->stats();
  EXPECT_EQ((*st)[cache::Counter::compiles], 1u);
  EXPECT_EQ((*st)[cache::Counter::hits], 3u);
  EXPECT_EQ(st->entries, 1u);
}

TEST_F(ConcurrencyTest, KilledCompilerLeavesNoEntryAndReleasesLock) {
  open_cache();
  int started[2];
  ASSERT_EQ(::pipe(started), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(started[0]);
    auto cache = Cache::open({cache_dir()});
    if (!cache) ::_exit(10);
    (void)(*cache)->get_or_compile(key_for(1), [&]() -> Result<Entry> {
      (void)!::write(started[1], "s", 1);
      std::this_thread::sleep_for(std::chrono::seconds(30));  // killed long before this ends
      return make_entry(1);
    });
    ::_exit(0);
  }
  ::close(started[1]);
  char c;
  ASSERT_EQ(::read(started[0], &c, 1), 1);  // the child holds the key lock and is compiling
  ::close(started[0]);
  auto cache = open_cache();
  auto busy = Env::posix()->lock_file(cache->paths().lock(key_for(1)), Wait::no);
  ASSERT_TRUE(busy);
  EXPECT_FALSE(*busy) << "the compiling child should hold the key lock";
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));

  EXPECT_FALSE(*cache->lookup(key_for(1)));
  EXPECT_EQ(cache->stats()->entries, 0u);
  auto free_now = Env::posix()->lock_file(cache->paths().lock(key_for(1)), Wait::no);
  ASSERT_TRUE(free_now);
  EXPECT_TRUE(*free_now) << "the flock should die with the process";
  free_now->reset();
  int calls = 0;
  auto r = cache->get_or_compile(key_for(1), [&]() -> Result<Entry> {
    ++calls;
    return make_entry(1);
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::compiled);
  EXPECT_EQ(calls, 1);
}

TEST_F(ConcurrencyTest, GcDuringLockWaitIsSafe) {
  // gc removes idle lock files; a holder is never disturbed and the key
  // lock keeps working afterwards.
  auto cache = open_cache();
  ASSERT_TRUE(cache->insert(make_entry(1)));
  auto held = Env::posix()->lock_file(cache->paths().lock(key_for(2)), Wait::yes);
  ASSERT_TRUE(held && *held);
  {
    auto idle = Env::posix()->lock_file(cache->paths().lock(key_for(3)), Wait::yes);
  }
  auto gc = cache->gc();
  ASSERT_TRUE(gc);
  EXPECT_EQ(gc->stale_locks, 1u);
  EXPECT_TRUE(fs::exists(cache->paths().lock(key_for(2))));
  EXPECT_FALSE(fs::exists(cache->paths().lock(key_for(3))));
  held->reset();
  int calls = 0;
  EXPECT_TRUE(cache->get_or_compile(key_for(3), [&]() -> Result<Entry> {
    ++calls;
    return make_entry(3);
  }));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace kjit::cache::testing
