#pragma once
// Versioned schema migrations. Each step runs in its own transaction and bumps
// PRAGMA user_version; a database newer than this build is refused.
#include "base/result.h"
#include "server/store/sqlite_db.h"

namespace tether::store {

int LatestSchemaVersion();
// Brings the database to the latest version. Caller holds the lock.
Status Migrate(SqliteDb& db);
int CurrentSchemaVersion(SqliteDb& db);

}  // namespace tether::store
