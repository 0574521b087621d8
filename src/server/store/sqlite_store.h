#pragma once
// SqliteStore: the embedded implementation of the Session Manager's Store. Owns one SqliteDb
// and the repositories over it. Thread-safe; every repository call takes the database lock.
#include <filesystem>
#include <memory>

#include "server/manager/repositories.h"
#include "server/store/sqlite_db.h"

namespace tether::store {

class SqliteStore final : public manager::Store {
 public:
  // Opens or creates the database and runs the migrations.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::filesystem::path& path);
  ~SqliteStore() override;

  manager::UserRepository& Users() override { return *users_; }
  manager::SessionRepository& Sessions() override { return *sessions_; }
  manager::SessionGroupRepository& Groups() override { return *groups_; }
  manager::RoleRepository& Roles() override { return *roles_; }
  manager::AuditRepository& Audit() override { return *audit_; }
  manager::WebSessionRepository& WebSessions() override { return *web_sessions_; }
  manager::SettingsRepository& Settings() override { return *settings_; }
  manager::AccessRepository& Access() override { return *access_; }
  manager::ApiTokenRepository& Tokens() override { return *tokens_; }
  int SchemaVersion() override;
  Result<std::string> IntegrityCheck() override;

 private:
  explicit SqliteStore(std::unique_ptr<SqliteDb> db);
  std::unique_ptr<SqliteDb> db_;
  std::unique_ptr<manager::UserRepository> users_;
  std::unique_ptr<manager::SessionRepository> sessions_;
  std::unique_ptr<manager::SessionGroupRepository> groups_;
  std::unique_ptr<manager::RoleRepository> roles_;
  std::unique_ptr<manager::AuditRepository> audit_;
  std::unique_ptr<manager::WebSessionRepository> web_sessions_;
  std::unique_ptr<manager::SettingsRepository> settings_;
  std::unique_ptr<manager::AccessRepository> access_;
  std::unique_ptr<manager::ApiTokenRepository> tokens_;
};

// Factories for the repositories (one file each); they borrow `db`.
std::unique_ptr<manager::UserRepository> MakeSqliteUsers(SqliteDb& db);
std::unique_ptr<manager::SessionRepository> MakeSqliteSessions(SqliteDb& db);
std::unique_ptr<manager::SessionGroupRepository> MakeSqliteGroups(SqliteDb& db);
std::unique_ptr<manager::RoleRepository> MakeSqliteRoles(SqliteDb& db);
std::unique_ptr<manager::AuditRepository> MakeSqliteAudit(SqliteDb& db);
std::unique_ptr<manager::WebSessionRepository> MakeSqliteWebSessions(SqliteDb& db);
std::unique_ptr<manager::SettingsRepository> MakeSqliteSettings(SqliteDb& db);
std::unique_ptr<manager::AccessRepository> MakeSqliteAccess(SqliteDb& db);
std::unique_ptr<manager::ApiTokenRepository> MakeSqliteTokens(SqliteDb& db);

}  // namespace tether::store
