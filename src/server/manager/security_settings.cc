#include "server/manager/security_settings.h"

namespace tether::manager {
namespace {

using nlohmann::json;

Error Invalid(const std::string& key, const std::string& message) {
  return Error{"validation", key + ": " + message};
}

// One setting as the configuration file names it, in the file's units.
struct Spec {
  const char* key;
  bool changeable;  // on the page (the rest only in the file)
  json (*get)(const SecurityValues&);
  // Type checks and assigns; the ranges are CheckSecurityValues's.
  Status (*set)(SecurityValues&, const json&, const std::string& key);
};

Status SetInt(int64_t& out, const json& v, const std::string& key, int64_t unit = 1) {
  if (!v.is_number_integer()) return Invalid(key, "must be a whole number");
  const int64_t n = v.get<int64_t>();
  if (n < 0 || n > (int64_t{1} << 40) / unit) return Invalid(key, "is out of range");
  out = n * unit;
  return {};
}

Status SetInt(int& out, const json& v, const std::string& key) {
  int64_t n = 0;
  if (auto st = SetInt(n, v, key); !st) return st;
  if (n > 1'000'000'000) return Invalid(key, "is out of range");
  out = static_cast<int>(n);
  return {};
}

Status SetBool(bool& out, const json& v, const std::string& key) {
  if (!v.is_boolean()) return Invalid(key, "must be true or false");
  out = v.get<bool>();
  return {};
}

const char* TwoFactorName(TwoFactorPolicy p) {
  switch (p) {
    case TwoFactorPolicy::kOff: return "off";
    case TwoFactorPolicy::kAdministrators: return "administrators";
    case TwoFactorPolicy::kEveryone: return "everyone";
  }
  return "off";
}

// A list of addresses and CIDR ranges (security.ip.*): a JSON array of strings, each parsed by
// IpList::Add; an error names the entry, e.g. "security.ip.login.allow[2]: ...".
Status SetIpList(SecurityValues& v, const json& j, const std::string& key, net::IpList& (*pick)(net::IpAreas&)) {
  if (!j.is_array()) return Invalid(key, "must be a list of addresses and CIDR ranges");
  std::vector<std::string> entries;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) return Invalid(key + "[" + std::to_string(i) + "]", "must be a string");
    entries.push_back(j[i].get<std::string>());
  }
  auto list = MakeIpList(entries, key);
  if (!list) return list.error();
  auto next = std::make_shared<net::IpAreas>(*v.ip);  // copy on write: readers keep their snapshot
  pick(*next) = std::move(*list);
  v.ip = std::move(next);
  return {};
}

#define IP_SETTING(KEY, LIST)                                                              \
  Spec {                                                                                  \
    KEY, true, [](const SecurityValues& v) -> json { return v.ip->LIST.Entries(); },      \
        [](SecurityValues& v, const json& j, const std::string& k) {                      \
          return SetIpList(v, j, k, [](net::IpAreas& a) -> net::IpList& { return a.LIST; }); \
        }                                                                                 \
  }
#define IP_AREA(NAME) IP_SETTING("security.ip." #NAME ".allow", NAME.allow), IP_SETTING("security.ip." #NAME ".block", NAME.block)

#define INT_SETTING(KEY, FIELD, UNIT)                                                     \
  Spec {                                                                                  \
    KEY, true, [](const SecurityValues& v) -> json { return v.FIELD / (UNIT); },          \
        [](SecurityValues& v, const json& j, const std::string& k) { return SetInt(v.FIELD, j, k, UNIT); } \
  }
#define BOOL_SETTING(KEY, FIELD, CHANGEABLE)                                               \
  Spec {                                                                                  \
    KEY, CHANGEABLE, [](const SecurityValues& v) -> json { return v.FIELD; },             \
        [](SecurityValues& v, const json& j, const std::string& k) { return SetBool(v.FIELD, j, k); } \
  }

const Spec kSpecs[] = {
    Spec{"security.password_min_length", true, [](const SecurityValues& v) -> json { return v.policy.min_length; },
         [](SecurityValues& v, const json& j, const std::string& k) { return SetInt(v.policy.min_length, j, k); }},
    BOOL_SETTING("security.password_allow_shorter_than_12", password_allow_short, false),
    BOOL_SETTING("security.password_require_upper", policy.require_upper, true),
    BOOL_SETTING("security.password_require_lower", policy.require_lower, true),
    BOOL_SETTING("security.password_require_digit", policy.require_digit, true),
    BOOL_SETTING("security.password_require_symbol", policy.require_symbol, true),
    Spec{"security.lockout_failures", true, [](const SecurityValues& v) -> json { return v.lockout.account_failures; },
         [](SecurityValues& v, const json& j, const std::string& k) { return SetInt(v.lockout.account_failures, j, k); }},
    Spec{"security.lockout_address_failures", true,
         [](const SecurityValues& v) -> json { return v.lockout.address_failures; },
         [](SecurityValues& v, const json& j, const std::string& k) { return SetInt(v.lockout.address_failures, j, k); }},
    INT_SETTING("security.lockout_window_minutes", lockout.window_s, 60),
    INT_SETTING("security.lockout_minutes", lockout.lock_s, 60),
    Spec{"security.two_factor", true, [](const SecurityValues& v) -> json { return TwoFactorName(v.two_factor); },
         [](SecurityValues& v, const json& j, const std::string& k) -> Status {
           const std::string s = j.is_string() ? j.get<std::string>() : "";
           if (s == "off") v.two_factor = TwoFactorPolicy::kOff;
           else if (s == "administrators") v.two_factor = TwoFactorPolicy::kAdministrators;
           else if (s == "everyone") v.two_factor = TwoFactorPolicy::kEveryone;
           else return Invalid(k, "must be off, administrators or everyone");
           return {};
         }},
    INT_SETTING("security.web_session_idle_minutes", web_idle_timeout_s, 60),
    INT_SETTING("security.web_session_max_hours", web_absolute_timeout_s, 3600),
    INT_SETTING("security.sessions.host_idle_seconds", host_idle_s, 1),
    INT_SETTING("security.sessions.max_length_seconds", max_session_s, 1),
    INT_SETTING("security.sessions.support_expiry_seconds", support_expiry_s, 1),
    INT_SETTING("security.consent.prompt_timeout_seconds", consent_prompt_timeout_s, 1),
    INT_SETTING("security.consent.grant_lifetime_seconds", consent_grant_lifetime_s, 1),
    IP_SETTING("security.ip.trusted_proxies", trusted_proxies),
    IP_AREA(login), IP_AREA(host), IP_AREA(admin), IP_AREA(api), IP_AREA(relay),
};

#undef IP_AREA
#undef IP_SETTING
#undef INT_SETTING
#undef BOOL_SETTING

const Spec* Find(const std::string& key) {
  for (const auto& s : kSpecs) {
    if (key == s.key) return &s;
  }
  return nullptr;
}

Status Range(const char* key, int64_t v, int64_t lo, int64_t hi, const std::string& message) {
  if (v < lo || v > hi) return Invalid(key, message);
  return {};
}

}  // namespace

