#include "server/store/migrations.h"

#include <string>
#include <vector>

namespace tether::store {
namespace {

// Append only: never edit a migration that has shipped.
const std::vector<const char*>& Migrations() {
  static const std::vector<const char*> kMigrations = {
      // 1: users, roles, sessions, session events, audit log, web sessions.
      R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL
);
CREATE TABLE roles (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL
);
INSERT INTO roles (name, description) VALUES
  ('Administrator', 'Every permission'),
  ('Host', 'Create and join attended support sessions');
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('support', 'meeting', 'access')),
  name TEXT NOT NULL,
  code TEXT,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL DEFAULT 0,
  company TEXT NOT NULL DEFAULT '',
  site TEXT NOT NULL DEFAULT '',
  department TEXT NOT NULL DEFAULT '',
  tag TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX sessions_open_code ON sessions (code) WHERE ended_at = 0 AND code IS NOT NULL;
CREATE INDEX sessions_type_created ON sessions (type, created_at);
CREATE TABLE session_events (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  detail TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX session_events_session ON session_events (session_id, id);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  source TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TABLE web_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  source TEXT NOT NULL,
  user_agent TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
)sql",
      // 2: guest information and presence on sessions; indexes for keyset paging (newest
      // first) over all sessions and per type.
      R"sql(
ALTER TABLE sessions ADD COLUMN guest_machine TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN guest_os TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN guest_user TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN guest_address TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN agent_version TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN guest_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
DROP INDEX sessions_type_created;
CREATE INDEX sessions_type_created ON sessions (type, created_at, id);
CREATE INDEX sessions_created ON sessions (created_at, id);
)sql",
      // 3: session groups (saved filters) and the default ones.
      R"sql(
CREATE TABLE session_groups (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  filter TEXT NOT NULL,
  subgroup_by TEXT NOT NULL DEFAULT '',
  session_type TEXT NOT NULL DEFAULT '' CHECK (session_type IN ('', 'support', 'meeting', 'access')),
  position INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO session_groups (name, filter, subgroup_by, session_type, position, created_by, created_at, updated_at)
  SELECT column1, column2, column3, column4, column5, 'system',
         CAST(strftime('%s', 'now') AS INTEGER), CAST(strftime('%s', 'now') AS INTEGER) FROM (VALUES
    ('All sessions', '', '', '', 1),
    ('My sessions', 'created_by = me', '', '', 2),
    ('By company', '', 'company', '', 3),
    ('By OS', '', 'os', '', 4),
    ('Guest connected', 'online', '', '', 5),
    ('Offline for 30 days', 'NOT online AND last_seen < 30d ago AND created_at < 30d ago', '', 'access', 6));
)sql",
      // 4: server settings decided at set-up (the calibrated password hashing parameters);
      // a password an administrator set must be changed at the user's next login.
      R"sql(
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
)sql",
      // 5: two-factor authentication (TOTP): the sealed secret, whether it is confirmed, the
      // last accepted time step (replay guard) and the hashes of unused recovery codes.
      R"sql(
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN recovery_codes TEXT NOT NULL DEFAULT '';
)sql",
      // 6: access (unattended) agents: installers with a single-use install token (only its
      // SHA-256 is kept) and the public key each enrolled agent authenticates with.
      R"sql(
CREATE TABLE access_installers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  company TEXT NOT NULL DEFAULT '',
  site TEXT NOT NULL DEFAULT '',
  department TEXT NOT NULL DEFAULT '',
  tag TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER NOT NULL DEFAULT 0,
  session_id TEXT NOT NULL DEFAULT ''
);
CREATE TABLE access_agents (
  public_key TEXT PRIMARY KEY,
  session_id TEXT NOT NULL UNIQUE REFERENCES sessions (id) ON DELETE CASCADE,
  installer_id TEXT NOT NULL,
  enrolled_at INTEGER NOT NULL
);
)sql",
      // 7: API tokens for automation: only the SHA-256 of each secret is kept.
      R"sql(
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  hint TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  scope TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL DEFAULT 0,
  last_used_from TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
)sql",
      // 8: roles with permission entries (Allow/Deny, global or scoped to a session group;
      // group_id 0 = global). The two built-in roles keep their names, so users keep their role.
      R"sql(
CREATE TABLE roles_v8 (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO roles_v8 (id, name, description) VALUES
  (1, 'Administrator', 'Every permission'),
  (2, 'Host', 'Attended support: create support sessions; view, join, edit, end and add notes to sessions');
INSERT INTO roles_v8 (name, description)
  SELECT name, description FROM roles WHERE name NOT IN ('Administrator', 'Host');
DROP TABLE roles;
ALTER TABLE roles_v8 RENAME TO roles;
CREATE TABLE role_entries (
  role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  permission TEXT NOT NULL,
  effect TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),
  group_id INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (role_id, position)
);
CREATE INDEX role_entries_group ON role_entries (group_id) WHERE group_id <> 0;
INSERT INTO role_entries (role_id, position, permission, effect) VALUES
  (1, 0, 'Administer', 'allow'), (1, 1, 'ManageSessionGroups', 'allow'),
  (1, 2, 'CreateSupportSession', 'allow'), (1, 3, 'CreateMeetingSession', 'allow'),
  (1, 4, 'BuildAccessInstaller', 'allow'), (1, 5, 'ManageSharedToolbox', 'allow'),
  (1, 6, 'ViewSessionGroup', 'allow'), (1, 7, 'JoinSession', 'allow'),
  (1, 8, 'HostSessionWithoutConsent', 'allow'), (1, 9, 'TransferFiles', 'allow'),
  (1, 10, 'RunCommandOutsideSession', 'allow'), (1, 11, 'EditSession', 'allow'),
  (1, 12, 'DeleteSession', 'allow'), (1, 13, 'EndSession', 'allow'),
  (1, 14, 'TransferSession', 'allow'), (1, 15, 'AddNoteToSession', 'allow'),
  (1, 16, 'ViewSessionGuestScreenshot', 'allow'),
  (2, 0, 'CreateSupportSession', 'allow'), (2, 1, 'ViewSessionGroup', 'allow'),
  (2, 2, 'JoinSession', 'allow'), (2, 3, 'EditSession', 'allow'), (2, 4, 'EndSession', 'allow'),
  (2, 5, 'AddNoteToSession', 'allow'), (2, 6, 'TransferFiles', 'allow'),
  (2, 7, 'ViewSessionGuestScreenshot', 'allow');
)sql",
  };
  return kMigrations;
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

int CurrentSchemaVersion(SqliteDb& db) {
  Statement st(db.Handle(), "PRAGMA user_version");
  return st.Step() ? static_cast<int>(st.Int(0)) : -1;
}

Status Migrate(SqliteDb& db) {
  int current = CurrentSchemaVersion(db);
  if (current < 0) return MakeError("store", "cannot read schema version");
  if (current > LatestSchemaVersion()) {
    return MakeError("store", "database schema version " + std::to_string(current) +
                                  " is newer than this tetherd (" +
                                  std::to_string(LatestSchemaVersion()) + ")");
  }
  for (int v = current; v < LatestSchemaVersion(); ++v) {
    Transaction tx(db);
    if (auto st = db.Exec(Migrations()[static_cast<size_t>(v)]); !st) {
      return MakeError("store", "migration " + std::to_string(v + 1) + " failed: " + st.error().message);
    }
    if (auto st = db.Exec("PRAGMA user_version = " + std::to_string(v + 1)); !st) return st;
    if (auto st = tx.Commit(); !st) return st;
  }
  return {};
}

}  // namespace tether::store
