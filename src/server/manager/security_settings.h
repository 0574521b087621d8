#pragma once
// SecuritySettings: the security settings in force — the configuration file's values, with the
// changes an administrator made on the administration page (kept in the store) over them. One
// validator (CheckSecurityValues) checks both; every component reads the values through Get()
// at each use, so a change takes effect without a restart. Thread-safe; pure (no I/O).
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "server/manager/password.h"

namespace tether::manager {

// Who must use two-factor authentication ([security] two_factor).
enum class TwoFactorPolicy { kOff, kAdministrators, kEveryone };

// Failed logins per account and per source address in a sliding window ([security] lockout_*).
struct LockoutOptions {
  int account_failures = 5;
  int address_failures = 5;
  int64_t window_s = 15 * 60;
  int64_t lock_s = 15 * 60;
};

// The settings of [security], [security.sessions] and [security.consent] (docs/security.md),
// in seconds. IP restrictions ([security.ip]) are kept by the web server.
struct SecurityValues {
  PasswordPolicy policy;
  // Configuration file only: lets password_min_length go below 12 (never below 8). The page
  // cannot make the policy weaker than the file allows.
  bool password_allow_short = false;
  LockoutOptions lockout;
  TwoFactorPolicy two_factor = TwoFactorPolicy::kOff;
  int64_t web_idle_timeout_s = 30 * 60;
  int64_t web_absolute_timeout_s = 12 * 60 * 60;
  // Forced disconnect and lifetimes (0: off).
  int64_t host_idle_s = 30 * 60;
  int64_t max_session_s = 8 * 60 * 60;
  int64_t support_expiry_s = 24 * 60 * 60;
  // The guest's consent in time.
  int64_t consent_prompt_timeout_s = 60;
  int64_t consent_grant_lifetime_s = 0;
};

// Checks every value; the error is "validation" and its message starts with the setting's
// name as written in the configuration file, e.g. "security.lockout_failures: must be ...".
Status CheckSecurityValues(const SecurityValues& v);

// One change made on the page, for the audit log (never a secret: these are all limits).
struct SettingChange {
  std::string key;
  std::string old_value;
  std::string new_value;
};

class SecuritySettings {
 public:
  explicit SecuritySettings(SecurityValues file) : file_(file), values_(file) {}

  SecurityValues Get() const;
  // Applies the stored changes (Stored()'s form) over the file's values. A stored change that
  // no longer passes the validator (the file changed) is dropped; its name is returned.
  std::vector<std::string> Load(const std::string& stored);
  // Validates `changes` (key -> JSON value; null: back to the file's value) together with the
  // values in force; on success they take effect, and what changed is returned.
  Result<std::vector<SettingChange>> Change(const nlohmann::json& changes);
  // The page's changes, as kept in the store.
  std::string Stored() const;
  // Every setting: key, value, file (the configuration file's value), default, source
  // ("default", "file" or "page") and whether the page may change it.
  nlohmann::json Describe() const;

 private:
  // `overrides` over the file's values, or the error naming the first bad setting.
  Result<SecurityValues> Merge(const nlohmann::json& overrides) const;

  mutable std::mutex mu_;
  const SecurityValues file_;
  SecurityValues values_;
  nlohmann::json overrides_ = nlohmann::json::object();  // key -> value, as set on the page
};

}  // namespace tether::manager
