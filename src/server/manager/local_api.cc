#include "server/manager/local_api.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "server/manager/json_views.h"

namespace tether::manager {
namespace {

using nlohmann::json;

json Fail(const std::string& code, const std::string& message) {
  return json{{"ok", false}, {"error", code}, {"message", message}};
}
json Fail(const Error& e) { return Fail(e.code, e.message); }
json Ok(json result = json::object()) { return json{{"ok", true}, {"result", std::move(result)}}; }

// Reads a required string argument, or reports which one is missing.
bool Arg(const json& args, const char* name, std::string& out, json& error) {
  auto it = args.find(name);
  if (it == args.end() || !it->is_string()) {
    error = Fail("validation", std::string("missing string argument '") + name + "'");
    return false;
  }
  out = it->get<std::string>();
  return true;
}

std::string OptArg(const json& args, const char* name) {
  auto it = args.find(name);
  return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// token.create / token.list / token.revoke.
json DispatchTokens(SessionManager& m, const std::string& op, const json& args, const Actor& actor) {
  json err;
  if (op == "token.create") {
    ApiTokenRequest request;
    std::string user;
    if (!Arg(args, "username", user, err) || !Arg(args, "name", request.name, err)) return err;
    auto scope = args.find("scope");
    auto days = args.find("expires_days");
    if (scope == args.end() || !scope->is_array() || scope->size() > 64) {
      return Fail("validation", "'scope' must be a list of permission names");
    }
    for (const auto& p : *scope) {
      if (!p.is_string()) return Fail("validation", "'scope' must be a list of permission names");
      request.scope.push_back(p.get<std::string>());
    }
    if (days == args.end() || !days->is_number_integer()) return Fail("validation", "missing integer 'expires_days'");
    request.lifetime_s = std::clamp<int64_t>(days->get<int64_t>(), -1, 100000) * 86400;
    auto r = m.Tokens().Create(user, request, actor);
    if (!r) return Fail(r.error());
    return Ok({{"token", ApiTokenJson(r->token)}, {"secret", r->secret}});
  }
  if (op == "token.list") {
    auto r = m.Tokens().List(OptArg(args, "username"), actor);
    if (!r) return Fail(r.error());
    json tokens = json::array();
    for (const auto& t : *r) tokens.push_back(ApiTokenJson(t));
    return Ok({{"tokens", tokens}});
  }
  std::string id;
  if (!Arg(args, "id", id, err)) return err;
  auto st = m.Tokens().Revoke(id, actor);
  return st ? Ok() : Fail(st.error());
}

// access.installer.create / access.installer.list: the same path as the Access tab's REST calls.
json DispatchInstallers(AccessAgents* access, const std::string& default_relay, const std::string& op,
                        const json& args, const Actor& actor) {
  if (!access) return Fail("unavailable", "access installers are not available");
  if (op == "access.installer.list") {
    auto list = access->ListInstallers(actor);
    if (!list) return Fail(list.error());
    json out = json::array();
    for (const auto& a : *list) out.push_back(AccessInstallerJson(a));
    return Ok({{"installers", out}});
  }
  if (op != "access.installer.create") return Fail("validation", "unknown operation '" + op.substr(0, 64) + "'");
  json err;
  InstallerRequest request;
  if (!Arg(args, "name", request.name, err)) return err;
  if (auto it = args.find("properties"); it != args.end()) {
    if (!it->is_object()) return Fail("validation", "'properties' must be an object of strings");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return Fail("validation", "'properties' must be an object of strings");
      request.properties[k] = v.get<std::string>();
    }
  }
  if (auto it = args.find("expires_in_hours"); it != args.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 24 * 90) {
      return Fail("validation", "expires_in_hours must be from 1 to 2160 (90 days)");
    }
    request.lifetime_s = it->get<int64_t>() * 60 * 60;
  }
  std::string relay = OptArg(args, "relay");
  if (relay.empty()) relay = default_relay;
  if (relay.empty()) {
    return Fail("validation", "no relay address: set relay.public_address or pass the relay's HOST:PORT");
  }
  auto file = access->BuildInstaller(request, relay, actor);
  if (!file) return Fail(file.error());
  return Ok({{"installer", AccessInstallerJson(file->installer)}, {"filename", file->filename}, {"file", file->body}});
}

// The group named by `arg` (a name, ignoring case, or an id); 0 for "" (global).
Result<int64_t> GroupArg(SessionManager& m, const std::string& arg, const Actor& actor) {
  if (arg.empty()) return int64_t{0};
  auto groups = m.Catalog().ListGroups(std::nullopt, actor);
  if (!groups) return groups.error();
  for (const auto& g : *groups) {
    if (AsciiLower(g.name) == AsciiLower(arg) || std::to_string(g.id) == arg) return g.id;
  }
  return MakeError("not_found", "no session group '" + arg + "'");
}

// role.grant, role.deny and role.revoke: one entry added to (or removed from) a role by name.
json ChangeEntry(SessionManager& m, const std::string& op, const json& args, const Actor& actor) {
  json err;
  std::string role_name, perm_name;
  if (!Arg(args, "role", role_name, err) || !Arg(args, "permission", perm_name, err)) return err;
  auto role = m.Roles().FindByName(role_name, actor);
  if (!role) return Fail(role.error());
  auto perm = ParsePermission(perm_name);
  if (!perm) return Fail("validation", "unknown permission '" + perm_name.substr(0, 64) + "'");
  auto group = GroupArg(m, OptArg(args, "group"), actor);
  if (!group) return Fail(group.error());
  std::vector<RoleEntry> entries = role->entries;
  std::erase_if(entries, [&](const RoleEntry& e) { return e.permission == *perm && e.group_id == *group; });
  if (op != "role.revoke") {
    entries.push_back({*perm, op == "role.grant" ? Effect::kAllow : Effect::kDeny, *group});
  } else if (entries.size() == role->entries.size()) {
    return Fail("not_found", "the role has no such entry");
  }
  RoleSpec spec;
  spec.entries = entries;
  auto r = m.Roles().Update(role->id, spec, actor);
  return r ? Ok({{"role", RoleJson(*r)}}) : Fail(r.error());
}

json DispatchRoles(SessionManager& m, const std::string& op, const json& args, const Actor& actor) {
  json err;
  if (op == "role.list") {
    auto roles = m.Roles().List(actor);
    if (!roles) return Fail(roles.error());
    json out = json::array();
    for (const auto& r : *roles) out.push_back(RoleJson(r));
    return Ok({{"roles", out}});
  }
  if (op == "role.create") {
    RoleSpec spec;
    std::string name;
    if (!Arg(args, "name", name, err)) return err;
    spec.name = name;
    spec.description = OptArg(args, "description");
    auto r = m.Roles().Create(spec, actor);
    return r ? Ok({{"role", RoleJson(*r)}}) : Fail(r.error());
  }
  if (op == "role.grant" || op == "role.deny" || op == "role.revoke") return ChangeEntry(m, op, args, actor);
  std::string name;
  if (!Arg(args, "role", name, err)) return err;
  auto role = m.Roles().FindByName(name, actor);
  if (!role) return Fail(role.error());
  if (op == "role.show") return Ok({{"role", RoleJson(*role)}});
  if (op == "role.delete") {
    auto st = m.Roles().Delete(role->id, actor);
    return st ? Ok() : Fail(st.error());
  }
  return Fail("validation", "unknown operation '" + op.substr(0, 64) + "'");
}

json Dispatch(SessionManager& m, const std::string& op, const json& args, const Actor& actor) {
  json err;
  if (op == "token.create" || op == "token.list" || op == "token.revoke") return DispatchTokens(m, op, args, actor);
  if (op == "status") {
    auto s = m.Stats();
    return Ok({{"users", s.users}, {"open_sessions", s.open_sessions},
               {"schema_version", s.schema_version}, {"setup_required", s.setup_required}});
  }
  if (op == "setup") {
    std::string user, pass;
    if (!Arg(args, "username", user, err) || !Arg(args, "password", pass, err)) return err;
    auto r = m.CreateFirstAdministrator(user, pass, actor);
    return r ? Ok({{"user", UserJson(*r)}}) : Fail(r.error());
  }
  if (op == "user.add") {
    std::string user, role, pass;
    if (!Arg(args, "username", user, err) || !Arg(args, "role", role, err) ||
        !Arg(args, "password", pass, err)) {
      return err;
    }
    auto r = m.AddUser(user, role, pass, actor);
    return r ? Ok({{"user", UserJson(*r)}}) : Fail(r.error());
  }
  if (op == "user.list") {
    json users = json::array();
    for (const auto& u : m.ListUsers()) users.push_back(UserJson(u));
    return Ok({{"users", users}});
  }
  if (op == "user.disable" || op == "user.enable") {
    std::string user;
    if (!Arg(args, "username", user, err)) return err;
    auto st = m.SetUserDisabled(user, op == "user.disable", actor);
    return st ? Ok() : Fail(st.error());
  }
  if (op == "user.revoke" || op == "user.delete") {
    std::string user;
    if (!Arg(args, "username", user, err)) return err;
    auto st = op == "user.revoke" ? m.RevokeUser(user, actor) : m.DeleteUser(user, actor);
    return st ? Ok() : Fail(st.error());
  }
  if (op == "user.passwd") {
    std::string user, pass;
    if (!Arg(args, "username", user, err) || !Arg(args, "password", pass, err)) return err;
    // An administrator's reset is temporary unless the operator says otherwise.
    bool require_change = true;
    if (auto it = args.find("require_change"); it != args.end() && it->is_boolean()) {
      require_change = it->get<bool>();
    }
    auto st = m.SetPassword(user, pass, actor, require_change);
    return st ? Ok() : Fail(st.error());
  }
  if (op == "user.unlock") {
    std::string user;
    if (!Arg(args, "username", user, err)) return err;
    auto st = m.UnlockAccount(user, actor);
    return st ? Ok() : Fail(st.error());
  }
  if (op == "address.unlock") {
    std::string address;
    if (!Arg(args, "address", address, err)) return err;
    m.UnlockAddress(address, actor);
    return Ok();
  }
  if (op == "user.reset_two_factor") {
    std::string user;
    if (!Arg(args, "username", user, err)) return err;
    auto st = m.ResetTwoFactor(user, actor);
    return st ? Ok() : Fail(st.error());
  }
  if (op == "settings.show") return Ok({{"settings", m.Security().Describe()}});
  if (op == "settings.set") {
    std::string key;
    if (!Arg(args, "key", key, err)) return err;
    // The value as typed: JSON when it reads as JSON (600, true), else a word (everyone).
    json value = nullptr;
    if (auto it = args.find("value"); it != args.end() && it->is_string()) {
      value = json::parse(it->get<std::string>(), nullptr, false);
      if (value.is_discarded()) value = it->get<std::string>();
    }
    auto r = m.ChangeSecuritySettings(json{{key, value}}, actor);
    return r ? Ok({{"settings", m.Security().Describe()}}) : Fail(r.error());
  }
  if (op == "user.set-role") {
    std::string user, role;
    if (!Arg(args, "username", user, err) || !Arg(args, "role", role, err)) return err;
    auto st = m.SetUserRole(user, role, actor);
    return st ? Ok() : Fail(st.error());
  }
  if (op.rfind("role.", 0) == 0) return DispatchRoles(m, op, args, actor);
  if (op == "session.create") {
    std::string type, name;
    if (!Arg(args, "type", type, err) || !Arg(args, "name", name, err)) return err;
    auto t = ParseSessionType(type);
    if (!t) return Fail("validation", "type must be support, meeting or access");
    auto r = m.CreateSession(*t, name, OptArg(args, "code"), actor);
    return r ? Ok({{"session", SessionJson(*r)}}) : Fail(r.error());
  }
  if (op == "session.list") {
    SessionQuery q;
    std::string type = OptArg(args, "type");
    if (!type.empty()) {
      q.type = ParseSessionType(type);
      if (!q.type) return Fail("validation", "type must be support, meeting or access");
    }
    if (auto it = args.find("all"); it != args.end() && it->is_boolean()) q.include_ended = it->get<bool>();
    if (auto it = args.find("limit"); it != args.end() && it->is_number_integer()) {
      q.limit = static_cast<int>(std::clamp<int64_t>(it->get<int64_t>(), 1, 1000));
    }
    json sessions = json::array();
    for (const auto& s : m.ListSessions(q)) sessions.push_back(SessionJson(s));
    return Ok({{"sessions", sessions}});
  }
  if (op == "session.end") {
    std::string id;
    if (!Arg(args, "id", id, err)) return err;
    auto st = m.EndSession(id, actor);
    return st ? Ok() : Fail(st.error());
  }
  return Fail("validation", "unknown operation '" + op.substr(0, 64) + "'");
}

}  // namespace

std::string LocalApi::Handle(std::string_view request_line, const LocalPeer& peer) {
  json response;
  if (request_line.size() > kMaxRequestBytes) {
    response = Fail("too_large", "request larger than 64 KiB");
  } else {
    json request = json::parse(request_line, nullptr, /*allow_exceptions=*/false);
    if (!request.is_object() || !request.contains("op") || !request["op"].is_string()) {
      response = Fail("validation", "request must be a JSON object with a string 'op'");
    } else {
      json args = request.value("args", json::object());
      if (!args.is_object()) {
        response = Fail("validation", "'args' must be an object");
      } else {
        // The socket is reachable only by the server's operator: full rights.
        Actor actor{"local-admin", "local:uid=" + std::to_string(peer.uid), kRoleAdministrator};
        const std::string op = request["op"].get<std::string>();
        response = op.starts_with("access.installer.")
                       ? DispatchInstallers(access_, relay_address_, op, args, actor)
                       : Dispatch(manager_, op, args, actor);
      }
    }
  }
  return response.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace tether::manager
