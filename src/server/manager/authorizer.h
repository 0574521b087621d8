#pragma once
// Authorizer: the one place that decides whether an actor may do something to a session or to
// the session groups. Every user-facing SessionManager operation asks it, through Check(). It
// reads the actor's role (roles.h: Allow/Deny entries, global or scoped to session groups) and
// the groups' filters from the Store on each call. Thread-safe; the Store and Clock must
// outlive it.
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "server/manager/session_filter.h"
#include "server/manager/types.h"

namespace tether::manager {

struct Actor;
class Store;

// The permission names (PermissionName) are the ones roles, the REST API and the CLI use.
enum class Permission {
  kViewSession,    // "ViewSessionGroup"
  kCreateSession,  // "CreateSupportSession"
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
  kCreateMeetingSession,
  kManageSharedToolbox,
  kTransferFiles,
  kRunCommandOutsideSession,
  kTransferSession,
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
    Permission::kBuildAccessInstaller, Permission::kHostSessionWithoutConsent, Permission::kCreateMeetingSession,
    Permission::kManageSharedToolbox, Permission::kTransferFiles,      Permission::kRunCommandOutsideSession,
    Permission::kTransferSession,     Permission::kViewSessionGuestScreenshot,
};
// The exact name (PermissionName).
std::optional<Permission> ParsePermission(std::string_view name);

// What a user may see of the sessions (ViewSessionGroup): nothing, everything, or the sessions
// `filter` matches (the allowed groups' filters OR-ed, AND NOT the denied ones').
struct ViewScope {
  bool none = false;
  Filter filter;  // empty: every session (when !none)
};

class Authorizer {
 public:
  Authorizer(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // `session` is the session the permission applies to, when there is one. Without a session,
  // a group-scoped permission is granted when the role allows it for at least one group (the
  // caller then narrows, e.g. with ViewScopeOf). "forbidden" when refused. The Local API's
  // actor (user_id 0, role Administrator) is the server's operator and may do everything. An
  // actor using an API token has at most the permissions of the token's scope, whatever the
  // role grants.
  Status Check(const Actor& actor, Permission permission, const Session* session = nullptr) const;

  // The sessions `actor` may view, for the session list's SQL filter.
  ViewScope ViewScopeOf(const Actor& actor) const;

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace tether::manager
