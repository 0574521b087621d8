#include "cli/role_commands.h"

#include <cstdio>
#include <iostream>
#include <memory>

namespace tether::cli {
namespace {

using nlohmann::json;

// The options of the commands, kept alive for CLI11 (it stores pointers to them).
struct RoleOptions {
  std::string role, name, description, permission, group, username;
};

void PrintRole(const json& r) {
  std::cout << r["name"].get<std::string>() << " (id " << r["id"] << ")";
  if (!r["description"].get<std::string>().empty()) std::cout << ": " << r["description"].get<std::string>();
  std::cout << "\n";
  for (const auto& e : r["entries"]) {
    std::printf("  %-6s %-28s %s\n", e["effect"].get<std::string>().c_str(),
                e["permission"].get<std::string>().c_str(),
                e["group_id"].is_null() ? "all sessions" : ("group " + e["group_id"].dump()).c_str());
  }
}

}  // namespace

void AddRoleCommands(CLI::App& app, CLI::App& user, std::string& op, json& args) {
  static auto o = std::make_shared<RoleOptions>();
  auto* set_role = user.add_subcommand("set-role", "give a user another role (ends their web sessions and connections)");
  set_role->add_option("name", o->username, "user name")->required();
  set_role->add_option("role", o->role, "role name")->required();
  set_role->callback([&] { op = "user.set-role"; args = {{"username", o->username}, {"role", o->role}}; });

  auto* role = app.add_subcommand("role", "manage roles and their permissions");
  role->require_subcommand(1);
  role->add_subcommand("list", "list roles and their entries")->callback([&] { op = "role.list"; });
  auto* show = role->add_subcommand("show", "show a role's entries");
  show->add_option("role", o->role, "role name")->required();
  show->callback([&] { op = "role.show"; args = {{"role", o->role}}; });
  auto* create = role->add_subcommand("create", "create a role with no permissions");
  create->add_option("name", o->name, "role name")->required();
  create->add_option("--description", o->description, "what the role is for");
  create->callback([&] { op = "role.create"; args = {{"name", o->name}, {"description", o->description}}; });
  auto* del = role->add_subcommand("delete", "delete a role no user holds");
  del->add_option("role", o->role, "role name")->required();
  del->callback([&] { op = "role.delete"; args = {{"role", o->role}}; });
  for (auto [verb, help] : {std::pair{"grant", "allow a permission (globally or for one session group)"},
                            {"deny", "deny a permission (Deny wins over Allow)"},
                            {"revoke", "remove the role's entry for a permission and scope"}}) {
    auto* sc = role->add_subcommand(verb, help);
    sc->add_option("role", o->role, "role name")->required();
    sc->add_option("permission", o->permission, "permission name, e.g. JoinSession")->required();
    sc->add_option("--group", o->group, "session group name or id (default: all sessions)");
    sc->callback([&, v = verb] {
      op = std::string("role.") + v;
      args = {{"role", o->role}, {"permission", o->permission}, {"group", o->group}};
    });
  }
}

bool PrintRoleResult(const std::string& op, const json& r) {
  if (op == "role.list") {
    for (const auto& role : r["roles"]) PrintRole(role);
    return true;
  }
  if (r.contains("role") && op.rfind("role.", 0) == 0) {
    PrintRole(r["role"]);
    return true;
  }
  return false;
}

}  // namespace tether::cli
