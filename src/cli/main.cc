// tether: the administrator's command. Talks to tetherd's Session Manager through its local
// socket. Exit status: 0 success, 1 refused or failed, 2 usage error, 3 tetherd not running.
#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>

#include "cli/local_client.h"
#include "cli/role_commands.h"

namespace {

using nlohmann::json;
constexpr int kExitFailed = 1, kExitUsage = 2, kExitNotRunning = 3;

std::string SocketPath(const std::string& socket, const std::string& data_dir) {
  if (!socket.empty()) return socket;
  if (!data_dir.empty()) return data_dir + "/manager.sock";
  if (const char* env = std::getenv("TETHER_DATA_DIR"); env && *env) return std::string(env) + "/manager.sock";
  return "/var/lib/tether/manager.sock";
}

// Reads a password: one line from stdin with --password-stdin, else prompted twice on a TTY.
bool ReadPassword(bool from_stdin, std::string& out) {
  if (from_stdin) {
    if (!std::getline(std::cin, out)) return false;
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return true;
  }
  if (!::isatty(STDIN_FILENO)) {
    std::cerr << "tether: no terminal to ask for the password; use --password-stdin\n";
    return false;
  }
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  std::string again;
  std::cerr << "Password: ";
  ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::getline(std::cin, out);
  std::cerr << "\nRepeat password: ";
  std::getline(std::cin, again);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  if (out != again) {
    std::cerr << "tether: the passwords differ\n";
    return false;
  }
  return true;
}

std::string Time(int64_t unix) {
  if (unix == 0) return "-";
  std::time_t t = static_cast<std::time_t>(unix);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", std::gmtime(&t));
  return buf;
}

// Writes `content` to a new or truncated file readable by its owner only; says why not on stderr.
bool WritePrivateFile(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  bool ok = fd >= 0 && ::fchmod(fd, 0600) == 0;
  for (size_t done = 0; ok && done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  if (fd >= 0 && ::close(fd) != 0) ok = false;
  if (!ok) std::cerr << "tether: cannot write " << path << ": " << std::strerror(errno) << "\n";
  return ok;
}

void PrintHuman(const std::string& op, const json& r) {
  if (tether::cli::PrintRoleResult(op, r)) return;
  if (op == "status") {
    std::cout << "tetherd is running\n"
              << "users: " << r["users"] << "\nopen sessions: " << r["open_sessions"]
              << "\nschema version: " << r["schema_version"]
              << "\nsetup required: " << (r["setup_required"].get<bool>() ? "yes" : "no") << "\n";
  } else if (op == "user.list") {
    std::printf("%-24s %-14s %-9s %s\n", "USER", "ROLE", "STATE", "CREATED (UTC)");
    for (const auto& u : r["users"]) {
      std::printf("%-24s %-14s %-9s %s\n", u["username"].get<std::string>().c_str(),
                  u["role"].get<std::string>().c_str(), u["disabled"].get<bool>() ? "disabled" : "enabled",
                  Time(u["created_at"].get<int64_t>()).c_str());
    }
  } else if (op == "session.list") {
    std::printf("%-24s %-8s %-10s %-16s %-16s %s\n", "ID", "TYPE", "CODE", "CREATED (UTC)", "ENDED", "NAME");
    for (const auto& s : r["sessions"]) {
      std::printf("%-24s %-8s %-10s %-16s %-16s %s\n", s["id"].get<std::string>().c_str(),
                  s["type"].get<std::string>().c_str(), s["code"].get<std::string>().c_str(),
                  Time(s["created_at"].get<int64_t>()).c_str(), Time(s["ended_at"].get<int64_t>()).c_str(),
                  s["name"].get<std::string>().c_str());
    }
  } else if (op == "settings.show" || op == "settings.set") {
    std::printf("%-45s %-16s %-8s %s\n", "SETTING", "VALUE", "FROM", "DEFAULT");
    for (const auto& s : r["settings"]) {
      // A list (security.ip.*) as its entries, comma-separated; "-" when empty.
      auto text = [](const json& v) -> std::string {
        if (v.is_string()) return v.get<std::string>();
        if (!v.is_array()) return v.dump();
        std::string out;
        for (const auto& e : v) out += (out.empty() ? "" : ",") + (e.is_string() ? e.get<std::string>() : e.dump());
        return out.empty() ? "-" : out;
      };
      std::printf("%-45s %-16s %-8s %s\n", s["key"].get<std::string>().c_str(), text(s["value"]).c_str(),
                  s["source"].get<std::string>().c_str(), text(s["default"]).c_str());
    }
  } else if (op == "session.create") {
    const auto& s = r["session"];
    std::cout << "created " << s["type"].get<std::string>() << " session " << s["id"].get<std::string>();
    if (!s["code"].get<std::string>().empty()) std::cout << " with code " << s["code"].get<std::string>();
    std::cout << "\n";
  } else if (op == "access.installer.list") {
    std::printf("%-24s %-16s %-16s %-24s %s\n", "ID", "CREATED (UTC)", "USED", "SESSION", "NAME");
    for (const auto& a : r["installers"]) {
      std::printf("%-24s %-16s %-16s %-24s %s\n", a["id"].get<std::string>().c_str(),
                  Time(a["created_at"].get<int64_t>()).c_str(), Time(a["used_at"].get<int64_t>()).c_str(),
                  a["session_id"].get<std::string>().c_str(), a["name"].get<std::string>().c_str());
    }
  } else if (op == "token.create") {
    // The only time the secret is shown: stdout carries it alone, for scripts.
    std::cerr << "token " << r["token"]["id"].get<std::string>() << " created; the secret below is shown only once\n";
    std::cout << r["secret"].get<std::string>() << "\n";
  } else if (op == "token.list") {
    std::printf("%-16s %-16s %-20s %-16s %-16s %-16s %s\n", "ID", "USER", "NAME", "EXPIRES (UTC)", "LAST USED",
                "FROM", "SCOPE");
    for (const auto& t : r["tokens"]) {
      std::string scope;
      for (const auto& p : t["scope"]) scope += (scope.empty() ? "" : ",") + p.get<std::string>();
      std::printf("%-16s %-16s %-20s %-16s %-16s %-16s %s\n", t["id"].get<std::string>().c_str(),
                  t["user"].get<std::string>().c_str(), t["name"].get<std::string>().c_str(),
                  Time(t["expires_at"].get<int64_t>()).c_str(), Time(t["last_used_at"].get<int64_t>()).c_str(),
                  t["last_used_from"].get<std::string>().c_str(), scope.c_str());
    }
  } else if (r.contains("user")) {
    std::cout << "user " << r["user"]["username"].get<std::string>() << " (" << r["user"]["role"].get<std::string>()
              << ") created\n";
  } else {
    std::cout << "done\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tether — administer a Tether server through its local socket"};
  app.require_subcommand(1);
  std::string data_dir, socket;
  bool as_json = false;
  app.add_option("--data-dir", data_dir, "tetherd's data directory (finds manager.sock; env TETHER_DATA_DIR)");
  app.add_option("--socket", socket, "path of manager.sock")->excludes("--data-dir");
  app.add_flag("--json", as_json, "print the result as JSON");

  std::string op;
  json args = json::object();
  bool need_password = false, password_stdin = false;
  std::string username, role = "Host", type, name, code, id;
  bool all = false;

  auto* status = app.add_subcommand("status", "show whether tetherd runs, and counts");
  status->callback([&] { op = "status"; });

  auto* setup = app.add_subcommand("setup", "create the first administrator (only while none exists)");
  setup->add_option("--username", username, "administrator's user name")->required();
  setup->add_flag("--password-stdin", password_stdin, "read the password from standard input");
  setup->callback([&] { op = "setup"; args = {{"username", username}}; need_password = true; });

  auto* user = app.add_subcommand("user", "manage users");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "add a user");
  user_add->add_option("name", username, "user name")->required();
  user_add->add_option("--role", role, "role name, e.g. Administrator or Host (default Host)");
  user_add->add_flag("--password-stdin", password_stdin, "read the password from standard input");
  user_add->callback([&] { op = "user.add"; args = {{"username", username}, {"role", role}}; need_password = true; });
  user->add_subcommand("list", "list users")->callback([&] { op = "user.list"; });
  for (auto [verb, help] : {std::pair{"disable", "disable a user (ends their sessions and connections)"},
                            {"enable", "enable a disabled user"},
                            {"revoke", "end a user's web sessions, tokens and live connections now"},
                            {"delete", "delete a user (ends their sessions and connections)"}}) {
    auto* sc = user->add_subcommand(verb, help);
    sc->add_option("name", username, "user name")->required();
    sc->callback([&, v = verb] { op = std::string("user.") + v; args = {{"username", username}}; });
  }
  bool permanent = false;
  auto* passwd = user->add_subcommand(
      "passwd", "set a user's password (ends their web sessions; they must change it at next login)");
  passwd->add_option("name", username, "user name")->required();
  passwd->add_flag("--password-stdin", password_stdin, "read the password from standard input");
  passwd->add_flag("--permanent", permanent, "the user need not change this password at next login");
  passwd->callback([&] {
    op = "user.passwd";
    args = {{"username", username}, {"require_change", !permanent}};
    need_password = true;
  });

  auto* unlock = user->add_subcommand("unlock", "lift the lock after too many failed logins");
  unlock->add_option("name", username, "user name")->required();
  unlock->callback([&] { op = "user.unlock"; args = {{"username", username}}; });
  std::string address;
  auto* unlock_addr = app.add_subcommand("unlock-address", "lift the lock on a source address after too many failed logins");
  unlock_addr->add_option("address", address, "IP address")->required();
  unlock_addr->callback([&] { op = "address.unlock"; args = {{"address", address}}; });
  auto* reset2fa = user->add_subcommand("reset-2fa", "turn off a user's two-factor authentication (lost device)");
  reset2fa->add_option("name", username, "user name")->required();
  reset2fa->callback([&] { op = "user.reset_two_factor"; args = {{"username", username}}; });

  tether::cli::AddRoleCommands(app, *user, op, args);

  auto* session = app.add_subcommand("session", "manage sessions");
  session->require_subcommand(1);
  auto* s_create = session->add_subcommand("create", "create a session");
  s_create->add_option("--type", type, "support, meeting or access")->required();
  s_create->add_option("--name", name, "session name")->required();
  s_create->add_option("--code", code, "join code (support and meeting sessions; generated when omitted)");
  s_create->callback([&] {
    op = "session.create";
    args = {{"type", type}, {"name", name}};
    if (!code.empty()) args["code"] = code;
  });
  auto* s_list = session->add_subcommand("list", "list open sessions");
  s_list->add_option("--type", type, "support, meeting or access");
  s_list->add_flag("--all", all, "include ended sessions");
  s_list->callback([&] {
    op = "session.list";
    args = {{"all", all}};
    if (!type.empty()) args["type"] = type;
  });
  auto* s_end = session->add_subcommand("end", "end a session");
  s_end->add_option("id", id, "session id")->required();
  s_end->callback([&] { op = "session.end"; args = {{"id", id}}; });

  auto* access = app.add_subcommand("access", "unattended access agents");
  access->require_subcommand(1);
  auto* installer = access->add_subcommand("installer", "installer configurations for access agents");
  installer->require_subcommand(1);
  std::string company, site, department, tag, relay, out_file;
  int expires_hours = 0;
  auto* i_create = installer->add_subcommand("create", "build a signed installer configuration and write it to a file");
  i_create->add_option("--name", name, "the access session's name (the machine)")->required();
  i_create->add_option("--company", company, "custom property Company");
  i_create->add_option("--site", site, "custom property Site");
  i_create->add_option("--department", department, "custom property Department");
  i_create->add_option("--tag", tag, "custom property Tag");
  i_create->add_option("--expires-hours", expires_hours, "hours until the install token expires (default 168)");
  i_create->add_option("--relay", relay, "relay HOST:PORT the agent connects to (default relay.public_address)");
  i_create->add_option("--out", out_file, "where to write the configuration (created 0600)")->required();
  i_create->callback([&] {
    json props = json::object();
    for (const auto& [key, value] : {std::pair<const char*, std::string*>{"company", &company}, {"site", &site},
                                     {"department", &department}, {"tag", &tag}}) {
      if (!value->empty()) props[key] = *value;
    }
    op = "access.installer.create";
    args = {{"name", name}, {"properties", props}};
    if (expires_hours != 0) args["expires_in_hours"] = expires_hours;
    if (!relay.empty()) args["relay"] = relay;
  });
  installer->add_subcommand("list", "list the installers built so far, newest first")->callback([&] {
    op = "access.installer.list";
  });

  auto* token = app.add_subcommand("token", "manage API tokens (Authorization: Bearer)");
  token->require_subcommand(1);
  std::string scope;
  int expires_days = 0;
  auto* t_create = token->add_subcommand("create", "make an API token for a user; prints its secret once");
  t_create->add_option("--user", username, "the token's owner")->required();
  t_create->add_option("--name", name, "what the token is for")->required();
  t_create->add_option("--scope", scope, "permission names, comma-separated (e.g. ViewSessionGroup,EndSession)")
      ->required();
  t_create->add_option("--expires-days", expires_days, "days until it expires")->required();
  t_create->callback([&] {
    json perms = json::array();
    for (size_t start = 0; start <= scope.size();) {
      size_t comma = std::min(scope.find(',', start), scope.size());
      if (comma > start) perms.push_back(scope.substr(start, comma - start));
      start = comma + 1;
    }
    op = "token.create";
    args = {{"username", username}, {"name", name}, {"scope", perms}, {"expires_days", expires_days}};
  });
  auto* t_list = token->add_subcommand("list", "list API tokens (every user's, or one user's)");
  t_list->add_option("--user", username, "only this user's tokens");
  t_list->callback([&] {
    op = "token.list";
    if (!username.empty()) args = {{"username", username}};
  });
  auto* t_revoke = token->add_subcommand("revoke", "end an API token now");
  t_revoke->add_option("id", id, "token id (from token list)")->required();
  t_revoke->callback([&] { op = "token.revoke"; args = {{"id", id}}; });
  auto* settings = app.add_subcommand("settings", "the security settings in force (docs/security.md)");
  settings->require_subcommand(1);
  settings->add_subcommand("show", "every setting: value, where it came from, default")->callback([&] { op = "settings.show"; });
  std::string key, value;
  auto* set = settings->add_subcommand("set", "change a setting at runtime, over the configuration file");
  set->add_option("key", key, "setting, e.g. security.lockout_failures")->required();
  set->add_option("value", value, "new value (a number, true/false or a word)")->required();
  set->callback([&] { op = "settings.set"; args = {{"key", key}, {"value", value}}; });
  auto* reset = settings->add_subcommand("reset", "go back to the configuration file's value");
  reset->add_option("key", key, "setting")->required();
  reset->callback([&] { op = "settings.set"; args = {{"key", key}, {"value", nullptr}}; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }

  if (need_password) {
    std::string password;
    if (!ReadPassword(password_stdin, password)) return kExitUsage;
    args["password"] = password;
  }
  tether::cli::LocalClient client(SocketPath(socket, data_dir));
  if (auto st = client.Connect(); !st) {
    std::cerr << "tether: " << st.error().message << "\n";
    return st.error().code == "not_running" ? kExitNotRunning : kExitFailed;
  }
  auto resp = client.Call(op, args);
  if (!resp) {
    std::cerr << "tether: " << resp.error().message << "\n";
    return kExitFailed;
  }
  if (!resp->value("ok", false)) {
    std::cerr << "tether: " << resp->value("message", "refused") << " (" << resp->value("error", "error") << ")\n";
    return kExitFailed;
  }
  if (op == "access.installer.create") {
    json& result = (*resp)["result"];
    if (!WritePrivateFile(out_file, result["file"].get<std::string>())) return kExitFailed;
    result.erase("file");  // holds the install token: only in the file
    if (!as_json) {
      std::cout << "installer " << result["installer"]["id"].get<std::string>() << " written to " << out_file
                << "; on the machine: sudo tether-agent install --config " << out_file << "\n";
      return 0;
    }
  }
  if (as_json) {
    std::cout << (*resp)["result"].dump(2) << "\n";
  } else {
    PrintHuman(op, (*resp)["result"]);
  }
  return 0;
}
