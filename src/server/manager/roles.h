#pragma once
// Roles: named sets of permission entries. Each entry allows or denies one permission, either
// globally or for the sessions of one session group (its filter); Deny wins over Allow, across
// all of a user's roles. This file holds the records, the permission table and the pure
// evaluation; the Authorizer (authorizer.h) loads roles and groups and applies it.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "server/manager/authorizer.h"

namespace tether::manager {

enum class Effect { kAllow, kDeny };
const char* EffectName(Effect e);  // "allow" / "deny"
std::optional<Effect> ParseEffect(std::string_view s);

struct RoleEntry {
  Permission permission = Permission::kViewSession;
  Effect effect = Effect::kAllow;
  int64_t group_id = 0;  // 0: global (every session); else a session group's id
  bool operator==(const RoleEntry&) const = default;
};

struct Role {
  int64_t id = 0;
  std::string name;         // 1-64 printable characters, unique ignoring case
  std::string description;  // at most 256 printable characters
  std::vector<RoleEntry> entries;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

inline constexpr size_t kMaxRoleEntries = 200;

// Global permissions are about the server, not sessions: they cannot be scoped to a group.
bool IsGlobalPermission(Permission p);

// What creating a session of `type` needs: CreateSupportSession, CreateMeetingSession, or for
// an access session (normally made by an agent's enrolment) BuildAccessInstaller.
Permission CreatePermissionFor(SessionType type);

// Name, description and entries well-formed (groups are checked by the caller); "validation".
Status CheckRole(const Role& role);

enum class Grant { kAllowed, kDenied, kNotGranted };

// Whether `roles` grant `p`. With a session, `in_group(id)` tells whether the session is in the
// group; without one (`in_group` null), a group-scoped permission counts as allowed when some
// entry allows it for some group and no global entry denies it.
Grant Evaluate(const std::vector<const Role*>& roles, Permission p,
               const std::function<bool(int64_t)>* in_group);

// Where `roles` allow and deny `p`, for building a scope filter.
struct PermissionScope {
  bool all_allowed = false;  // a global Allow
  bool all_denied = false;   // a global Deny
  std::vector<int64_t> allowed_groups;
  std::vector<int64_t> denied_groups;
};
PermissionScope ScopeOf(const std::vector<const Role*>& roles, Permission p);

}  // namespace tether::manager
