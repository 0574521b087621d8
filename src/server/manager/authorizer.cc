#include "server/manager/authorizer.h"

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
  }
  return "?";
}

Status Authorizer::Check(const Actor& actor, Permission permission, const Session*) const {
  if (actor.role == kRoleAdministrator) return {};
  if (actor.role == kRoleHost && permission != Permission::kManageSessionGroups &&
      permission != Permission::kAdminister) {
    return {};
  }
  return MakeError("forbidden", std::string("you do not have the ") + PermissionName(permission) +
                                    " permission");
}

}  // namespace tether::manager
