#include "server/manager/authorizer.h"

#include <algorithm>

#include "server/manager/session_manager.h"

namespace tether::manager {

const char* PermissionName(Permission p) {
  switch (p) {
    case Permission::kViewSession: return "ViewSessionGroup";
    case Permission::kCreateSession: return "CreateSupportSession";
    case Permission::kEditSession: return "EditSession";
    case Permission::kDeleteSession: return "DeleteSession";
    case Permission::kEndSession: return "EndSession";
    case Permission::kAddNoteToSession: return "AddNoteToSession";
    case Permission::kJoinSession: return "JoinSession";
    case Permission::kManageSessionGroups: return "ManageSessionGroups";
    case Permission::kAdminister: return "Administer";
    case Permission::kBuildAccessInstaller: return "BuildAccessInstaller";
    case Permission::kHostSessionWithoutConsent: return "HostSessionWithoutConsent";
    case Permission::kViewSessionGuestScreenshot: return "ViewSessionGuestScreenshot";
  }
  return "?";
}

std::optional<Permission> ParsePermission(std::string_view name) {
  for (Permission p : kAllPermissions) {
    if (name == PermissionName(p)) return p;
  }
  return std::nullopt;
}

Status Authorizer::Check(const Actor& actor, Permission permission, const Session* session) const {
  if (actor.token_scope &&
      std::find(actor.token_scope->begin(), actor.token_scope->end(), permission) == actor.token_scope->end()) {
    return MakeError("forbidden", std::string("the API token's scope does not include the ") +
                                      PermissionName(permission) + " permission");
  }
  // Consent may only be skipped on access (unattended) sessions, whoever asks.
  if (permission == Permission::kHostSessionWithoutConsent &&
      (session == nullptr || session->type != SessionType::kAccess)) {
    return MakeError("forbidden", "consent is always asked in support and meeting sessions");
  }
  if (actor.role == kRoleAdministrator) return {};
  // Until configurable roles exist, only administrators build installers and host without consent.
  if (actor.role == kRoleHost && permission != Permission::kManageSessionGroups &&
      permission != Permission::kAdminister && permission != Permission::kBuildAccessInstaller &&
      permission != Permission::kHostSessionWithoutConsent) {
    return {};
  }
  return MakeError("forbidden", std::string("you do not have the ") + PermissionName(permission) +
                                    " permission");
}

}  // namespace tether::manager
