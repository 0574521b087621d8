#include "server/manager/api_tokens.h"

#include <algorithm>

#include "base/crypto.h"
#include "server/manager/api_token_format.h"
#include "server/manager/session_manager.h"
#include "server/manager/validation.h"

namespace tether::manager {
namespace {

std::string Describe(const ApiToken& t) {
  std::string scope;
  for (const auto& p : t.scope) scope += (scope.empty() ? "" : ",") + p;
  return "token " + t.id + " '" + t.name + "' of " + t.username + " scope " + scope;
}

}  // namespace

Result<User> ApiTokens::OwnerFor(const std::string& owner, const Actor& actor) {
  std::optional<User> user;
  if (owner.empty()) {
    if (actor.user_id == 0) return MakeError("validation", "name the user whose tokens these are");
    user = store_.Users().FindById(actor.user_id);
  } else {
    user = store_.Users().FindByName(owner);
    if (!user || user->id != actor.user_id) {
      if (auto st = authorizer_.Check(actor, Permission::kAdminister); !st) return st.error();
    }
  }
  if (!user) return MakeError("not_found", "no user named '" + owner.substr(0, 64) + "'");
  return *user;
}

Result<CreatedApiToken> ApiTokens::Create(const std::string& owner, const ApiTokenRequest& request,
                                          const Actor& actor) {
  if (actor.token_scope) return MakeError("forbidden", "API tokens cannot make API tokens");
  auto user = OwnerFor(owner, actor);
  if (!user) return user.error();
  if (user->disabled) return MakeError("conflict", "the user is disabled");
  if (request.name.empty() || Utf8CharLength(request.name) > 64 || !IsCleanText(request.name, 256)) {
    return MakeError("validation", "a token name has 1 to 64 characters and no control characters");
  }
  if (request.scope.empty()) return MakeError("validation", "a token's scope names at least one permission");
  ApiToken t;
  for (const auto& name : request.scope) {
    if (!ParsePermission(name)) return MakeError("validation", "unknown permission '" + name.substr(0, 64) + "'");
    if (std::find(t.scope.begin(), t.scope.end(), name) == t.scope.end()) t.scope.push_back(name);
  }
  if (request.lifetime_s < options_.min_lifetime_s || request.lifetime_s > options_.max_lifetime_s) {
    return MakeError("validation", "a token expires after " + std::to_string(options_.min_lifetime_s) +
                                       " seconds at the earliest and " +
                                       std::to_string(options_.max_lifetime_s / 86400) + " days at the latest");
  }
  if (store_.Tokens().CountForUser(user->id) >= options_.max_per_user) {
    return MakeError("conflict", "the user has " + std::to_string(options_.max_per_user) +
                                     " tokens already; revoke one first");
  }
  CreatedApiToken out;
  out.secret = NewApiTokenSecret();
  uint64_t id = RandomId();
  t.id = ToHex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&id), sizeof id));
  t.user_id = user->id;
  t.username = user->username;
  t.name = request.name;
  t.hint = ApiTokenHint(out.secret);
  t.secret_hash = Sha256Hex(out.secret);
  t.created_at = clock_.NowUnix();
  t.expires_at = t.created_at + request.lifetime_s;
  if (auto st = store_.Tokens().Create(t); !st) return st.error();
  AppendAudit(store_, clock_, "token.created", actor, Describe(t));
  out.token = std::move(t);
  return out;
}

Result<std::vector<ApiToken>> ApiTokens::List(const std::string& owner, const Actor& actor) {
  if (owner.empty() && actor.user_id == 0) return ListAll(actor);
  auto user = OwnerFor(owner, actor);
  if (!user) return user.error();
  return store_.Tokens().List(user->id);
}

Result<std::vector<ApiToken>> ApiTokens::ListAll(const Actor& actor) {
  if (auto st = authorizer_.Check(actor, Permission::kAdminister); !st) return st.error();
  return store_.Tokens().List(0);
}

Status ApiTokens::Revoke(const std::string& id, const Actor& actor) {
  auto t = store_.Tokens().Find(id.substr(0, 64));
  if (!t) return MakeError("not_found", "no such token");
  if (t->user_id != actor.user_id || actor.user_id == 0) {
    if (!authorizer_.Check(actor, Permission::kAdminister)) return MakeError("not_found", "no such token");
  }
  if (auto st = store_.Tokens().Delete(t->id); !st) return st;
  AppendAudit(store_, clock_, "token.revoked", actor, Describe(*t));
  if (revoked_) revoked_(t->id);
  return {};
}

Result<TokenUse> ApiTokens::Authenticate(std::string_view secret, const std::string& source) {
  const Error unauth = MakeError("unauthenticated", "invalid, expired or revoked API token");
  if (!address_failures_.Allowed(source)) return unauth;
  auto fail = [&](const std::string& why) {
    address_failures_.Failure(source);
    AppendAudit(store_, clock_, "token.failure", Actor{"?", source}, why);
    return unauth;
  };
  if (!IsWellFormedApiToken(secret)) return fail("malformed token");
  const std::string hash = Sha256Hex(secret);
  auto t = store_.Tokens().FindByHash(hash);
  if (!t || !ConstantTimeEquals(t->secret_hash, hash)) return fail("unknown token");
  const int64_t now = clock_.NowUnix();
  if (now >= t->expires_at) {
    AppendAudit(store_, clock_, "token.failure", Actor{t->username, source}, "expired token " + t->id);
    return unauth;
  }
  auto user = store_.Users().FindById(t->user_id);
  if (!user || user->disabled) return unauth;
  TokenUse use{*user, *t, {}};
  for (const auto& name : t->scope) {
    if (auto p = ParsePermission(name)) use.scope.push_back(*p);
  }
  if (t->last_used_from != source) {
    (void)store_.Tokens().Touch(t->id, now, source);
    AppendAudit(store_, clock_, "token.used_new_address", Actor{user->username, source}, Describe(*t));
  } else if (now - t->last_used_at >= 60) {
    (void)store_.Tokens().Touch(t->id, now, source);
  }
  return use;
}

}  // namespace tether::manager
