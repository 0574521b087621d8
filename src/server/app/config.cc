#include "server/app/config.h"

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "net/asio_util.h"

#ifndef TETHER_UI_DIR
#define TETHER_UI_DIR "/usr/share/tether/ui"
#endif

namespace tether::app {
namespace {

Error SettingError(const std::string& setting, const std::string& message) {
  return MakeError("config", setting + ": " + message);
}

Result<spdlog::level::level_enum> ParseLevel(const std::string& s) {
  for (auto [name, level] : {std::pair{"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
                             {"info", spdlog::level::info}, {"warn", spdlog::level::warn},
                             {"error", spdlog::level::err}, {"off", spdlog::level::off}}) {
    if (s == name) return level;
  }
  return MakeError("config", "'" + s + "' is not one of trace, debug, info, warn, error, off");
}

Result<LogFormat> ParseFormat(const std::string& s) {
  if (s == "text") return LogFormat::kText;
  if (s == "json") return LogFormat::kJson;
  return MakeError("config", "'" + s + "' is not text or json");
}

// Reads typed values out of a TOML table, remembering which keys were used so unknown keys
// (usually typos) are reported instead of silently ignored.
class TableReader {
 public:
  TableReader(const toml::table& root, std::string section) : section_(std::move(section)) {
    if (auto* t = section_.empty() ? &root : root[section_].as_table()) table_ = t;
  }
  // A sub-table, e.g. [security.sessions]: `parent` must have Allow()ed it.
  TableReader(const TableReader& parent, const std::string& key) : section_(parent.Name(key)) {
    if (parent.table_) table_ = (*parent.table_)[key].as_table();
  }
  // A key read by another reader (a sub-table).
  void Allow(const std::string& key) { used_.push_back(key); }
  std::string Name(const std::string& key) const { return section_.empty() ? key : section_ + "." + key; }

  template <class T>
  Status Get(const std::string& key, T& out) {
    used_.push_back(key);
    if (!table_) return {};
    const toml::node* node = table_->get(key);
    if (!node) return {};
    if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      const toml::array* list = node->as_array();
      if (!list) return SettingError(Name(key), "must be a list of strings");
      out.clear();
      for (const auto& item : *list) {
        if (!item.is_string()) return SettingError(Name(key), "must be a list of strings");
        out.push_back(item.as_string()->get());
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!node->is_boolean()) return SettingError(Name(key), "must be true or false");
      out = node->as_boolean()->get();
    } else if constexpr (std::is_integral_v<T>) {
      if (!node->is_integer()) return SettingError(Name(key), "must be a whole number");
      int64_t v = node->as_integer()->get();
      // Compared unsigned: a 64-bit unsigned maximum cast to int64_t would be -1.
      if (v < 0 || static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
        return SettingError(Name(key), "out of range");
      }
      out = static_cast<T>(v);
    } else {
      if (!node->is_string()) return SettingError(Name(key), "must be a string");
      out = T(node->as_string()->get());
    }
    return {};
  }

  Status CheckUnknown() const {
    if (!table_) return {};
    for (const auto& [k, v] : *table_) {
      std::string key(k.str());
      if (v.is_table() && section_.empty()) continue;  // sections are checked by their reader
      if (std::find(used_.begin(), used_.end(), key) == used_.end()) {
        return SettingError(Name(key), "unknown setting");
      }
    }
    return {};
  }

 private:
  std::string section_;
  const toml::table* table_ = nullptr;
  std::vector<std::string> used_;
};

#define TRY(expr)                    \
  do {                               \
    if (auto _st = (expr); !_st) return _st; \
  } while (0)

// Reads a list of addresses and CIDR ranges; an error names the entry, e.g.
// "security.ip.login.allow[2]: '10.0.0.0/33': the prefix length must be 0 to 32".
Status GetIpList(TableReader& r, const std::string& key, net::IpList& out) {
  std::vector<std::string> entries;
  TRY(r.Get(key, entries));
  auto list = manager::MakeIpList(entries, r.Name(key));
  if (!list) return MakeError("config", list.error().message);
  out = std::move(*list);
  return {};
}

// [security.ip]: trusted_proxies, and [security.ip.AREA] allow / block for each area.
Status ApplyIpAreas(TableReader& security, net::IpAreas& ip) {
  security.Allow("ip");
  TableReader r(security, "ip");
  TRY(GetIpList(r, "trusted_proxies", ip.trusted_proxies));
  for (auto [name, rule] : {std::pair{"login", &ip.login}, {"host", &ip.host}, {"admin", &ip.admin},
                            {"api", &ip.api}, {"relay", &ip.relay}}) {
    r.Allow(name);
    TableReader area(r, name);
    TRY(GetIpList(area, "allow", rule->allow));
    TRY(GetIpList(area, "block", rule->block));
    TRY(area.CheckUnknown());
  }
  return r.CheckUnknown();
}

}  // namespace

Status ApplyToml(const std::string& text, const std::string& source_name, Config& c) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return MakeError("config", source_name + ":" + std::to_string(e.source().begin.line) + ":" +
                                   std::to_string(e.source().begin.column) + ": " +
                                   std::string(e.description()));
  }
  for (const auto& [k, v] : root) {
    std::string key(k.str());
    static const char* kSections[] = {"server", "web", "relay", "store", "security", "guest", "log"};
    if (!v.is_table() || std::find(std::begin(kSections), std::end(kSections), key) == std::end(kSections)) {
      return SettingError(key, "unknown section (expected server, web, relay, store, security, guest, log)");
    }
  }
  {
    TableReader r(root, "server");
    std::string data_dir;
    TRY(r.Get("data_dir", data_dir));
    if (!data_dir.empty()) c.data_dir = data_dir;
    TRY(r.Get("blocking_threads", c.blocking_threads));
    TRY(r.CheckUnknown());
  }
  {
    TableReader r(root, "web");
    std::string cert, key, ui;
    TRY(r.Get("listen", c.web_listen));
    TRY(r.Get("public_url", c.public_url));
    TRY(r.Get("cert", cert));
    TRY(r.Get("key", key));
    TRY(r.Get("ui_dir", ui));
    TRY(r.Get("hsts", c.hsts));
    TRY(r.Get("metrics_public", c.metrics_public));
    TRY(r.Get("max_body_bytes", c.max_body_bytes));
    TRY(r.Get("request_timeout_seconds", c.request_timeout_seconds));
    TRY(r.Get("idle_timeout_seconds", c.idle_timeout_seconds));
    if (!cert.empty()) c.cert_file = cert;
    if (!key.empty()) c.key_file = key;
    if (!ui.empty()) c.ui_dir = ui;
    TRY(r.CheckUnknown());
  }
  {
    TableReader r(root, "relay");
    TRY(r.Get("listen", c.relay_listen));
    TRY(r.Get("public_address", c.relay_public_address));
    TRY(r.CheckUnknown());
  }
  {
    TableReader r(root, "store");
    std::string path;
    TRY(r.Get("kind", c.store_kind));
    TRY(r.Get("path", path));
    if (!path.empty()) c.store_path = path;
    TRY(r.CheckUnknown());
  }
  {
    // Read here in the file's units; checked in Finalize by the validator the administration
    // page uses too (manager::CheckSecurityValues).
    TableReader r(root, "security");
    auto& sec = c.manager.security;
    auto& p = sec.policy;
    TRY(r.Get("password_min_length", p.min_length));
    TRY(r.Get("password_allow_shorter_than_12", sec.password_allow_short));
    TRY(r.Get("password_require_upper", p.require_upper));
    TRY(r.Get("password_require_lower", p.require_lower));
    TRY(r.Get("password_require_digit", p.require_digit));
    TRY(r.Get("password_require_symbol", p.require_symbol));
    auto& l = sec.lockout;
    int64_t window_min = l.window_s / 60, lock_min = l.lock_s / 60;
    int64_t idle_min = sec.web_idle_timeout_s / 60, max_hours = sec.web_absolute_timeout_s / 3600;
    TRY(r.Get("lockout_failures", l.account_failures));
    TRY(r.Get("lockout_address_failures", l.address_failures));
    TRY(r.Get("lockout_window_minutes", window_min));
    TRY(r.Get("lockout_minutes", lock_min));
    TRY(r.Get("web_session_idle_minutes", idle_min));
    TRY(r.Get("web_session_max_hours", max_hours));
    // Bounded before the conversion, so that it cannot overflow; the validator has the ranges.
    constexpr int64_t kBig = int64_t{1} << 32;
    l.window_s = std::clamp<int64_t>(window_min, -1, kBig) * 60;
    l.lock_s = std::clamp<int64_t>(lock_min, -1, kBig) * 60;
    sec.web_idle_timeout_s = std::clamp<int64_t>(idle_min, -1, kBig) * 60;
    sec.web_absolute_timeout_s = std::clamp<int64_t>(max_hours, -1, kBig) * 3600;
    std::string two_factor;
    TRY(r.Get("two_factor", two_factor));
    if (two_factor == "off") sec.two_factor = manager::TwoFactorPolicy::kOff;
    else if (two_factor == "administrators") sec.two_factor = manager::TwoFactorPolicy::kAdministrators;
    else if (two_factor == "everyone") sec.two_factor = manager::TwoFactorPolicy::kEveryone;
    else if (!two_factor.empty()) return SettingError("security.two_factor", "must be off, administrators or everyone");
    auto& tokens = c.manager.tokens;
    int64_t token_max_days = tokens.max_lifetime_s / 86400;
    TRY(r.Get("api_token_max_days", token_max_days));
    TRY(r.Get("api_token_min_seconds", tokens.min_lifetime_s));
    if (token_max_days < 1 || token_max_days > 3650) return SettingError("security.api_token_max_days", "must be from 1 to 3650");
    tokens.max_lifetime_s = token_max_days * 86400;
    if (tokens.min_lifetime_s < 1 || tokens.min_lifetime_s > tokens.max_lifetime_s) {
      return SettingError("security.api_token_min_seconds", "must be from 1 to api_token_max_days");
    }
    r.Allow("sessions");
    r.Allow("consent");
    net::IpAreas ip;
    TRY(ApplyIpAreas(r, ip));
    sec.ip = std::make_shared<const net::IpAreas>(std::move(ip));
    TRY(r.CheckUnknown());
    TableReader s(r, "sessions");
    TRY(s.Get("host_idle_seconds", sec.host_idle_s));
    TRY(s.Get("max_length_seconds", sec.max_session_s));
    TRY(s.Get("support_expiry_seconds", sec.support_expiry_s));
    TRY(s.CheckUnknown());
    TableReader cs(r, "consent");
    TRY(cs.Get("prompt_timeout_seconds", sec.consent_prompt_timeout_s));
    TRY(cs.Get("grant_lifetime_seconds", sec.consent_grant_lifetime_s));
    TRY(cs.CheckUnknown());
  }
  {
    // Agent configurations from the guest page. The signing key is a file in the data
    // directory, never a setting: a "signing_key" here is refused like any unknown setting.
    TableReader r(root, "guest");
    int64_t minutes = c.guest.token_lifetime_s / 60;
    TRY(r.Get("join_token_minutes", minutes));
    TRY(r.CheckUnknown());
    if (minutes < 1 || minutes > 1440) return SettingError("guest.join_token_minutes", "must be from 1 to 1440");
    c.guest.token_lifetime_s = minutes * 60;
  }
  {
    TableReader r(root, "log");
    std::string format, level;
    TRY(r.Get("format", format));
    TRY(r.Get("level", level));
    TRY(r.CheckUnknown());
    if (!format.empty()) {
      auto f = ParseFormat(format);
      if (!f) return SettingError("log.format", f.error().message);
      c.log_format = *f;
    }
    if (!level.empty()) {
      auto l = ParseLevel(level);
      if (!l) return SettingError("log.level", l.error().message);
      c.log_level = *l;
    }
  }
  return {};
}

