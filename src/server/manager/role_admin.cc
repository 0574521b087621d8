#include "server/manager/role_admin.h"

#include <algorithm>

#include "server/manager/session_manager.h"
#include "server/manager/session_filter.h"

namespace tether::manager {

bool AdministratorRemains(Store& store, const std::function<bool(User&)>& change_user, const Role* replaced) {
  std::vector<Role> roles = store.Roles().List();
  for (auto& r : roles) {
    if (replaced && r.id == replaced->id) r = *replaced;
  }
  for (User u : store.Users().List()) {
    if (!change_user(u) || u.disabled) continue;
    for (const auto& r : roles) {
      if (AsciiLower(r.name) != AsciiLower(u.role)) continue;
      if (Evaluate({&r}, Permission::kAdminister, nullptr) == Grant::kAllowed) return true;
    }
  }
  return false;
}

namespace {

void Apply(const RoleSpec& spec, Role& r) {
  if (spec.name) r.name = *spec.name;
  if (spec.description) r.description = *spec.description;
  if (spec.entries) r.entries = *spec.entries;
}

Error LastAdministrator() {
  return Error{"last_administrator", "no enabled user would keep the Administer permission"};
}

}  // namespace

void RoleAdmin::Audit(const std::string& kind, const Actor& actor, const std::string& detail) {
  AppendAudit(store_, clock_, kind, actor, detail);
}

Status RoleAdmin::CheckGroups(const Role& role) {
  for (const auto& e : role.entries) {
    if (e.group_id != 0 && !store_.Groups().Find(e.group_id)) {
      return MakeError("validation", "no session group with id " + std::to_string(e.group_id));
    }
  }
  return {};
}

Result<std::vector<Role>> RoleAdmin::List(const Actor& actor) {
  if (auto st = authorizer_.Check(actor, Permission::kAdminister); !st) return st.error();
  return store_.Roles().List();
}

Result<Role> RoleAdmin::Get(int64_t id, const Actor& actor) {
  if (auto st = authorizer_.Check(actor, Permission::kAdminister); !st) return st.error();
  auto r = store_.Roles().Find(id);
  if (!r) return MakeError("not_found", "no such role");
  return *r;
}

Result<Role> RoleAdmin::FindByName(const std::string& name, const Actor& actor) {
  if (auto st = authorizer_.Check(actor, Permission::kAdminister); !st) return st.error();
  auto r = store_.Roles().FindByName(name);
  if (!r) return MakeError("not_found", "no role named '" + name + "'");
  return *r;
}

Result<Role> RoleAdmin::Create(const RoleSpec& spec, const Actor& actor) {
  if (auto st = authorizer_.Check(actor, Permission::kAdminister); !st) return st.error();
  if (!spec.name) return MakeError("validation", "a role needs a name");
  Role r;
  Apply(spec, r);
  if (auto st = CheckRole(r); !st) return st.error();
  if (auto st = CheckGroups(r); !st) return st.error();
  r.created_at = r.updated_at = clock_.NowUnix();
  auto created = store_.Roles().Create(r);
  if (created) Audit("role.created", actor, std::to_string(created->id) + " \"" + created->name + "\"");
  return created;
}

Result<Role> RoleAdmin::Update(int64_t id, const RoleSpec& spec, const Actor& actor) {
  if (auto st = authorizer_.Check(actor, Permission::kAdminister); !st) return st.error();
  auto r = store_.Roles().Find(id);
  if (!r) return MakeError("not_found", "no such role");
  const std::string old_name = r->name;
  Apply(spec, *r);
  if (auto st = CheckRole(*r); !st) return st.error();
  if (auto st = CheckGroups(*r); !st) return st.error();
  // A rename moves the role's users along, so only the entries can take Administer away.
  if (!AdministratorRemains(store_, [&](User& u) {
        if (AsciiLower(u.role) == AsciiLower(old_name)) u.role = r->name;
        return true;
      }, &*r)) {
    return LastAdministrator();
  }
  r->updated_at = clock_.NowUnix();
  if (auto st = store_.Roles().Update(*r); !st) return st.error();
  Audit("role.updated", actor, std::to_string(id) + " \"" + r->name + "\"");
  return *r;
}

Status RoleAdmin::Delete(int64_t id, const Actor& actor) {
  if (auto st = authorizer_.Check(actor, Permission::kAdminister); !st) return st;
  auto r = store_.Roles().Find(id);
  if (!r) return MakeError("not_found", "no such role");
  Role gone = *r;
  gone.entries.clear();
  if (!AdministratorRemains(store_, [](User&) { return true; }, &gone)) return LastAdministrator();
  if (auto st = store_.Roles().Delete(id); !st) return st;
  Audit("role.deleted", actor, std::to_string(id) + " \"" + r->name + "\"");
  return {};
}

}  // namespace tether::manager
