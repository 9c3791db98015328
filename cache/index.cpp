// Index: see index.h.
#include "cache/index.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <thread>
#include <type_traits>

#include "jit/util/str_cat.h"

namespace kjit::cache {
namespace {

constexpr const char* k_schema = R"sql(
CREATE TABLE kernels(
  key TEXT PRIMARY KEY, definition TEXT NOT NULL, op_type TEXT NOT NULL, arch TEXT NOT NULL,
  nvrtc_version TEXT NOT NULL, options TEXT NOT NULL,
  cubin_hash TEXT NOT NULL, cubin_size INTEGER NOT NULL, source_hash TEXT NOT NULL, source_size INTEGER NOT NULL,
  lowered_names TEXT NOT NULL, launch_plan TEXT NOT NULL, resources TEXT NOT NULL,
  compile_ms REAL NOT NULL, log TEXT NOT NULL,
  created INTEGER NOT NULL, last_used INTEGER NOT NULL, hits INTEGER NOT NULL DEFAULT 0, key_inputs TEXT NOT NULL);
CREATE INDEX kernels_last_used ON kernels(last_used);
CREATE INDEX kernels_cubin_hash ON kernels(cubin_hash);
CREATE INDEX kernels_source_hash ON kernels(source_hash);
CREATE TABLE dependencies(key TEXT NOT NULL, file TEXT NOT NULL, content_hash TEXT NOT NULL, PRIMARY KEY(key, file));
CREATE INDEX dependencies_file ON dependencies(file);
CREATE TABLE failures(key TEXT PRIMARY KEY, definition TEXT NOT NULL, arch TEXT NOT NULL, log TEXT NOT NULL,
  message TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE direct(direct_key TEXT PRIMARY KEY, key TEXT NOT NULL, inputs TEXT NOT NULL, created INTEGER NOT NULL);
CREATE INDEX direct_key_of ON direct(key);
)sql";

// Upgrade steps: `sql` turns schema version `from` into `from + 1`. Versions
// 0 and 1 have none (rebuilt: v1 rows lack key inputs); v3 would add {2, "..."}.
struct Migration {
  std::int64_t from;
  const char* sql;
};
constexpr std::array<Migration, 0> k_migrations{};

constexpr const char* k_row_columns =
    "key, definition, op_type, arch, nvrtc_version, options, cubin_hash, cubin_size, source_hash, source_size, "
    "lowered_names, launch_plan, resources, compile_ms, log, created, last_used, hits, key_inputs";

// Calls `f(field)` for each field of kernels row `r`, in k_row_columns
// order: one list for read_row and put.
template <class Row, class F>
void for_each_column(Row& r, F&& f) {
  f(r.key);
  f(r.definition);
  f(r.op_type);
  f(r.arch);
  f(r.nvrtc_version);
  f(r.options_json);
  f(r.cubin.hash);
  f(r.cubin.size);
  f(r.source.hash);
  f(r.source.size);
  f(r.lowered_names_json);
  f(r.launch_plan_json);
  f(r.resources_json);
  f(r.compile_ms);
  f(r.log);
  f(r.created_ms);
  f(r.last_used_ms);
  f(r.hits);
  f(r.key_inputs_json);
}

// On the hit path (find): the generic lambdas resolve to the same typed
// column reads and binds, one per field, as a hand-written list would.
KernelRow read_row(const Stmt& s) {
  KernelRow r;
  int column = 0;
  for_each_column(r, [&](auto& field) {
    using T = std::remove_cvref_t<decltype(field)>;
    if constexpr (std::is_same_v<T, std::string>) field = s.text(column);
    else if constexpr (std::is_same_v<T, double>) field = s.real(column);
    else field = static_cast<T>(s.int64(column));  // int64, and uint64 sizes and hits
    ++column;
  });
  return r;
}

void bind_row(Stmt& s, const KernelRow& r) {
  int column = 1;
  for_each_column(r, [&](const auto& field) {
    using T = std::remove_cvref_t<decltype(field)>;
    if constexpr (std::is_same_v<T, std::uint64_t>) s.bind(column++, static_cast<std::int64_t>(field));
    else s.bind(column++, field);
  });
}

// Puts `db` in WAL mode unless it already is (the mode is persistent in the
// file, so this changes something once per file; when the file is in WAL
// mode already, one query and no write-lock attempt).
//
// Switching a rollback-journal file to WAL reads the header in a read
// transaction, then upgrades it to the write lock to change the file format.
// When another connection holds the write lock at that moment (a second
// process switching the same brand-new index), SQLite fails the upgrade with
// SQLITE_BUSY at once instead of calling the busy handler (waiting while
// holding a read lock could deadlock), so `busy_timeout` does not cover it.
// The failed statement drops its read lock, the other process finishes, and
// a retry finds the file in WAL mode already. So retry a busy failure with a
// short, growing pause, up to the k_busy_timeout_ms other statements wait,
// then return the error as it is.
Result<void> ensure_wal(Db& db) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(k_busy_timeout_ms);
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    auto r = [&]() -> Result<void> {
      std::string mode;
      {  // finalized first: with it still live, the change fails ("within a transaction")
        auto s = KJIT_TRY(db.prepare("PRAGMA journal_mode"));
        if (KJIT_TRY(s.step())) mode = s.text(0);
      }
      if (mode == "wal") return {};
      return db.exec("PRAGMA journal_mode=WAL");
    }();
    if (r || !db.last_error_busy() || Clock::now() >= deadline) return r;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace

Result<std::unique_ptr<Index>> Index::open(const std::filesystem::path& file, OpenMode mode) {
  if (mode == OpenMode::read_only) {
    Db db = KJIT_TRY(Db::open_read_only(file));
    KJIT_TRY_VOID(db.exec(str_cat("PRAGMA busy_timeout=", k_busy_timeout_ms)));
    std::int64_t version = KJIT_TRY(db.query_int("PRAGMA user_version"));
    if (version != k_schema_version)
      return fail(ErrorCode::io_error,
                  str_cat("read-only cache index '", file.string(), "' has schema version ", version, ", this kjit reads ",
                          k_schema_version, ": rebuild the cache with this kjit (or import a bundle into a writable cache), "
                          "or use the kjit that wrote it"));
    return std::unique_ptr<Index>(new Index(std::move(db), true));
  }
  Db db = KJIT_TRY(Db::open(file));
  KJIT_TRY_VOID(db.exec(str_cat("PRAGMA busy_timeout=", k_busy_timeout_ms)));
  std::unique_ptr<Index> index(new Index(std::move(db), false));
  KJIT_TRY_VOID(index->ensure_schema());
  // journal_mode=WAL is persistent in the file; it is set once at creation
  // and re-asserted here only if someone switched it off (one query when on).
  KJIT_TRY_VOID(ensure_wal(index->m_db));
  KJIT_TRY_VOID(index->m_db.exec("PRAGMA synchronous=NORMAL"));
  // Keep the WAL short. A process that opens the index while no other has it
  // open rebuilds the WAL index by reading every frame of the WAL (SQLite
  // truncates the -shm then), and every hit appends its statistics: with the
  // default 1000-page checkpoint a cold `kjit get` read up to 4 MB, one
  // pread per page (292 of 18 ms CPU in one measurement). A truncating
  // checkpoint every 64 pages costs one fsync of the index per ~20 CLI hits
  // instead (Db::keep_wal_short says why SQLite's own autocheckpoint is not
  // enough here).
  KJIT_TRY_VOID(index->m_db.exec("PRAGMA journal_size_limit=1048576"));
  index->m_db.keep_wal_short(64);
  return index;
}

Result<void> Index::ensure_schema() {
  std::int64_t version = KJIT_TRY(m_db.query_int("PRAGMA user_version"));
  if (version == k_schema_version) return {};
  auto too_new = [&](std::int64_t v) {
    return fail(ErrorCode::io_error,
                str_cat("cache index '", m_db.path().string(), "' has schema version ", v, ", newer than this kjit understands (", k_schema_version, "): use the newer kjit, or point KJIT_CACHE_DIR (--cache-dir) at another directory, or delete '", m_db.path().parent_path().string(), "' to start an empty cache"));
  };
  if (version > k_schema_version) return too_new(version);
  // Older or new: upgrade under the write lock, re-reading the version
  // because another process may have done it while we waited. WAL first
  // (it cannot change inside a transaction), so the schema is written to
  // the WAL; user_version above has read the file, as ensure_wal requires.
  KJIT_TRY_VOID(ensure_wal(m_db));
  auto txn = KJIT_TRY(Transaction::begin(m_db));
  version = KJIT_TRY(m_db.query_int("PRAGMA user_version"));
  if (version > k_schema_version) return too_new(version);
  while (version < k_schema_version) {
    const Migration* step = nullptr;
    if (version < 2) version = 0;  // v1 rows cannot be bound to their keys: rebuild
    for (const auto& m : k_migrations)
      if (m.from == version) step = &m;
    if (step) {
      KJIT_TRY_VOID(m_db.exec(step->sql));
      ++version;
      continue;
    }
    // No upgrade path (version 0: empty file or pre-release layout): start
    // over. Only index rows are lost; gc reclaims their blobs.
    std::vector<std::string> tables;
    {
      auto s = KJIT_TRY(m_db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"));
      while (KJIT_TRY(s.step())) tables.push_back(s.text(0));
    }
    for (const auto& t : tables) KJIT_TRY_VOID(m_db.exec(str_cat("DROP TABLE IF EXISTS \"", t, "\"")));
    KJIT_TRY_VOID(m_db.exec(k_schema));
    version = k_schema_version;
  }
  KJIT_TRY_VOID(m_db.exec(str_cat("PRAGMA user_version=", k_schema_version)));
  return txn.commit();
}

Result<std::optional<KernelRow>> Index::find(const std::string& key) {
  auto s = KJIT_TRY(m_db.prepare(str_cat("SELECT ", k_row_columns, " FROM kernels WHERE key=?")));
  s.bind(1, key);
  if (!KJIT_TRY(s.step())) return std::optional<KernelRow>();
  return std::optional<KernelRow>(read_row(s));
}

Result<std::vector<Dependency>> Index::dependencies(const std::string& key) {
  auto s = KJIT_TRY(m_db.prepare("SELECT file, content_hash FROM dependencies WHERE key=? ORDER BY rowid"));
  s.bind(1, key);
  std::vector<Dependency> out;
  while (KJIT_TRY(s.step())) out.push_back({s.text(0), s.text(1)});
  return out;
}

Result<void> Index::touch(const std::string& key, std::uint64_t hits, std::int64_t now_ms) {
  auto s = KJIT_TRY(m_db.prepare("UPDATE kernels SET hits=hits+?, last_used=max(last_used, ?) WHERE key=?"));
  s.bind(1, static_cast<std::int64_t>(hits)).bind(2, now_ms).bind(3, key);
  return s.run();
}

// Rows are created by their first bump (a counter never bumped reads 0), so
// a counter added to k_counters needs no schema change.
Result<void> Index::bump(Counter counter, std::int64_t n) {
  auto s = KJIT_TRY(m_db.prepare(
      "INSERT INTO counters(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET value=value+excluded.value"));
  s.bind(1, std::string_view(counter_info(counter).name)).bind(2, n);
  return s.run();
}

Result<void> Index::put(const KernelRow& r, const std::vector<Dependency>& deps) {
  auto s = KJIT_TRY(m_db.prepare(str_cat("INSERT OR REPLACE INTO kernels(", k_row_columns, ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")));
  bind_row(s, r);
  KJIT_TRY_VOID(s.run());
  auto del = KJIT_TRY(m_db.prepare("DELETE FROM dependencies WHERE key=?"));
  del.bind(1, r.key);
  KJIT_TRY_VOID(del.run());
  for (const auto& d : deps) {
    auto one = KJIT_TRY(m_db.prepare("INSERT OR REPLACE INTO dependencies(key, file, content_hash) VALUES(?,?,?)"));
    one.bind(1, r.key).bind(2, d.file).bind(3, d.content_hash);
    KJIT_TRY_VOID(one.run());
  }
  return remove_failure(r.key);
}

Result<bool> Index::remove(const std::string& key, const std::string& cubin_hash, const std::string& source_hash) {
  auto s = KJIT_TRY(m_db.prepare(
      "DELETE FROM kernels WHERE key=? AND (?='' OR cubin_hash=?) AND (?='' OR source_hash=?)"));
  s.bind(1, key).bind(2, cubin_hash).bind(3, cubin_hash).bind(4, source_hash).bind(5, source_hash);
  KJIT_TRY_VOID(s.run());
  bool removed = m_db.changes() > 0;
  if (removed) {
    for (const char* sql : {"DELETE FROM dependencies WHERE key=?", "DELETE FROM direct WHERE key=?"}) {
      auto d = KJIT_TRY(m_db.prepare(sql));
      d.bind(1, key);
      KJIT_TRY_VOID(d.run());
    }
  }
  return removed;
}

Result<std::vector<std::string>> Index::keys_using_blob(const std::string& hash) {
  auto s = KJIT_TRY(m_db.prepare("SELECT key FROM kernels WHERE cubin_hash=? UNION SELECT key FROM kernels WHERE source_hash=?"));
  s.bind(1, hash).bind(2, hash);
  std::vector<std::string> out;
  while (KJIT_TRY(s.step())) out.push_back(s.text(0));
  return out;
}

Result<std::set<std::string>> Index::referenced_blobs() {
  auto s = KJIT_TRY(m_db.prepare("SELECT cubin_hash FROM kernels UNION SELECT source_hash FROM kernels"));
  std::set<std::string> out;
  while (KJIT_TRY(s.step())) out.insert(s.text(0));
  return out;
}

Result<std::vector<KernelRow>> Index::rows_by_last_used() {
  auto s = KJIT_TRY(m_db.prepare(str_cat("SELECT ", k_row_columns, " FROM kernels ORDER BY last_used, rowid")));
  std::vector<KernelRow> out;
  while (KJIT_TRY(s.step())) out.push_back(read_row(s));
  return out;
}

Result<std::uint64_t> Index::total_bytes() {
  return static_cast<std::uint64_t>(
      KJIT_TRY(m_db.query_int("SELECT COALESCE(SUM(cubin_size + source_size), 0) FROM kernels")));
}

Result<std::optional<FailureRow>> Index::failure(const std::string& key) {
  auto s = KJIT_TRY(m_db.prepare("SELECT key, definition, arch, log, message, created FROM failures WHERE key=?"));
  s.bind(1, key);
  if (!KJIT_TRY(s.step())) return std::optional<FailureRow>();
  return std::optional<FailureRow>(FailureRow{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5)});
}

Result<void> Index::put_failure(const FailureRow& r) {
  auto s = KJIT_TRY(m_db.prepare(
      "INSERT OR REPLACE INTO failures(key, definition, arch, log, message, created) VALUES(?,?,?,?,?,?)"));
  s.bind(1, r.key).bind(2, r.definition).bind(3, r.arch).bind(4, r.log).bind(5, r.message).bind(6, r.created_ms);
  return s.run();
}

Result<void> Index::remove_failure(const std::string& key) {
  auto s = KJIT_TRY(m_db.prepare("DELETE FROM failures WHERE key=?"));
  s.bind(1, key);
  return s.run();
}

Result<std::optional<DirectRow>> Index::find_direct(const std::string& direct_key) {
  auto s = KJIT_TRY(m_db.prepare("SELECT direct_key, key, inputs, created FROM direct WHERE direct_key=?"));
  s.bind(1, direct_key);
  if (!KJIT_TRY(s.step())) return std::optional<DirectRow>();
  return std::optional<DirectRow>(DirectRow{s.text(0), s.text(1), s.text(2), s.int64(3)});
}

Result<void> Index::put_direct(const DirectRow& r) {
  auto s = KJIT_TRY(m_db.prepare("INSERT OR REPLACE INTO direct(direct_key, key, inputs, created) VALUES(?,?,?,?)"));
  s.bind(1, r.direct_key).bind(2, r.key).bind(3, r.inputs_json).bind(4, r.created_ms);
  return s.run();
}

Result<void> Index::checkpoint() { return m_db.exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

Result<Stats> Index::stats() {
  Stats st;
  auto s = KJIT_TRY(m_db.prepare("SELECT COUNT(*), COALESCE(SUM(cubin_size + source_size), 0) FROM kernels"));
  KJIT_TRY(s.step());
  st.entries = static_cast<std::uint64_t>(s.int64(0));
  st.bytes = static_cast<std::uint64_t>(s.int64(1));
  st.failures_remembered = static_cast<std::uint64_t>(KJIT_TRY(m_db.query_int("SELECT COUNT(*) FROM failures")));
  auto c = KJIT_TRY(m_db.prepare("SELECT name, value FROM counters"));
  while (KJIT_TRY(c.step())) {
    std::string name = c.text(0);
    for (const CounterInfo& info : k_counters)
      if (name == info.name) st.counters[static_cast<std::size_t>(info.id)] = static_cast<std::uint64_t>(c.int64(1));
  }
  return st;
}

Result<void> Index::clear() {
  KJIT_TRY_VOID(m_db.exec("DELETE FROM kernels; DELETE FROM dependencies; DELETE FROM failures; DELETE FROM direct; UPDATE counters SET value=0"));
  return {};
}

}  // namespace kjit::cache
