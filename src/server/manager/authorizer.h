#pragma once
// Authorizer: the one place that decides whether an actor may do something to a session or to
// the session groups. Every user-facing SessionManager operation asks it. Today it knows only
// the built-in roles (Administrator: everything; Host: everything except managing session
// groups); roles and group-scoped permissions (issue 5) replace Check() without touching its
// callers. Stateless and thread-safe.
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "server/manager/types.h"

namespace tether::manager {

struct Actor;

enum class Permission {
  kViewSession,
  kCreateSession,
  kEditSession,
  kDeleteSession,
  kEndSession,
  kAddNoteToSession,
  kJoinSession,
  kManageSessionGroups,
  kAdminister,  // server settings and administration pages
  kBuildAccessInstaller,
  // Access sessions only: join without the guest's consent.
  kHostSessionWithoutConsent,
  // The small live thumbnail of the guest's screen (support and meeting sessions: only after
  // the guest's consent, which the relay enforces).
  kViewSessionGuestScreenshot,
};
const char* PermissionName(Permission p);
// Every permission, for listing and for parsing names (API token scopes).
inline constexpr Permission kAllPermissions[] = {
    Permission::kViewSession,         Permission::kCreateSession,        Permission::kEditSession,
    Permission::kDeleteSession,       Permission::kEndSession,           Permission::kAddNoteToSession,
    Permission::kJoinSession,         Permission::kManageSessionGroups,  Permission::kAdminister,
    Permission::kBuildAccessInstaller, Permission::kHostSessionWithoutConsent,
};
std::optional<Permission> ParsePermission(std::string_view name);

class Authorizer {
 public:
  // `session` is the session the permission applies to, when there is one (group-scoped
  // permissions will look at it). "forbidden" when refused. An actor using an API token has
  // at most the permissions of the token's scope, whatever the role grants.
  Status Check(const Actor& actor, Permission permission, const Session* session = nullptr) const;
};

}  // namespace tether::manager
