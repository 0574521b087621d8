#pragma once
// ApiTokens: API tokens for automation. Makes them (a secret from NewApiTokenSecret, shown once;
// only its SHA-256 is stored), lists and revokes them for their owner and for administrators,
// and authenticates a presented secret: failures count against the source address in the
// login lockout, so tokens cannot be guessed. Thread-safe; calls touch the store, so run them
// off network threads. Owned by the SessionManager; the Store, Clock, Authorizer and limiter
// must outlive it.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "server/manager/attempt_limiter.h"
#include "server/manager/authorizer.h"
#include "server/manager/repositories.h"

namespace tether::manager {

struct Actor;

// [security] api_token_max_days, api_token_min_seconds.
struct ApiTokenOptions {
  int64_t max_lifetime_s = 365 * 24 * 60 * 60;
  // Shorter lifetimes are refused. Below an hour only for tests (tetherd warns at start).
  int64_t min_lifetime_s = 60 * 60;
  int max_per_user = 50;
};

struct ApiTokenRequest {
  std::string name;                // 1-64 characters, no control characters
  std::vector<std::string> scope;  // permission names (authorizer.h), at least one
  int64_t lifetime_s = 0;          // within the options' bounds
};

struct CreatedApiToken {
  ApiToken token;
  std::string secret;  // shown once, never stored
};

// A successful use: the owner and the permissions the token is limited to.
struct TokenUse {
  User user;
  ApiToken token;
  std::vector<Permission> scope;
};

class ApiTokens {
 public:
  ApiTokens(Store& store, const Clock& clock, const Authorizer& authorizer, AttemptLimiter& address_failures,
            ApiTokenOptions options)
      : store_(store), clock_(clock), authorizer_(authorizer), address_failures_(address_failures),
        options_(options) {}

  // A token for `owner` ("" = the actor). Another user's needs the Administer permission; an
  // actor using a token cannot make tokens ("forbidden").
  Result<CreatedApiToken> Create(const std::string& owner, const ApiTokenRequest& request, const Actor& actor);
  // `owner`'s tokens ("" = the actor's own; every user's for the Local API), newest first.
  // Another user's need Administer.
  Result<std::vector<ApiToken>> List(const std::string& owner, const Actor& actor);
  // Every user's tokens, newest first (Administer).
  Result<std::vector<ApiToken>> ListAll(const Actor& actor);
  // The owner or an administrator ends a token now. "not_found" also for someone else's token.
  // The OnRevoked callback then closes what the token holds open.
  Status Revoke(const std::string& id, const Actor& actor);
  // Set once by the owner before any call: told the id of each token Revoke removed.
  void OnRevoked(std::function<void(const std::string& token_id)> revoked) { revoked_ = std::move(revoked); }
  // The token a presented secret belongs to, if well formed, known, unexpired and its owner is
  // enabled; "unauthenticated" otherwise (unknown secrets count as a failed login of `source`).
  // Records the use (at most once a minute, at once from a new address, which is audited).
  Result<TokenUse> Authenticate(std::string_view secret, const std::string& source);

  const ApiTokenOptions& Options() const { return options_; }

 private:
  // The user whose tokens `owner` names for `actor`, checking the right to act on them.
  Result<User> OwnerFor(const std::string& owner, const Actor& actor);

  Store& store_;
  const Clock& clock_;
  const Authorizer& authorizer_;
  AttemptLimiter& address_failures_;
  const ApiTokenOptions options_;
  std::function<void(const std::string&)> revoked_;
};

}  // namespace tether::manager