Result<net::IpList> MakeIpList(const std::vector<std::string>& entries, const std::string& key) {
  if (entries.size() > kMaxIpListEntries) {
    return Invalid(key, "at most " + std::to_string(kMaxIpListEntries) + " entries");
  }
  net::IpList list;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (auto st = list.Add(entries[i]); !st) return Invalid(key + "[" + std::to_string(i) + "]", st.error().message);
  }
  return list;
}

Status CheckSecurityValues(const SecurityValues& v) {
  // Weaker than 12 only on the file's explicit, separate override; never below 8.
  const int floor = v.password_allow_short ? 8 : PasswordPolicy::kSafeMinLength;
  if (v.policy.min_length < floor) {
    return Invalid("security.password_min_length", v.password_allow_short ? "must be at least 8" : "must be at least 12");
  }
  if (v.policy.min_length > 256) return Invalid("security.password_min_length", "must be at most 256");
  const auto& l = v.lockout;
  if (auto st = Range("security.lockout_failures", l.account_failures, 1, 1000, "must be from 1 to 1000"); !st) return st;
  if (auto st = Range("security.lockout_address_failures", l.address_failures, 1, 100000, "must be from 1 to 100000");
      !st) {
    return st;
  }
  if (auto st = Range("security.lockout_window_minutes", l.window_s, 60, 86400, "must be from 1 to 1440"); !st) return st;
  if (auto st = Range("security.lockout_minutes", l.lock_s, 60, 86400, "must be from 1 to 1440"); !st) return st;
  if (v.web_idle_timeout_s < 60) return Invalid("security.web_session_idle_minutes", "must be at least 1");
  if (v.web_idle_timeout_s > 7 * 24 * 3600) {
    return Invalid("security.web_session_idle_minutes", "must be at most 10080 (7 days)");
  }
  if (v.web_absolute_timeout_s < 3600) return Invalid("security.web_session_max_hours", "must be at least 1");
  if (v.web_absolute_timeout_s > 30 * 24 * 3600) {
    return Invalid("security.web_session_max_hours", "must be at most 720 (30 days)");
  }
  if (v.web_absolute_timeout_s < v.web_idle_timeout_s) {
    return Invalid("security.web_session_max_hours", "must not be shorter than the idle timeout");
  }
  constexpr int64_t kYear = 366 * 24 * 3600;
  const std::string year = "must be at most 31622400 (a year); 0 turns the limit off";
  if (auto st = Range("security.sessions.host_idle_seconds", v.host_idle_s, 0, kYear, year); !st) return st;
  if (auto st = Range("security.sessions.max_length_seconds", v.max_session_s, 0, kYear, year); !st) return st;
  if (auto st = Range("security.sessions.support_expiry_seconds", v.support_expiry_s, 0, kYear, year); !st) return st;
  if (auto st = Range("security.consent.prompt_timeout_seconds", v.consent_prompt_timeout_s, 1, 3600,
                      "must be from 1 to 3600");
      !st) {
    return st;
  }
  return Range("security.consent.grant_lifetime_seconds", v.consent_grant_lifetime_s, 0, kYear,
               "must be from 0 (the whole connection) to 31622400 (a year)");
}

