#include "server/store/sqlite_store.h"

#include "server/store/migrations.h"

namespace tether::store {

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::filesystem::path& path) {
  auto db = SqliteDb::Open(path);
  if (!db) return db.error();
  {
    auto lock = (*db)->Lock();
    if (auto st = Migrate(**db); !st) return st.error();
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(*db)));
}

SqliteStore::SqliteStore(std::unique_ptr<SqliteDb> db)
    : db_(std::move(db)),
      users_(MakeSqliteUsers(*db_)),
      sessions_(MakeSqliteSessions(*db_)),
      groups_(MakeSqliteGroups(*db_)),
      roles_(MakeSqliteRoles(*db_)),
      audit_(MakeSqliteAudit(*db_)),
      web_sessions_(MakeSqliteWebSessions(*db_)),
      settings_(MakeSqliteSettings(*db_)),
      access_(MakeSqliteAccess(*db_)),
      tokens_(MakeSqliteTokens(*db_)) {}

SqliteStore::~SqliteStore() {
  // Fold the WAL back into the main file so a cleanly stopped database is one file.
  auto lock = db_->Lock();
  (void)db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

int SqliteStore::SchemaVersion() {
  auto lock = db_->Lock();
  return CurrentSchemaVersion(*db_);
}

Result<std::string> SqliteStore::IntegrityCheck() {
  auto lock = db_->Lock();
  Statement st(db_->Handle(), "PRAGMA integrity_check");
  std::string out;
  while (st.Step()) out += st.Text(0);
  if (!st.Ok()) return MakeError("store", st.ErrorMessage());
  return out;
}

}  // namespace tether::store
