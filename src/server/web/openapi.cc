#include "server/web/openapi.h"

#include <nlohmann/json.hpp>

namespace tether::web {
namespace {

using nlohmann::json;

json ErrorRef() { return {{"$ref", "#/components/schemas/Error"}}; }

json Responses(std::initializer_list<std::pair<const char*, json>> ok) {
  json r = json::object();
  for (const auto& [code, schema] : ok) {
    r[code] = {{"description", "success"}};
    if (!schema.is_null()) r[code]["content"] = {{"application/json", {{"schema", schema}}}};
  }
  for (const char* code : {"400", "401", "403", "404", "413"}) {
    r[code] = {{"description", "error"}, {"content", {{"application/json", {{"schema", ErrorRef()}}}}}};
  }
  return r;
}

json Body(json schema) {
  return {{"required", true}, {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

// The guest page's API: no login.
void AddGuestPaths(json& doc) {
  json str = {{"type", "string"}};
  json integer = {{"type", "integer"}};
  json error = {{"description", "error"}, {"content", {{"application/json", {{"schema", ErrorRef()}}}}}};
  json config = {{"type", "object"},
                 {"required", {"format", "payload", "signature", "key"}},
                 {"properties", {{"format", {{"const", "tether-agent-config/1"}}},
                                 {"payload", {{"type", "string"}, {"contentEncoding", "base64"}}},
                                 {"signature", {{"type", "string"}, {"contentEncoding", "base64"}}},
                                 {"key", {{"type", "string"}, {"contentEncoding", "base64"}}}}}};
  doc["components"]["schemas"]["AgentConfiguration"] = config;
  doc["paths"]["/guest/join"] = {
      {"post",
       {{"summary", "A session code in, the signed agent configuration out (a download). No login. Unknown "
                    "and ended codes get the same 404; wrong codes are limited per address (429 with "
                    "Retry-After)."},
        {"security", json::array({json::object()})},
        {"requestBody", Body({{"type", "object"}, {"required", {"code"}}, {"properties", {{"code", str}}}})},
        {"responses",
         {{"200", {{"description", "the configuration file (Content-Disposition: attachment; "
                                   "filename=\"tether-<session id>.tether\")"},
                   {"content", {{"application/vnd.tether.agent-config+json",
                                 {{"schema", {{"$ref", "#/components/schemas/AgentConfiguration"}}}}}}}}},
          {"400", error}, {"404", error}, {"413", error},
          {"429", {{"description", "too many wrong codes from this address"},
                   {"headers", {{"Retry-After", {{"schema", integer}}}}},
                   {"content", {{"application/json", {{"schema", ErrorRef()}}}}}}}}}}}};
  doc["paths"]["/guest/signing-key"] = {
      {"get",
       {{"summary", "The Ed25519 public key agent configurations are signed with (deploy it to agents)"},
        {"security", json::array({json::object()})},
        {"responses",
         {{"200", {{"description", "success"},
                   {"content", {{"application/json",
                                 {{"schema", {{"type", "object"},
                                              {"properties", {{"algorithm", {{"const", "ed25519"}}},
                                                              {"public_key", str},
                                                              {"format", str}}}}}}}}}}}}}}}};
}

// Access (unattended) agents: installers (docs/access.md).
void AddAccessPaths(json& doc) {
  json str = {{"type", "string"}};
  json integer = {{"type", "integer"}};
  json csrf = json::array({{{"cookie", json::array()}, {"csrf", json::array()}}});
  json props = {{"type", "object"},
                {"properties", {{"company", str}, {"site", str}, {"department", str}, {"tag", str}}},
                {"additionalProperties", false}};
  json installer = {{"type", "object"},
                    {"properties", {{"id", str}, {"name", str}, {"properties", props}, {"created_by", str},
                                    {"created_at", integer}, {"expires_at", integer}, {"used_at", integer},
                                    {"session_id", str}}}};
  json responses = Responses({});
  responses["201"] = {{"description", "the installer (Content-Disposition: attachment; "
                                      "filename=\"tether-access-<id>.tether\"; X-Tether-Installer: <id>)"},
                      {"content", {{"application/vnd.tether.agent-config+json",
                                    {{"schema", {{"$ref", "#/components/schemas/AgentConfiguration"}}}}}}}};
  doc["paths"]["/access/installers"] = {
      {"post",
       {{"summary", "Build an access agent installer: a signed configuration (kind access-install) with a "
                    "single-use install token and the custom properties of the access session it creates. "
                    "Needs BuildAccessInstaller (administrators)."},
        {"security", csrf},
        {"requestBody",
         Body({{"type", "object"},
               {"required", {"name"}},
               {"properties", {{"name", str},
                               {"properties", props},
                               {"expires_in_hours", {{"type", "integer"}, {"minimum", 1}, {"maximum", 2160}}}}},
               {"additionalProperties", false}})},
        {"responses", responses}}},
      {"get",
       {{"summary", "The installers built so far, newest first (never their tokens). Needs BuildAccessInstaller."},
        {"security", json::array({{{"cookie", json::array()}}})},
        {"responses", Responses({{"200", {{"type", "object"},
                                          {"properties", {{"installers", {{"type", "array"}, {"items", installer}}}}}}}})}}}};
}

json Build() {
  json str = {{"type", "string"}};
  json integer = {{"type", "integer"}};
  json user = {{"$ref", "#/components/schemas/User"}};
  json session = {{"$ref", "#/components/schemas/Session"}};
  json id_param = json::array({{{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", str}}});
  json csrf = json::array({{{"cookie", json::array()}, {"csrf", json::array()}}});
  json cookie = json::array({{{"cookie", json::array()}}});
  json open = json::array({json::object()});  // no login: stated, so that no operation is unclear

  json doc = {
      {"openapi", "3.1.0"},
      {"info", {{"title", "Tether REST API"}, {"version", "1"},
                {"description", "Errors are {\"error\": code, \"message\": text}. State-changing "
                                "requests with a session cookie need the X-CSRF-Token header; requests with "
                                "Authorization: Bearer <API token> need none and are never cookie-authenticated."}}},
      {"servers", json::array({{{"url", "/api/v1"}}})},
      {"components",
       {{"securitySchemes",
         {{"cookie", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "__Host-tether_session"}}},
          {"csrf", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-CSRF-Token"}}}}},
        {"schemas",
         {{"Error", {{"type", "object"}, {"required", {"error", "message"}},
                     {"properties", {{"error", str}, {"message", str}}}}},
          {"SecuritySetting", {{"type", "object"},
                               {"properties", {{"key", str}, {"value", json::object()}, {"file", json::object()},
                                               {"default", json::object()},
                                               {"source", {{"enum", {"default", "file", "page"}}}},
                                               {"changeable", {{"type", "boolean"}}}}}}},
          {"User", {{"type", "object"},
                    {"properties", {{"id", integer}, {"username", str}, {"role", str},
                                    {"disabled", {{"type", "boolean"}}}, {"created_at", integer},
                                    {"must_change_password", {{"type", "boolean"}}},
                                    {"two_factor_enabled", {{"type", "boolean"}}},
                                    {"two_factor_required", {{"type", "boolean"}}},
                                    {"administer", {{"type", "boolean"}}},
                                    {"permissions", {{"type", "array"}, {"items", str}}}}}}},
          {"Session", {{"type", "object"},
                       {"properties", {{"id", str}, {"type", {{"enum", {"support", "meeting", "access"}}}},
                                       {"name", str}, {"code", str}, {"created_by", str},
                                       {"created_at", integer}, {"ended_at", integer},
                                       {"properties", {{"type", "object"}}}}}}},
          {"Event", {{"type", "object"},
                     {"properties", {{"id", integer}, {"kind", str}, {"actor", str},
                                     {"detail", str}, {"at", integer}}}}}}}}},
      {"paths",
       {{"/setup",
         {{"post", {{"summary", "Create the first administrator (exists only until one exists)"}, {"security", open},
                    {"requestBody", Body({{"type", "object"},
                                          {"properties", {{"token", str}, {"username", str}, {"password", str}}}})},
                    {"responses", Responses({{"201", {{"type", "object"}, {"properties", {{"user", user}}}}}})}}}}},
        {"/auth/login",
         {{"post", {{"summary", "Log in; sets the session cookie"}, {"security", open},
                    {"requestBody", Body({{"type", "object"},
                                          {"properties", {{"username", str}, {"password", str}, {"otp", str}}}})},
                    {"responses", Responses({{"200", {{"type", "object"},
                                                      {"properties", {{"user", user}, {"csrf_token", str}}}}}})}}}}},
        {"/auth/logout",
         {{"post", {{"summary", "End the web session"}, {"security", csrf},
                    {"responses", Responses({{"204", nullptr}})}}}}},
        {"/auth/password",
         {{"post", {{"summary", "Change the logged-in user's password; ends their sessions and opens a new one"},
                    {"security", csrf},
                    {"requestBody", Body({{"type", "object"},
                                          {"properties", {{"current_password", str}, {"new_password", str}}}})},
                    {"responses", Responses({{"200", {{"type", "object"},
                                                      {"properties", {{"user", user}, {"csrf_token", str}}}}}})}}}}},
        {"/auth/totp/enrol",
         {{"post", {{"summary", "Start two-factor enrolment: the secret (shown once), otpauth URI and QR code (SVG)"},
                    {"security", csrf},
                    {"responses", Responses({{"200", {{"type", "object"},
                                                      {"properties", {{"secret", str}, {"uri", str}, {"qr_svg", str}}}}}})}}}}},
        {"/auth/totp/confirm",
         {{"post", {{"summary", "Turn two-factor authentication on with a first code; answers the recovery codes once and a new session"},
                    {"security", csrf},
                    {"requestBody", Body({{"type", "object"}, {"properties", {{"code", str}}}})},
                    {"responses", Responses({{"200", {{"type", "object"},
                                                      {"properties", {{"recovery_codes", {{"type", "array"}, {"items", str}}},
                                                                      {"csrf_token", str}}}}}})}}}}},
        {"/auth/totp/disable",
         {{"post", {{"summary", "Turn two-factor authentication off (needs the password)"}, {"security", csrf},
                    {"requestBody", Body({{"type", "object"}, {"properties", {{"password", str}}}})},
                    {"responses", Responses({{"204", nullptr}})}}}}},
        {"/users/{name}/unlock",
         {{"post", {{"summary", "Lift the lock after failed logins (Administrator)"}, {"security", csrf},
                    {"parameters", json::array({{{"name", "name"}, {"in", "path"}, {"required", true}, {"schema", str}}})},
                    {"responses", Responses({{"204", nullptr}})}}}}},
        {"/me",
         {{"get", {{"summary", "The logged-in user and the CSRF token"}, {"security", cookie},
                   {"responses", Responses({{"200", {{"type", "object"},
                                                     {"properties", {{"user", user}, {"csrf_token", str}}}}}})}}}}},
        {"/sessions",
         {{"get", {{"summary", "List sessions"}, {"security", cookie},
                   {"parameters", json::array({{{"name", "type"}, {"in", "query"}, {"schema", str}},
                                               {{"name", "ended"}, {"in", "query"}, {"schema", str}},
                                               {{"name", "limit"}, {"in", "query"}, {"schema", integer}}})},
                   {"responses", Responses({{"200", {{"type", "object"},
                                                     {"properties", {{"sessions", {{"type", "array"}, {"items", session}}}}}}}})}}},
          {"post", {{"summary", "Create a session (support sessions get a code unless one is given)"},
                    {"security", csrf},
                    {"requestBody", Body({{"type", "object"},
                                          {"properties", {{"type", str}, {"name", str}, {"code", str}}}})},
                    {"responses", Responses({{"201", {{"type", "object"}, {"properties", {{"session", session}}}}}})}}}}},
        {"/sessions/{id}",
         {{"get", {{"summary", "One session"}, {"security", cookie}, {"parameters", id_param},
                   {"responses", Responses({{"200", {{"type", "object"}, {"properties", {{"session", session}}}}}})}}}}},
        {"/sessions/{id}/end",
         {{"post", {{"summary", "End a session"}, {"security", csrf}, {"parameters", id_param},
                    {"responses", Responses({{"204", nullptr}})}}}}},
        {"/sessions/{id}/events",
         {{"get", {{"summary", "The session's timeline"}, {"security", cookie}, {"parameters", id_param},
                   {"responses", Responses({{"200", {{"type", "object"},
                                                     {"properties", {{"events", {{"type", "array"},
                                                                                 {"items", {{"$ref", "#/components/schemas/Event"}}}}}}}}}})}}}}},
        {"/sessions/{id}/connect",
         {{"get", {{"summary", "WebSocket upgrade for the browser viewer (one Tether frame per binary message)"},
                   {"security", cookie}, {"parameters", id_param},
                   {"responses", Responses({{"101", nullptr}, {"410", ErrorRef()}, {"426", ErrorRef()}})}}}}},
        {"/sessions/{id}/host-token",
         {{"post", {{"summary", "A single-use, 60-second token for a native host client on the relay port"},
                    {"security", csrf}, {"parameters", id_param},
                    {"responses", Responses({{"201", {{"type", "object"},
                                                      {"properties", {{"token", str}, {"expires_at", integer}}}}}})}}}}},
        {"/settings/security",
         {{"get", {{"summary", "Every security setting: value in force, the file's value, default, source "
                               "(default, file, page) and whether the page may change it; also the limits and "
                               "IP restrictions by area (Administer permission)"},
                   {"security", cookie},
                   {"responses", Responses({{"200", {{"type", "object"},
                                                     {"properties", {{"settings", {{"type", "array"},
                                                                                   {"items", {{"$ref", "#/components/schemas/SecuritySetting"}}}}},
                                                                     {"sessions", {{"type", "object"}}},
                                                                     {"ip", {{"type", "object"}}}}}}}})}}},
          {"patch", {{"summary", "Change security settings at runtime over the configuration file (Administer "
                                 "permission): {\"settings\": {name: value or null}}; null goes back to the file's "
                                 "value; validated like the file (400 validation names the setting); all or nothing; "
                                 "one audit record per change. The IP lists (security.ip.*) are arrays of addresses "
                                 "and CIDR ranges; a change that would refuse the caller's own address in the admin, "
                                 "login or host area (or this request's areas) answers 409 would_lock_out and "
                                 "changes nothing, unless confirm_lockout is true"},
                     {"security", csrf},
                     {"requestBody", Body({{"type", "object"}, {"required", {"settings"}},
                                           {"properties", {{"settings", {{"type", "object"}}},
                                                           {"confirm_lockout", {{"type", "boolean"}}}}}})},
                     {"responses", Responses({{"200", {{"type", "object"},
                                                       {"properties", {{"settings", {{"type", "array"}}},
                                                                       {"changed", {{"type", "array"}}}}}}}})}}}}},
        {"/openapi.json",
         {{"get", {{"summary", "This document"}, {"security", open}, {"responses", {{"200", {{"description", "success"}}}}}}}}}}}};
  doc["paths"]["/settings/security"]["patch"]["responses"]["409"] = {
      {"description", "would_lock_out: the change would refuse the caller's own address (the message names the "
                      "area and the address)"},
      {"content", {{"application/json", {{"schema", ErrorRef()}}}}}};
  AddGuestPaths(doc);
  AddAccessPaths(doc);
  return doc;
}

}  // namespace

const std::string& OpenApiDocument() {
  static const std::string kDoc = [] {
    json doc = Build();
    AddSessionCatalogPaths(doc);
    AddTokenPaths(doc);
    AddRolePaths(doc);
    AddBearerAlternatives(doc);
    return doc.dump();
  }();
  return kDoc;
}

}  // namespace tether::web
