#pragma once
// SecuritySettings: the security settings in force — the configuration file's values, with the
// changes an administrator made on the administration page (kept in the store) over them. One
// validator (CheckSecurityValues) checks both; every component reads the values through Get()
// (or the IP lists through Ip()) at each use, so a change takes effect without a restart.
// Thread-safe; pure (no I/O).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "net/ip_access.h"
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
// in seconds, and the IP restrictions of [security.ip].
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
  // [security.ip]: the lists of each area and the trusted proxies. Never null; immutable, so a
  // reader keeps the snapshot it took while a change replaces it.
  std::shared_ptr<const net::IpAreas> ip = std::make_shared<const net::IpAreas>();
};

// At most this many entries in one IP list (security.ip.*), in the file and on the page.
inline constexpr size_t kMaxIpListEntries = 1000;

// One IP list from its entries (addresses and CIDR ranges), for the file and the page alike;
// the "validation" error names `key` or the entry, e.g. "security.ip.login.allow[2]: ...".
Result<net::IpList> MakeIpList(const std::vector<std::string>& entries, const std::string& key);

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
  // The IP restrictions in force: a cheap snapshot (no list is copied).
  std::shared_ptr<const net::IpAreas> Ip() const;
  // Applies the stored changes (Stored()'s form) over the file's values. A stored change that
  // no longer passes the validator (the file changed) is dropped; its name is returned.
  std::vector<std::string> Load(const std::string& stored);
  // Validates `changes` (key -> JSON value; null: back to the file's value) together with the
  // values in force; on success they take effect, and what changed is returned. `accept`, when
  // set, sees the values that would be in force and may refuse them (its error is returned and
  // nothing changes); it runs under the lock, so it must not call back into these settings.
  using Acceptor = std::function<Status(const SecurityValues& proposed)>;
  Result<std::vector<SettingChange>> Change(const nlohmann::json& changes, const Acceptor& accept = {});
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
