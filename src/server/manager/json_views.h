#pragma once
// JSON views of domain records, shared by the local API and the REST API so both show the
// same fields. Secrets (password hashes, token hashes) are never part of a view.
#include <nlohmann/json.hpp>

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

}  // namespace tether::manager
