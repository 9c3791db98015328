// SQLite RAII layer: see sqlite.h.
#include "cache/sqlite.h"

#include <cstdint>

#include <sqlite3.h>

#include <cstdio>

#include "jit/util/str_cat.h"

namespace kjit::cache {
namespace {

std::unexpected<Error> db_error(sqlite3* db, std::string_view what, std::string_view sql) {
  const int code = db ? sqlite3_extended_errcode(db) : 0;
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  std::string advice = file && *file ? sqlite_advice(code, file) : std::string();
  return fail(ErrorCode::io_error,
              str_cat("cache index: ", what, " failed: ", db ? sqlite3_errmsg(db) : "out of memory", " (sqlite code ", code, ")",
                      advice.empty() ? "" : "; ", advice),
              std::string(sql));
}

}  // namespace

std::string sqlite_advice(int extended_code, const std::filesystem::path& path) {
  const std::string dir = path.parent_path().string();
  switch (extended_code & 0xff) {
    case SQLITE_FULL:
      return str_cat("the disk holding '", dir, "' is full: free space, or lower KJIT_CACHE_MAX_SIZE and run `kjit cache gc`");
    case SQLITE_READONLY:
      return str_cat("'", path.string(), "' is read-only: use a writable KJIT_CACHE_DIR (--cache-dir), or serve it "
                     "read-only with KJIT_CACHE_READONLY=1 (--read-only)");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PROTOCOL:
    case SQLITE_IOERR:
      return str_cat("the index or its write-ahead log ('", path.filename().string(), "-wal', '",
                     path.filename().string(), "-shm') is damaged, was written by something else, or was deleted or "
                     "replaced while a kjit process had it open; stop the kjit processes using '", dir,
                     "', then run `kjit cache verify`; if that fails too, delete '", path.string(),
                     "' and its -wal/-shm files (the entries are lost, the cache rebuilds itself)");
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return str_cat("check that '", dir, "' exists and is writable, or set KJIT_CACHE_DIR (--cache-dir) to a writable "
                     "directory on local disk");
    default:
      return {};
  }
}

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
    int code = db ? sqlite3_extended_errcode(db) : rc;
    sqlite3_close(db);
    std::string advice = sqlite_advice(code, path);
    return fail(ErrorCode::io_error, str_cat("cannot open cache index '", path.string(), "': ", msg,
                                             advice.empty() ? "" : "; ", advice));
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

Result<Db> Db::open_read_only(const std::filesystem::path& path) {
  // URI file names: percent-encode what a URI would read specially.
  std::string uri = "file:";
  for (unsigned char c : path.string()) {
    if (c == '%' || c == '?' || c == '#' || c < 0x20) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      uri += buf;
    } else {
      uri += static_cast<char>(c);
    }
  }
  std::string last_error;
  int last_code = 0;
  for (const char* query : {"?mode=ro", "?mode=ro&immutable=1"}) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2((uri + query).c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    // The open is lazy: read the schema now, so a WAL that cannot be read
    // without write access (no -shm) fails here and the next way is tried.
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return Db(db, path);
    last_error = db ? sqlite3_errmsg(db) : "out of memory";
    last_code = db ? sqlite3_extended_errcode(db) : rc;
    sqlite3_close(db);
  }
  std::string advice = sqlite_advice(last_code, path);
  return fail(ErrorCode::io_error, str_cat("cannot open cache index '", path.string(), "' read-only: ", last_error,
                                           advice.empty() ? "" : "; ", advice));
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

void Db::keep_wal_short(int pages) {
  static_assert(sizeof(std::intptr_t) >= sizeof(int));
  sqlite3_wal_hook(
      m_db,
      [](void* arg, sqlite3* db, const char* name, int frames) {
        // Busy (a reader still needs the frames) is not an error: a later
        // commit tries again.
        if (frames >= static_cast<int>(reinterpret_cast<std::intptr_t>(arg)))
          sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
        return SQLITE_OK;
      },
      reinterpret_cast<void*>(static_cast<std::intptr_t>(pages)));
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

bool Db::last_error_busy() const { return (sqlite3_extended_errcode(m_db) & 0xff) == SQLITE_BUSY; }

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
