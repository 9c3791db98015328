// SQLite RAII layer: see sqlite.h.
#include "cache/sqlite.h"

#include <sqlite3.h>

#include "jit/util/str_cat.h"

namespace kjit::cache {
namespace {

std::unexpected<Error> db_error(sqlite3* db, std::string_view what, std::string_view sql) {
  return fail(ErrorCode::io_error,
              str_cat("cache index: ", what, " failed: ", db ? sqlite3_errmsg(db) : "out of memory", " (sqlite code ", db ? sqlite3_extended_errcode(db) : 0, ")"),
              std::string(sql));
}

}  // namespace

Stmt::~Stmt() {
  if (m_stmt) sqlite3_finalize(m_stmt);
}

Stmt& Stmt::bind(int index, std::string_view text) {
  sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(m_stmt, index, value);
  return *this;
}
Stmt& Stmt::bind(int index, double value) {
  sqlite3_bind_double(m_stmt, index, value);
  return *this;
}

Result<bool> Stmt::step() {
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_error(m_db, "statement", m_sql);
}

Result<void> Stmt::run() {
  while (true) {
    bool row = KJIT_TRY(step());
    if (!row) return {};
  }
}

std::string Stmt::text(int column) const {
  const unsigned char* p = sqlite3_column_text(m_stmt, column);
  int n = sqlite3_column_bytes(m_stmt, column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}
std::int64_t Stmt::int64(int column) const { return sqlite3_column_int64(m_stmt, column); }
double Stmt::real(int column) const { return sqlite3_column_double(m_stmt, column); }

Result<Db> Db::open(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return fail(ErrorCode::io_error,
                str_cat("cannot open cache index '", path.string(), "': ", msg, "; check that the cache directory is writable or set KJIT_CACHE_DIR (--cache-dir) to one that is"));
  }
  // Hits write a row each (hits, last_used), so the cold-process hit path
  // must not pay fsyncs: keep the WAL file between processes and skip the
  // checkpoint on close (which fsyncs the database and deletes the WAL, so
  // the next process would re-create it and fsync its header). Checkpoints
  // still run automatically every ~1000 pages, amortized over many hits.
  int one = 1;
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
  return Db(db, path);
}

Db::~Db() {
  if (m_db) sqlite3_close(m_db);
}

Result<void> Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(m_db, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return db_error(m_db, str_cat("'", s.substr(0, 40), "' on '", m_path.string(), "'"), s);
  }
  return {};
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK)
    return db_error(m_db, str_cat("preparing a statement on '", m_path.string(), "'"), sql);
  return Stmt(m_db, stmt, std::string(sql));
}

Result<std::int64_t> Db::query_int(std::string_view sql) {
  auto stmt = KJIT_TRY(prepare(sql));
  bool row = KJIT_TRY(stmt.step());
  return row ? stmt.int64(0) : 0;
}

std::int64_t Db::changes() const { return sqlite3_changes64(m_db); }

Result<Transaction> Transaction::begin(Db& db) {
  KJIT_TRY_VOID(db.exec("BEGIN IMMEDIATE"));
  return Transaction(db);
}

Transaction::~Transaction() {
  if (m_open) (void)m_db->exec("ROLLBACK");
}

Result<void> Transaction::commit() {
  m_open = false;
  auto r = m_db->exec("COMMIT");
  if (!r) (void)m_db->exec("ROLLBACK");
  return r;
}

}  // namespace kjit::cache
