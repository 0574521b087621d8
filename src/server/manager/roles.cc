#include "server/manager/roles.h"

#include <algorithm>

#include "server/manager/session_filter.h"
#include "server/manager/validation.h"

namespace tether::manager {

const char* EffectName(Effect e) { return e == Effect::kAllow ? "allow" : "deny"; }

std::optional<Effect> ParseEffect(std::string_view s) {
  const std::string lower = AsciiLower(s);
  if (lower == "allow") return Effect::kAllow;
  if (lower == "deny") return Effect::kDeny;
  return std::nullopt;
}

bool IsGlobalPermission(Permission p) {
  switch (p) {
    case Permission::kAdminister:
    case Permission::kManageSessionGroups:
    case Permission::kCreateSession:
    case Permission::kCreateMeetingSession:
    case Permission::kBuildAccessInstaller:
    case Permission::kManageSharedToolbox:
      return true;
    default:
      return false;
  }
}

Permission CreatePermissionFor(SessionType type) {
  switch (type) {
    case SessionType::kSupport: return Permission::kCreateSession;
    case SessionType::kMeeting: return Permission::kCreateMeetingSession;
    case SessionType::kAccess: return Permission::kBuildAccessInstaller;
  }
  return Permission::kCreateSession;
}

Status CheckRole(const Role& role) {
  if (role.name.empty() || !IsCleanText(role.name, 64)) {
    return MakeError("validation", "a role name must be 1-64 printable characters");
  }
  if (!IsCleanText(role.description, 256)) {
    return MakeError("validation", "a role description must be at most 256 printable characters");
  }
  if (role.entries.size() > kMaxRoleEntries) {
    return MakeError("validation", "a role has at most 200 entries");
  }
  for (const auto& e : role.entries) {
    if (e.group_id < 0) return MakeError("validation", "group_id must be a session group's id");
    if (e.group_id != 0 && IsGlobalPermission(e.permission)) {
      return MakeError("validation", std::string(PermissionName(e.permission)) +
                                         " is a global permission: it cannot be scoped to a session group");
    }
  }
  return {};
}

Grant Evaluate(const std::vector<const Role*>& roles, Permission p,
               const std::function<bool(int64_t)>* in_group) {
  bool allowed = false;
  for (const Role* role : roles) {
    for (const auto& e : role->entries) {
      if (e.permission != p) continue;
      bool applies = e.group_id == 0;
      if (!applies && in_group) applies = (*in_group)(e.group_id);
      // Without a session, a group Allow still says "somewhere"; a group Deny says nothing.
      if (!applies && !in_group && e.effect == Effect::kAllow && !IsGlobalPermission(p)) applies = true;
      if (!applies) continue;
      if (e.effect == Effect::kDeny) return Grant::kDenied;
      allowed = true;
    }
  }
  return allowed ? Grant::kAllowed : Grant::kNotGranted;
}

PermissionScope ScopeOf(const std::vector<const Role*>& roles, Permission p) {
  PermissionScope s;
  for (const Role* role : roles) {
    for (const auto& e : role->entries) {
      if (e.permission != p) continue;
      const bool allow = e.effect == Effect::kAllow;
      if (e.group_id == 0) {
        (allow ? s.all_allowed : s.all_denied) = true;
      } else {
        auto& v = allow ? s.allowed_groups : s.denied_groups;
        if (std::find(v.begin(), v.end(), e.group_id) == v.end()) v.push_back(e.group_id);
      }
    }
  }
  return s;
}

}  // namespace tether::manager