SecurityValues SecuritySettings::Get() const {
  std::lock_guard lock(mu_);
  return values_;
}

std::shared_ptr<const net::IpAreas> SecuritySettings::Ip() const {
  std::lock_guard lock(mu_);
  return values_.ip;
}

Result<SecurityValues> SecuritySettings::Merge(const json& overrides) const {
  SecurityValues v = file_;
  for (const auto& [key, value] : overrides.items()) {
    const Spec* spec = Find(key);
    if (!spec) return Invalid(key, "is not a security setting");
    if (!spec->changeable) return Invalid(key, "is set in the configuration file only");
    if (auto st = spec->set(v, value, key); !st) return st.error();
  }
  if (auto st = CheckSecurityValues(v); !st) return st.error();
  return v;
}

std::vector<std::string> SecuritySettings::Load(const std::string& stored) {
  std::vector<std::string> dropped;
  json all = json::parse(stored, nullptr, false);
  if (!all.is_object()) return dropped;
  std::lock_guard lock(mu_);
  json kept = json::object();
  // One at a time, so one bad value does not take the good ones with it.
  for (const auto& [key, value] : all.items()) {
    json trial = kept;
    trial[key] = value;
    if (Merge(trial)) kept = std::move(trial);
    else dropped.push_back(key);
  }
  overrides_ = kept;
  values_ = *Merge(kept);
  return dropped;
}

Result<std::vector<SettingChange>> SecuritySettings::Change(const json& changes, const Acceptor& accept) {
  if (!changes.is_object() || changes.empty()) return Error{"validation", "settings: name at least one setting"};
  std::lock_guard lock(mu_);
  json next = overrides_;
  for (const auto& [key, value] : changes.items()) {
    if (!Find(key)) return Invalid(key, "is not a security setting");
    if (value.is_null()) next.erase(key);
    else next[key] = value;
  }
  auto merged = Merge(next);
  if (!merged) return merged.error();
  if (accept) {
    if (auto st = accept(*merged); !st) return st.error();
  }
  std::vector<SettingChange> out;
  for (const auto& [key, value] : changes.items()) {
    const Spec* spec = Find(key);
    const json before = spec->get(values_), after = spec->get(*merged);
    if (before != after) out.push_back({key, before.dump(), after.dump()});
  }
  overrides_ = std::move(next);
  values_ = *merged;
  return out;
}

std::string SecuritySettings::Stored() const {
  std::lock_guard lock(mu_);
  return overrides_.dump();
}

json SecuritySettings::Describe() const {
  const SecurityValues defaults{};
  std::lock_guard lock(mu_);
  json out = json::array();
  for (const auto& s : kSpecs) {
    const json value = s.get(values_), file = s.get(file_), def = s.get(defaults);
    const char* source = overrides_.contains(s.key) ? "page" : (file != def ? "file" : "default");
    out.push_back({{"key", s.key}, {"value", value}, {"file", file}, {"default", def},
                   {"source", source}, {"changeable", s.changeable}});
  }
  return out;
}

}  // namespace tether::manager
