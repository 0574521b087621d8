#include "server/manager/authorizer.h"

#include <algorithm>
#include <map>

#include "server/manager/roles.h"
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
    case Permission::kCreateMeetingSession: return "CreateMeetingSession";
    case Permission::kManageSharedToolbox: return "ManageSharedToolbox";
    case Permission::kTransferFiles: return "TransferFiles";
    case Permission::kRunCommandOutsideSession: return "RunCommandOutsideSession";
    case Permission::kTransferSession: return "TransferSession";
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

namespace {

// The server's operator on the local socket (and internal wiring acting for it).
bool IsOperator(const Actor& actor) { return actor.user_id == 0 && actor.role == kRoleAdministrator; }

// The filter tree of a group's sessions: its type (when set) AND its filter. nullopt when the
// group is every session; `bad` when its stored filter does not parse.
std::optional<FilterNode> GroupNode(const SessionGroup& g, bool& bad) {
  bad = false;
  std::vector<FilterNode> parts;
  if (!g.session_type.empty()) parts.push_back(*EqualsFilter(FilterField::kType, g.session_type).root());
  auto f = ParseFilter(g.filter);
  if (!f) {
    bad = true;
    return std::nullopt;
  }
  if (!f->empty()) parts.push_back(*f->root());
  if (parts.empty()) return std::nullopt;
  if (parts.size() == 1) return parts[0];
  return FilterNode{FilterNode::Kind::kAnd, std::move(parts)};
}

FilterNode AnyOf(std::vector<FilterNode> nodes) {
  if (nodes.size() == 1) return std::move(nodes[0]);
  return FilterNode{FilterNode::Kind::kOr, std::move(nodes)};
}

}  // namespace

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
  if (IsOperator(actor)) return {};
  auto role = actor.role.empty() ? std::nullopt : store_.Roles().FindByName(actor.role);
  if (!role) return MakeError("forbidden", "you have no role");
  const std::vector<const Role*> roles{&*role};
  Grant grant;
  if (session != nullptr && !IsGlobalPermission(permission)) {
    const FilterContext context{clock_.NowUnix(), actor.name};
    std::map<int64_t, bool> seen;
    std::function<bool(int64_t)> in_group = [&](int64_t id) {
      if (auto it = seen.find(id); it != seen.end()) return it->second;
      bool in = false;
      if (auto g = store_.Groups().Find(id)) {
        bool bad = false;
        auto node = GroupNode(*g, bad);
        in = !bad && (!node || FilterMatches(Filter(*node), *session, context));
      }
      return seen[id] = in;
    };
    grant = Evaluate(roles, permission, &in_group);
  } else {
    grant = Evaluate(roles, permission, nullptr);
  }
  if (grant == Grant::kAllowed) return {};
  return MakeError("forbidden", std::string("you do not have the ") + PermissionName(permission) + " permission" +
                                    (session != nullptr ? " for this session" : ""));
}

ViewScope Authorizer::ViewScopeOf(const Actor& actor) const {
  if (IsOperator(actor)) return {};
  auto role = actor.role.empty() ? std::nullopt : store_.Roles().FindByName(actor.role);
  if (!role) return {true, {}};
  const PermissionScope scope = ScopeOf({&*role}, Permission::kViewSession);
  if (scope.all_denied) return {true, {}};
  std::vector<FilterNode> allowed, denied;
  bool allow_all = scope.all_allowed;
  for (int64_t id : scope.allowed_groups) {
    auto g = store_.Groups().Find(id);
    if (!g) continue;
    bool bad = false;
    auto node = GroupNode(*g, bad);
    if (bad) continue;
    if (!node) allow_all = true;
    else allowed.push_back(std::move(*node));
  }
  if (!allow_all && allowed.empty()) return {true, {}};
  for (int64_t id : scope.denied_groups) {
    auto g = store_.Groups().Find(id);
    bool bad = false;
    auto node = g ? GroupNode(*g, bad) : std::nullopt;
    if (!g || bad || !node) return {true, {}};  // a Deny that cannot be narrowed denies all
    denied.push_back(std::move(*node));
  }
  std::vector<FilterNode> parts;
  if (!allow_all) parts.push_back(AnyOf(std::move(allowed)));
  if (!denied.empty()) parts.push_back(FilterNode{FilterNode::Kind::kNot, {AnyOf(std::move(denied))}});
  if (parts.empty()) return {};
  if (parts.size() == 1) return {false, Filter(std::move(parts[0]))};
  return {false, Filter(FilterNode{FilterNode::Kind::kAnd, std::move(parts)})};
}

}  // namespace tether::manager
