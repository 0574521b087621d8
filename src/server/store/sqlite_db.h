#pragma once
// SqliteDb: one SQLite connection (WAL, foreign keys, busy timeout) with a mutex that callers
// hold for each unit of work, and a small prepared-statement wrapper. Thread-safe through
// Lock(); Statement objects are used only while the lock is held.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.h"

namespace tether::store {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, int64_t v);
  Statement& Bind(int index, const std::string& v);
  Statement& BindNull(int index);
  // true: a row is available; false: done. Errors are recorded and reported by Ok()/Error().
  bool Step();
  int64_t Int(int col) const;
  std::string Text(int col) const;
  bool IsNull(int col) const;
  bool Ok() const { return rc_ == SQLITE_OK || rc_ == SQLITE_ROW || rc_ == SQLITE_DONE; }
  int Code() const { return rc_; }
  std::string ErrorMessage() const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

class SqliteDb {
 public:
  // Opens (creating 0600 if needed) and configures the database. Throws nothing; check Open().
  static Result<std::unique_ptr<SqliteDb>> Open(const std::filesystem::path& path);
  ~SqliteDb();

  std::unique_lock<std::mutex> Lock() { return std::unique_lock(mu_); }
  sqlite3* Handle() { return db_; }
  // Runs statements without results. Caller holds the lock.
  Status Exec(const std::string& sql);
  int64_t LastInsertId() { return sqlite3_last_insert_rowid(db_); }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::mutex mu_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back unless Commit() succeeds. Caller holds the lock.
class Transaction {
 public:
  explicit Transaction(SqliteDb& db);
  ~Transaction();
  Status Commit();

 private:
  SqliteDb& db_;
  bool active_ = false;
};

}  // namespace tether::store
