// FaultEnv: a fault-injecting Env for cache tests (LevelDB's FaultInjection
// style). It forwards to a real Env (default: posix) and, when armed, makes
// the Nth write, fsync or rename — or a named checkpoint such as
// "insert.blobs_written" (between blob writes and the index insert) — either
// fail with io_error (Action::fail) or kill the process on the spot with
// _exit(k_crash_exit_code) (Action::crash, for use in a forked child: no
// destructors run, exactly like a crash).
//
// Thread safety: counters are atomic and arming is guarded by a mutex, so a
// FaultEnv may be shared by a Cache used from many threads.
#pragma once

#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "cache/env.h"

namespace kjit::cache::fakes {

inline constexpr int k_crash_exit_code = 86;

class FaultEnv final : public Env {
 public:
  enum class Op { write, sync, rename };
  enum class Action { fail, crash };

  explicit FaultEnv(Env* base = Env::posix()) : m_base(base) {}

  // The `nth` (1-based, counted from now) call of `op` fails or crashes.
  void inject(Op op, int nth, Action action = Action::fail) {
    std::lock_guard lock(m_mutex);
    m_op_faults[op] = {count(op).load() + nth, action};
  }
  // Every pass through checkpoint `name` fails or crashes.
  void inject_checkpoint(const std::string& name, Action action = Action::fail) {
    std::lock_guard lock(m_mutex);
    m_checkpoint_faults[name] = action;
  }
  void clear_faults() {
    std::lock_guard lock(m_mutex);
    m_op_faults.clear();
    m_checkpoint_faults.clear();
  }
  int writes() const { return m_writes; }
  int syncs() const { return m_syncs; }
  int renames() const { return m_renames; }

  Result<std::unique_ptr<WritableFile>> new_writable_file(const std::filesystem::path& path) override {
    auto file = m_base->new_writable_file(path);
    if (!file) return std::unexpected(file.error());
    return std::unique_ptr<WritableFile>(new File(this, std::move(*file)));
  }
  Result<std::vector<std::uint8_t>> read_file(const std::filesystem::path& path, const ReadLimits& limits) override {
    return m_base->read_file(path, limits);
  }
  Result<void> rename_file(const std::filesystem::path& from, const std::filesystem::path& to) override {
    KJIT_TRY_VOID(hit(Op::rename, "rename " + to.string()));
    return m_base->rename_file(from, to);
  }
  Result<void> remove_file(const std::filesystem::path& path) override { return m_base->remove_file(path); }
  Result<void> create_dirs(const std::filesystem::path& path) override { return m_base->create_dirs(path); }
  Result<FileInfo> stat(const std::filesystem::path& path) override { return m_base->stat(path); }
  Result<std::vector<FileInfo>> list_dir(const std::filesystem::path& path) override { return m_base->list_dir(path); }
  Result<void> sync_dir(const std::filesystem::path& path) override { return m_base->sync_dir(path); }
  Result<std::unique_ptr<FileLock>> lock_file(const std::filesystem::path& path, Wait wait) override {
    return m_base->lock_file(path, wait);
  }
  Result<void> checkpoint(std::string_view name) override {
    Action action;
    {
      std::lock_guard lock(m_mutex);
      auto it = m_checkpoint_faults.find(std::string(name));
      if (it == m_checkpoint_faults.end()) return {};
      action = it->second;
    }
    return act(action, "checkpoint " + std::string(name));
  }
  // A manual clock: once set, now_ms() returns `ms` (tests whose outcome depends on the order
  // of timestamps, e.g. LRU eviction, would otherwise see ties within one millisecond).
  void set_now_ms(std::int64_t ms) { m_now_ms.store(ms); }
  std::int64_t now_ms() override {
    const std::int64_t fixed = m_now_ms.load();
    return fixed >= 0 ? fixed : m_base->now_ms();
  }

 private:
  std::atomic<std::int64_t> m_now_ms{-1};
  struct Fault {
    int at;
    Action action;
  };

  class File final : public WritableFile {
   public:
    File(FaultEnv* env, std::unique_ptr<WritableFile> base) : m_env(env), m_base(std::move(base)) {}
    Result<void> append(std::span<const std::uint8_t> data) override {
      KJIT_TRY_VOID(m_env->hit(Op::write, "write"));
      return m_base->append(data);
    }
    Result<void> sync() override {
      KJIT_TRY_VOID(m_env->hit(Op::sync, "fsync"));
      return m_base->sync();
    }
    Result<void> close() override { return m_base->close(); }

   private:
    FaultEnv* m_env;
    std::unique_ptr<WritableFile> m_base;
  };

  std::atomic<int>& count(Op op) { return op == Op::write ? m_writes : op == Op::sync ? m_syncs : m_renames; }

  Result<void> hit(Op op, const std::string& what) {
    int n = ++count(op);
    Action action;
    {
      std::lock_guard lock(m_mutex);
      auto it = m_op_faults.find(op);
      if (it == m_op_faults.end() || it->second.at != n) return {};
      action = it->second.action;
    }
    return act(action, what);
  }

  static Result<void> act(Action action, const std::string& what) {
    if (action == Action::crash) ::_exit(k_crash_exit_code);
    return fail(ErrorCode::io_error, "injected fault at " + what);
  }

  Env* m_base;
  std::atomic<int> m_writes{0}, m_syncs{0}, m_renames{0};
  std::mutex m_mutex;
  std::map<Op, Fault> m_op_faults;
  std::map<std::string, Action> m_checkpoint_faults;
};

}  // namespace kjit::cache::fakes