Status Finalize(Config& c) {
  if (c.data_dir.empty()) return SettingError("server.data_dir", "must not be empty");
  if (auto a = net::ParseListenAddress(c.web_listen); !a) return SettingError("web.listen", a.error().message);
  if (auto a = net::ParseListenAddress(c.relay_listen); !a) return SettingError("relay.listen", a.error().message);
  if (!c.public_url.empty()) {
    if (c.public_url.rfind("https://", 0) != 0) return SettingError("web.public_url", "must start with https://");
    while (c.public_url.size() > 8 && c.public_url.back() == '/') c.public_url.pop_back();
    const std::string rest = c.public_url.substr(8);
    if (rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos) {
      return SettingError("web.public_url", "must be https://HOST[:PORT] without a path");
    }
  }
  if (!c.relay_public_address.empty()) {
    auto a = net::ParseListenAddress(c.relay_public_address);
    if (!a || a->port == 0 || a->host.empty() || a->host == "0.0.0.0" || a->host == "::") {
      return SettingError("relay.public_address", "must be HOST:PORT that agents can reach, e.g. support.example.com:8041");
    }
  }
  if (c.cert_file.empty() != c.key_file.empty()) {
    return SettingError(c.cert_file.empty() ? "web.cert" : "web.key", "web.cert and web.key go together");
  }
  if (c.store_kind != "sqlite") {
    return SettingError("store.kind", "'" + c.store_kind + "' is not supported yet (sqlite)");
  }
  // The same validator as the administration page's: the error names the setting.
  if (auto st = manager::CheckSecurityValues(c.manager.security); !st) return MakeError("config", st.error().message);
  if (c.blocking_threads < 1 || c.blocking_threads > 64) {
    return SettingError("server.blocking_threads", "must be from 1 to 64");
  }
  if (c.max_body_bytes < 1024 || c.max_body_bytes > 64u * 1024 * 1024) {
    return SettingError("web.max_body_bytes", "must be from 1024 to 67108864");
  }
  if (c.request_timeout_seconds < 1 || c.request_timeout_seconds > 300) {
    return SettingError("web.request_timeout_seconds", "must be from 1 to 300");
  }
  if (c.idle_timeout_seconds < 1 || c.idle_timeout_seconds > 3600) {
    return SettingError("web.idle_timeout_seconds", "must be from 1 to 3600");
  }
  if (c.store_path.empty()) c.store_path = c.data_dir / "tether.db";
  if (c.ui_dir.empty()) c.ui_dir = TETHER_UI_DIR;
  return {};
}

