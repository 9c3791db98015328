// A thin RAII layer over the SQLite C API: a connection (`Db`), prepared
// statements (`Stmt`) and a transaction guard that rolls back unless
// committed. Errors become `io_error` naming the database file and the SQL,
// and say what to do for the failures a user can act on: a full disk, a
// read-only file, a damaged or foreign index or WAL (issue #19.8).
//
// Thread safety: a `Db` and its statements belong to one thread at a time
// (the connection is opened with SQLITE_OPEN_NOMUTEX; `Index`'s owner
// serializes access). Many processes may open the same file (WAL).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "jit/util/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kjit::cache {

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt, std::string sql) : m_db(db), m_stmt(stmt), m_sql(std::move(sql)) {}
  Stmt(Stmt&& o) noexcept : m_db(o.m_db), m_stmt(o.m_stmt), m_sql(std::move(o.m_sql)) { o.m_stmt = nullptr; }
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  // Parameters are 1-based, in order of `?` in the SQL.
  Stmt& bind(int index, std::string_view text);
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, double value);
  // True while a row is available; false when done.
  Result<bool> step();
  // Steps to completion (for statements without rows).
  Result<void> run();

  std::string text(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;

 private:
  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
  std::string m_sql;
};

class Db {
 public:
  // Opens (creating if missing) `path` read-write.
  static Result<Db> open(const std::filesystem::path& path);
  // Opens an existing `path` for reading only (index.h, "Read-only opening").
  static Result<Db> open_read_only(const std::filesystem::path& path);
  Db(Db&& o) noexcept : m_db(o.m_db), m_path(std::move(o.m_path)) { o.m_db = nullptr; }
  Db& operator=(Db&&) = delete;
  ~Db();

  Result<void> exec(std::string_view sql);
  Result<Stmt> prepare(std::string_view sql);
  // The first column of the first row as an integer (e.g. PRAGMA user_version).
  Result<std::int64_t> query_int(std::string_view sql);
  std::int64_t changes() const;
  // True when the last failed call on this connection failed with
  // SQLITE_BUSY (any extended form): another connection held a lock.
  bool last_error_busy() const;
  const std::filesystem::path& path() const { return m_path; }
  // After a commit leaves the WAL at `pages` pages or more, checkpoint it and
  // truncate it to zero (replaces SQLite's autocheckpoint). SQLite's PASSIVE
  // autocheckpoint only lets the *next* write of the same connection restart
  // the WAL, and a process opening the index recovers it as not checkpointed:
  // with one write per CLI process (a hit's statistics, no checkpoint on
  // close) the WAL then grew by every hit, forever.
  void keep_wal_short(int pages);

 private:
  Db(sqlite3* db, std::filesystem::path path) : m_db(db), m_path(std::move(path)) {}
  sqlite3* m_db;
  std::filesystem::path m_path;
};

// What to do about SQLite error `extended_code` on the index `path` (empty
// when there is nothing specific to say).
std::string sqlite_advice(int extended_code, const std::filesystem::path& path);

// BEGIN IMMEDIATE (takes the write lock now, so no deadlock-prone upgrade
// later; waits up to the busy timeout) ... COMMIT, or ROLLBACK on scope exit.
class Transaction {
 public:
  static Result<Transaction> begin(Db& db);
  Transaction(Transaction&& o) noexcept : m_db(o.m_db), m_open(o.m_open) { o.m_open = false; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Result<void> commit();

 private:
  explicit Transaction(Db& db) : m_db(&db), m_open(true) {}
  Db* m_db;
  bool m_open;
};

}  // namespace kjit::cache
