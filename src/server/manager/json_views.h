#pragma once
// JSON views of domain records, shared by the local API and the REST API so both show the
// same fields. Secrets (password hashes, token hashes) are never part of a view.
#include <nlohmann/json.hpp>

#include "base/result.h"
#include "server/manager/roles.h"
#include "server/manager/types.h"

namespace tether::manager {

nlohmann::json UserJson(const User& u);
nlohmann::json SessionJson(const Session& s);
nlohmann::json GuestJson(const GuestInfo& g);
nlohmann::json EventJson(const SessionEvent& e);
nlohmann::json GroupJson(const SessionGroup& g);
// Without the secret or its hash: only the hint ("tth_...abcd") identifies it.
nlohmann::json ApiTokenJson(const ApiToken& t);
// Without the install token or its hash.
nlohmann::json AccessInstallerJson(const AccessInstaller& a);
// {"id", "name", "description", "entries": [{"permission", "effect", "group_id"}], ...};
// group_id is null for a global entry.
nlohmann::json RoleJson(const Role& r);
// The inverse of RoleJson's "entries" (at most kMaxRoleEntries); "validation" naming the bad entry.
Result<std::vector<RoleEntry>> RoleEntriesFromJson(const nlohmann::json& entries);

}  // namespace tether::manager
