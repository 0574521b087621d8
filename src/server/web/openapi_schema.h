#pragma once
// Small builders for the OpenAPI document's parts (responses, schemas, parameters), shared by
// the files that add paths to it.
#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

namespace tether::web::openapi {

inline nlohmann::json Ref(const char* name) { return {{"$ref", std::string("#/components/schemas/") + name}}; }

inline nlohmann::json Errors(nlohmann::json r, std::initializer_list<const char*> codes) {
  for (const char* code : codes) {
    r[code] = {{"description", "error"}, {"content", {{"application/json", {{"schema", Ref("Error")}}}}}};
  }
  return r;
}

inline nlohmann::json Ok(const char* code, nlohmann::json schema) {
  nlohmann::json r = nlohmann::json::object();
  r[code] = {{"description", "success"}};
  if (!schema.is_null()) r[code]["content"] = {{"application/json", {{"schema", std::move(schema)}}}};
  return r;
}

inline nlohmann::json Object(nlohmann::json properties) { return {{"type", "object"}, {"properties", std::move(properties)}}; }

inline nlohmann::json Query(const char* name, nlohmann::json schema, const char* description) {
  return {{"name", name}, {"in", "query"}, {"schema", std::move(schema)}, {"description", description}};
}

inline nlohmann::json Path(const char* name, nlohmann::json schema) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"schema", std::move(schema)}};
}

inline nlohmann::json JsonBody(nlohmann::json schema) {
  return {{"required", true}, {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

}  // namespace tether::web::openapi
