#pragma once
// tetherd's configuration: built-in safe defaults, then the TOML file (--config), then
// command-line flags. Every error names the setting it is about. See docs/operations.md.
#include <spdlog/common.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "net/ip_access.h"
#include "server/manager/guest_join.h"
#include "server/manager/session_lifetime.h"
#include "server/manager/session_manager.h"

namespace tether::app {

struct Config {
  std::filesystem::path config_file;
  std::filesystem::path data_dir = "/var/lib/tether";
  // [web]
  std::string web_listen = "0.0.0.0:8040";
  std::string public_url;  // e.g. "https://support.example.com:8040"; shown in links
  std::filesystem::path cert_file, key_file;
  std::filesystem::path ui_dir;
  bool hsts = true;
  bool metrics_public = false;
  size_t max_body_bytes = 1024 * 1024;
  int request_timeout_seconds = 30;  // reading one request's body; writing its answer
  int idle_timeout_seconds = 60;     // waiting for, and reading, a request's headers
  // [relay]
  std::string relay_listen = "0.0.0.0:8041";
  // HOST:PORT written into signed agent configurations; default: the host the guest reached
  // the web server at (web.public_url, else the request's Host) with the relay's port.
  std::string relay_public_address;
  // [guest]
  manager::GuestJoinOptions guest;
  // [store]
  std::string store_kind = "sqlite";
  std::filesystem::path store_path;  // default <data_dir>/tether.db
  // [security], [security.sessions], [security.consent], [security.ip]: in manager.security
  // (the file's values; the administration page's changes go over them at runtime).
  manager::ManagerOptions manager;
  // [log]
  LogFormat log_format = LogFormat::kText;
  spdlog::level::level_enum log_level = spdlog::level::info;
  // [server]
  int blocking_threads = 4;
  bool demo = false;
};

// Result of parsing: a config to run with, or an exit (help/version printed, or an error).
struct ParsedArgs {
  Config config;
  bool exit_now = false;
  int exit_code = 0;
};

// Parses argv and the configuration file. On error, the message starts with the setting name,
// e.g. "web.listen: 'x' is not HOST:PORT".
Result<ParsedArgs> ParseConfig(int argc, char** argv);

// Applies a TOML document (text) over `config`. Exposed for tests.
Status ApplyToml(const std::string& toml_text, const std::string& source_name, Config& config);

// Checks cross-setting rules and fills derived defaults (store path, UI dir).
Status Finalize(Config& config);

}  // namespace tether::app
