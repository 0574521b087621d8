// SessionManager: the security settings changed on the administration page (or by `tether
// settings set`), kept in the store as one JSON object over the configuration file's values.
#include "server/manager/session_manager.h"

namespace tether::manager {
namespace {

constexpr char kStoreKey[] = "security_settings";

}  // namespace

void SessionManager::ApplyLockout(const SecurityValues& v) {
  account_failures_.SetLimits(v.lockout.account_failures, v.lockout.window_s, v.lockout.lock_s);
  address_failures_.SetLimits(v.lockout.address_failures, v.lockout.window_s, v.lockout.lock_s);
}

std::vector<std::string> SessionManager::LoadSecuritySettings() {
  auto stored = store_.Settings().Get(kStoreKey);
  if (!stored) return {};
  auto dropped = security_.Load(*stored);
  for (const auto& key : dropped) {
    Audit("settings.dropped", Actor{"system", "local"}, key + ": the stored value no longer passes; the file's applies");
  }
  if (!dropped.empty()) (void)store_.Settings().Put(kStoreKey, security_.Stored());
  ApplyLockout(security_.Get());
  return dropped;
}

Result<std::vector<SettingChange>> SessionManager::ChangeSecuritySettings(const nlohmann::json& changes,
                                                                          const Actor& actor,
                                                                          const SecuritySettings::Acceptor& accept) {
  if (auto st = authorizer_.Check(actor, Permission::kAdminister); !st) return st.error();
  std::lock_guard lock(settings_mu_);  // store and memory change together
  const std::string before = security_.Stored();
  auto changed = security_.Change(changes, accept);
  if (!changed) return changed.error();
  if (auto st = store_.Settings().Put(kStoreKey, security_.Stored()); !st) {
    (void)security_.Load(before);
    return st.error();
  }
  ApplyLockout(security_.Get());
  for (const auto& c : *changed) Audit("settings.changed", actor, c.key + ": " + c.old_value + " -> " + c.new_value);
  return changed;
}

}  // namespace tether::manager
