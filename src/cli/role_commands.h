#pragma once
// The `tether role ...` and `tether user set-role` commands: their CLI11 options and how their
// results print. Each command fills the local API operation and its arguments; main() sends them.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace tether::cli {

// Adds `role list|show|create|delete|grant|deny|revoke` to `app` and `set-role` to `user`.
// `op` and `args` are written when a command is chosen; they must outlive parsing.
void AddRoleCommands(CLI::App& app, CLI::App& user, std::string& op, nlohmann::json& args);

// Prints a role.* result for people; false when `op` is not a role operation.
bool PrintRoleResult(const std::string& op, const nlohmann::json& result);

}  // namespace tether::cli
