#include "server/manager/api_token_format.h"

#include <cctype>

#include "base/crypto.h"

namespace tether::manager {

std::string NewApiTokenSecret() { return std::string(kApiTokenPrefix) + RandomToken(32); }

std::string ApiTokenHint(std::string_view secret) {
  std::string hint(kApiTokenPrefix);
  hint += "...";
  hint += secret.substr(secret.size() >= 4 ? secret.size() - 4 : 0);
  return hint;
}

bool IsWellFormedApiToken(std::string_view secret) {
  if (secret.size() != kApiTokenLength || !secret.starts_with(kApiTokenPrefix)) return false;
  for (char c : secret.substr(kApiTokenPrefix.size())) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

std::optional<std::string_view> ParseBearer(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() > kMaxAuthorizationBytes || authorization.size() <= kScheme.size()) {
    return std::nullopt;
  }
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return std::nullopt;
  }
  std::string_view rest = authorization.substr(kScheme.size());
  if (rest.front() != ' ') return std::nullopt;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  if (rest.empty()) return std::nullopt;
  for (char c : rest) {
    if (c <= ' ' || c > '~') return std::nullopt;  // one token68 value, printable ASCII only
  }
  return rest;
}

}  // namespace tether::manager
