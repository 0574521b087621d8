#include "server/manager/json_views.h"

namespace tether::manager {

using json = nlohmann::json;

nlohmann::json UserJson(const User& u) {
  return {{"id", u.id}, {"username", u.username}, {"role", u.role},
          {"disabled", u.disabled}, {"created_at", u.created_at},
          {"must_change_password", u.must_change_password}, {"two_factor_enabled", u.totp_enabled}};
}

nlohmann::json ApiTokenJson(const ApiToken& t) {
  return {{"id", t.id},           {"user", t.username},           {"name", t.name},
          {"hint", t.hint},       {"scope", t.scope},             {"created_at", t.created_at},
          {"expires_at", t.expires_at}, {"last_used_at", t.last_used_at},
          {"last_used_from", t.last_used_from}};
}

nlohmann::json SessionJson(const Session& s) {
  nlohmann::json props = nlohmann::json::object();
  for (const auto& [k, v] : s.properties) props[k] = v;
  return {{"id", s.id}, {"type", SessionTypeName(s.type)}, {"name", s.name},
          {"code", s.code}, {"created_by", s.created_by}, {"created_at", s.created_at},
          {"ended_at", s.ended_at}, {"properties", props}, {"guest", GuestJson(s.guest)}};
}

nlohmann::json GuestJson(const GuestInfo& g) {
  return {{"machine", g.machine}, {"os", g.os}, {"user", g.user}, {"address", g.address},
          {"agent_version", g.agent_version}, {"online", g.online}, {"last_seen", g.last_seen}};
}

nlohmann::json EventJson(const SessionEvent& e) {
  return {{"id", e.id}, {"kind", e.kind}, {"actor", e.actor}, {"detail", e.detail}, {"at", e.at}};
}

nlohmann::json GroupJson(const SessionGroup& g) {
  return {{"id", g.id}, {"name", g.name}, {"filter", g.filter}, {"subgroup_by", g.subgroup_by},
          {"session_type", g.session_type}, {"position", g.position}, {"created_by", g.created_by},
          {"created_at", g.created_at}, {"updated_at", g.updated_at}};
}

nlohmann::json AccessInstallerJson(const AccessInstaller& a) {
  nlohmann::json props = nlohmann::json::object();
  for (const auto& [k, v] : a.properties) props[k] = v;
  return {{"id", a.id},           {"name", a.name},           {"properties", props},
          {"created_by", a.created_by}, {"created_at", a.created_at}, {"expires_at", a.expires_at},
          {"used_at", a.used_at}, {"session_id", a.session_id}};
}

json RoleJson(const Role& r) {
  json entries = json::array();
  for (const auto& e : r.entries) {
    entries.push_back({{"permission", PermissionName(e.permission)}, {"effect", EffectName(e.effect)},
                       {"group_id", e.group_id == 0 ? json(nullptr) : json(e.group_id)}});
  }
  return {{"id", r.id}, {"name", r.name}, {"description", r.description}, {"entries", entries},
          {"created_at", r.created_at}, {"updated_at", r.updated_at}};
}

Result<std::vector<RoleEntry>> RoleEntriesFromJson(const json& entries) {
  if (!entries.is_array()) return MakeError("validation", "entries must be an array");
  if (entries.size() > kMaxRoleEntries) return MakeError("validation", "a role has at most 200 entries");
  std::vector<RoleEntry> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    const std::string where = "entries[" + std::to_string(i) + "]: ";
    if (!e.is_object()) return MakeError("validation", where + "must be an object");
    auto p = e.contains("permission") && e["permission"].is_string()
                 ? ParsePermission(e["permission"].get<std::string>()) : std::nullopt;
    if (!p) return MakeError("validation", where + "permission must be a permission name");
    auto effect = e.contains("effect") && e["effect"].is_string()
                      ? ParseEffect(e["effect"].get<std::string>()) : std::nullopt;
    if (!effect) return MakeError("validation", where + "effect must be allow or deny");
    int64_t group = 0;
    if (auto g = e.find("group_id"); g != e.end() && !g->is_null()) {
      if (!g->is_number_integer() || g->get<int64_t>() <= 0) {
        return MakeError("validation", where + "group_id must be null (global) or a session group's id");
      }
      group = g->get<int64_t>();
    }
    out.push_back({*p, *effect, group});
  }
  return out;
}

}  // namespace tether::manager
