#pragma once
// The Session Manager's domain records. Plain values; the store persists them.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tether::manager {

// The default roles (created by the store's migrations; roles.h): Administrator has every
// permission, Host does attended support.
inline constexpr const char* kRoleAdministrator = "Administrator";
inline constexpr const char* kRoleHost = "Host";

struct User {
  int64_t id = 0;
  std::string username;
  std::string role;
  std::string password_hash;  // Argon2id string (parameters embedded); never leaves the server
  bool disabled = false;
  int64_t created_at = 0;
  int64_t password_changed_at = 0;
  // Set when an administrator sets the password: until the user changes it, their login works
  // only for changing it (enforced by the web server, see WebApp::RequireUser).
  bool must_change_password = false;
  // Two-factor authentication (TOTP). Never leave the server; written only through
  // UserRepository::SetTwoFactor and its atomic helpers, never by Update.
  std::string totp_secret;     // sealed (see totp.h Seal); "" = none. Set but not enabled while enrolling
  bool totp_enabled = false;   // confirmed with a first code
  int64_t totp_last_step = 0;  // the last time step whose code was accepted (replay guard)
  std::string recovery_codes;  // SHA-256 hex of each unused recovery code, comma-separated
};

enum class SessionType { kSupport, kMeeting, kAccess };
const char* SessionTypeName(SessionType t);
std::optional<SessionType> ParseSessionType(const std::string& s);
// Support sessions (the guest) and meetings (the presenter) are joined with a code.
inline bool HasJoinCode(SessionType t) { return t == SessionType::kSupport || t == SessionType::kMeeting; }

// What the server knows about the guest's machine. The relay and the agent fill it
// (SessionManager::UpdateGuestInfo); `online` and `last_seen` follow the guest's connection.
struct GuestInfo {
  std::string machine;        // host name
  std::string os;             // e.g. "Debian GNU/Linux 12"
  std::string user;           // logged-on user
  std::string address;        // network address the guest connected from
  std::string agent_version;
  bool online = false;        // a guest is connected now
  int64_t last_seen = 0;      // Unix seconds of the last connect/disconnect/info update; 0 = never
};

// The custom properties every session has (stored as columns, shown as "properties").
inline constexpr const char* kPropertyKeys[] = {"company", "site", "department", "tag"};
bool IsPropertyKey(const std::string& key);

struct Session {
  std::string id;  // random, URL-safe; the only identifier shown outside the server
  SessionType type = SessionType::kSupport;
  std::string name;
  std::string code;  // join code for support sessions; empty otherwise
  std::string created_by;
  int64_t created_at = 0;
  int64_t ended_at = 0;  // 0 while open
  std::map<std::string, std::string> properties;  // kPropertyKeys; absent = empty
  GuestInfo guest;
};

// A saved filter over sessions, shown as a group in the control panel (session_filter.h has
// the language). With `subgroup_by` set, the panel lists the distinct values of that field
// inside the group (e.g. one sub-group per company).
struct SessionGroup {
  int64_t id = 0;
  std::string name;          // 1-64 printable characters, unique ignoring case
  std::string filter;        // filter text; "" = every session
  std::string subgroup_by;   // a text field name ("company", "os", ...) or ""
  std::string session_type;  // "" = shown on every tab; else support, meeting or access only
  int64_t position = 0;      // order in the panel
  std::string created_by;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct SessionEvent {
  int64_t id = 0;
  std::string session_id;
  std::string kind;   // "created", "ended", "guest_connected", ...
  std::string actor;  // user name or "guest" / "system"
  std::string detail;
  int64_t at = 0;
};

// An installer for access (unattended) agents: its install token enrols one agent, once, before
// `expires_at`; the agent's access session gets the name and custom properties.
struct AccessInstaller {
  std::string id;
  std::string name;
  std::string token_hash;  // SHA-256 (hex) of the install token; the token itself is never stored
  std::map<std::string, std::string> properties;  // kPropertyKeys
  std::string created_by;
  int64_t created_at = 0;
  int64_t expires_at = 0;
  int64_t used_at = 0;      // 0 until an agent enrolled with it
  std::string session_id;   // the access session it created
};

// An API token for automation: `Authorization: Bearer tth_...`. Only the SHA-256 of the secret
// is stored; the secret is shown once, when the token is made. Effective rights are the owner's
// rights limited to `scope` (permission names, authorizer.h).
struct ApiToken {
  std::string id;           // public identifier (16 hex digits), for listing and revoking
  int64_t user_id = 0;      // the owner
  std::string username;     // the owner's name (filled in by the store when listing)
  std::string name;         // what the owner calls it (1-64 characters)
  std::string hint;         // "tth_…" and the secret's last four characters, to recognise it
  std::string secret_hash;  // SHA-256 (hex) of the secret
  std::vector<std::string> scope;
  int64_t created_at = 0;
  int64_t expires_at = 0;
  int64_t last_used_at = 0;    // 0 = never used
  std::string last_used_from;  // network address of the last use
};

struct AuditRecord {
  int64_t id = 0;
  int64_t at = 0;
  std::string kind;    // "login.success", "login.failure.bad_password", "user.created", ...
  std::string actor;
  std::string source;  // network address or "local"
  std::string detail;
  std::string prev_hash;
  std::string hash;    // SHA-256 over prev_hash and this record's fields
};

struct WebSession {
  std::string token_hash;  // SHA-256 of the cookie value; the cookie value is never stored
  int64_t user_id = 0;
  std::string csrf_token;
  int64_t created_at = 0;
  int64_t last_seen = 0;
  std::string source;
  std::string user_agent;
};

}  // namespace tether::manager