Result<ParsedArgs> ParseConfig(int argc, char** argv) {
  ParsedArgs out;
  CLI::App cli{"tetherd — the Tether remote support server (Session Manager, Relay, Web Server)"};
  std::string config_file, data_dir, web_listen, relay_listen, public_url, log_format, log_level;
  bool version = false;
  cli.add_option("--config", config_file, "TOML configuration file");
  cli.add_option("--data-dir", data_dir, "data directory (database, keys, manager.sock)");
  cli.add_option("--web-listen", web_listen, "web server address, HOST:PORT (default 0.0.0.0:8040)");
  cli.add_option("--relay-listen", relay_listen, "relay address, HOST:PORT (default 0.0.0.0:8041)");
  cli.add_option("--public-url", public_url, "URL users reach the web server at");
  cli.add_option("--log-format", log_format, "text or json");
  cli.add_option("--log-level", log_level, "trace, debug, info, warn, error, off");
  cli.add_flag("--demo", out.config.demo, "also start a demonstration desktop and agent");
  cli.add_flag("--version", version, "print the version and exit");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    out.exit_now = true;
    out.exit_code = cli.exit(e);
    if (out.exit_code != 0) out.exit_code = 2;
    return out;
  }
  if (version) {
    std::cout << "tetherd " << TETHER_VERSION << "\n";
    out.exit_now = true;
    return out;
  }
  Config& c = out.config;
  if (!config_file.empty()) {
    c.config_file = config_file;
    std::ifstream in(config_file);
    if (!in) return SettingError("--config", "cannot read " + config_file);
    std::stringstream ss;
    ss << in.rdbuf();
    if (auto st = ApplyToml(ss.str(), config_file, c); !st) return st.error();
  }
  if (!data_dir.empty()) c.data_dir = data_dir;
  if (!web_listen.empty()) c.web_listen = web_listen;
  if (!relay_listen.empty()) c.relay_listen = relay_listen;
  if (!public_url.empty()) c.public_url = public_url;
  if (!log_format.empty()) {
    auto f = ParseFormat(log_format);
    if (!f) return SettingError("--log-format", f.error().message);
    c.log_format = *f;
  }
  if (!log_level.empty()) {
    auto l = ParseLevel(log_level);
    if (!l) return SettingError("--log-level", l.error().message);
    c.log_level = *l;
  }
  if (auto st = Finalize(c); !st) return st.error();
  return out;
}

}  // namespace tether::app
