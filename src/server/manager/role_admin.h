#pragma once
// RoleAdmin: managing roles (list, create, change, delete) for administrators, with the rule
// that some enabled user must keep the Administer permission. Owned by the SessionManager
// (SessionManager::Roles()); every call needs Administer. Thread-safe; the Store, Clock and
// Authorizer must outlive it.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "server/manager/authorizer.h"
#include "server/manager/repositories.h"
#include "server/manager/roles.h"

namespace tether::manager {

struct Actor;

// A new role (name required) or a change to one (absent fields stay).
struct RoleSpec {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<RoleEntry>> entries;
};

// Whether some enabled user holds Administer once `change_user` has been applied to the users
// (it may edit one, or return false to drop it) and `replaced` (when given) replaces the role
// with its id (a role with no entries stands for a deleted one).
bool AdministratorRemains(Store& store, const std::function<bool(User&)>& change_user,
                          const Role* replaced = nullptr);

class RoleAdmin {
 public:
  RoleAdmin(Store& store, const Clock& clock, const Authorizer& authorizer)
      : store_(store), clock_(clock), authorizer_(authorizer) {}

  Result<std::vector<Role>> List(const Actor& actor);
  Result<Role> Get(int64_t id, const Actor& actor);
  Result<Role> FindByName(const std::string& name, const Actor& actor);
  Result<Role> Create(const RoleSpec& spec, const Actor& actor);
  // "last_administrator" when no enabled user would keep Administer.
  Result<Role> Update(int64_t id, const RoleSpec& spec, const Actor& actor);
  // "conflict" while users hold it; "last_administrator" as above.
  Status Delete(int64_t id, const Actor& actor);

 private:
  Status CheckGroups(const Role& role);
  void Audit(const std::string& kind, const Actor& actor, const std::string& detail);

  Store& store_;
  const Clock& clock_;
  const Authorizer& authorizer_;
};

}  // namespace tether::manager
