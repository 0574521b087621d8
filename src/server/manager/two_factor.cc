// SessionManager: two-factor authentication with TOTP (RFC 6238) and recovery codes.
#include <sodium.h>

#include <cctype>

#include "base/crypto.h"
#include "server/manager/session_manager.h"

namespace tether::manager {
namespace {

constexpr int kRecoveryCodes = 10;
constexpr char kRecoveryAlphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";  // no l, o, 0, 1

// "abcde-fghij": 50 random bits.
std::string NewRecoveryCode() {
  std::string code;
  for (int i = 0; i < 10; ++i) {
    if (i == 5) code += '-';
    code += kRecoveryAlphabet[randombytes_uniform(sizeof kRecoveryAlphabet - 1)];
  }
  return code;
}

// Case, spaces and dashes do not matter when a code is typed back.
std::string RecoveryHash(const std::string& code) {
  std::string norm;
  for (unsigned char c : code) {
    if (c != '-' && c != ' ') norm += static_cast<char>(std::tolower(c));
  }
  return Sha256Hex(norm);
}

bool IsSixDigits(const std::string& s) {
  if (s.size() != 6) return false;
  for (unsigned char c : s) {
    if (!std::isdigit(c)) return false;
  }
  return true;
}

void ClearTwoFactor(User& u) {
  u.totp_secret.clear();
  u.totp_enabled = false;
  u.totp_last_step = 0;
  u.recovery_codes.clear();
}

}  // namespace

bool SessionManager::TwoFactorRequired(const User& user) const {
  switch (security_.Get().two_factor) {
    case TwoFactorPolicy::kOff: return false;
    case TwoFactorPolicy::kAdministrators: {
      // An administrator is whoever's role allows Administer, whatever the role is called.
      const Actor as_user{user.username, "", user.role, user.id};
      return authorizer_.Check(as_user, Permission::kAdminister).ok();
    }
    case TwoFactorPolicy::kEveryone: return true;
  }
  return true;
}

Result<TotpEnrolment> SessionManager::BeginTotpEnrolment(const AuthContext& ctx,
                                                         const std::string& source) {
  auto user = store_.Users().FindById(ctx.user.id);
  if (!user) return MakeError("unauthenticated", "log in first");
  if (user->totp_enabled) {
    return MakeError("conflict", "two-factor authentication is already on; turn it off first");
  }
  std::string secret(kTotpSecretBytes, '\0');
  randombytes_buf(secret.data(), secret.size());
  ClearTwoFactor(*user);
  user->totp_secret = Seal(secrets_key_, secret);
  if (auto st = store_.Users().SetTwoFactor(*user); !st) return st.error();
  Audit("two_factor.enrolment_started", Actor{user->username, source}, "");
  TotpEnrolment out{Base32Encode(secret), TotpUri(options_.totp_issuer, user->username, secret)};
  sodium_memzero(secret.data(), secret.size());
  return out;
}

Result<TotpConfirmation> SessionManager::ConfirmTotp(const AuthContext& ctx, const std::string& code,
                                                     const std::string& source,
                                                     const std::string& user_agent) {
  auto user = store_.Users().FindById(ctx.user.id);
  if (!user) return MakeError("unauthenticated", "log in first");
  if (user->totp_enabled) return MakeError("conflict", "two-factor authentication is already on");
  if (user->totp_secret.empty()) return MakeError("conflict", "start the enrolment first");
  auto secret = Unseal(secrets_key_, user->totp_secret);
  if (!secret) return MakeError("internal", "the stored secret cannot be opened; enrol again");
  auto step = IsSixDigits(code) ? MatchTotp(*secret, code, clock_.NowUnix(), 0) : std::nullopt;
  sodium_memzero(secret->data(), secret->size());
  const Actor actor{user->username, source};
  if (!step) {
    Audit("two_factor.confirm_failure", actor, "");
    return MakeError("validation", "wrong code; check the time on your device and try the next code");
  }
  std::vector<std::string> codes;
  std::string hashes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    codes.push_back(NewRecoveryCode());
    hashes += (hashes.empty() ? "" : ",") + RecoveryHash(codes.back());
  }
  user->totp_enabled = true;
  user->totp_last_step = *step;
  user->recovery_codes = hashes;
  if (auto st = store_.Users().SetTwoFactor(*user); !st) return st.error();
  Audit("two_factor.enabled", actor, "");
  // A stronger login from here on: sessions opened with the password alone end, and the
  // caller continues under a new session id.
  (void)store_.WebSessions().DeleteForUser(user->id);
  auto session = OpenWebSession(*user, source, user_agent);
  if (!session) return session.error();
  return TotpConfirmation{std::move(codes), std::move(*session)};
}

Status SessionManager::DisableTotp(const AuthContext& ctx, const std::string& password,
                                   const std::string& source) {
  auto user = store_.Users().FindById(ctx.user.id);
  if (!user) return MakeError("unauthenticated", "log in first");
  const Actor actor{user->username, source};
  if (password.size() > static_cast<size_t>(PasswordPolicy::kMaxLength) ||
      !hasher_.Verify(user->password_hash, password)) {
    Audit("two_factor.disable_failure.bad_password", actor, "");
    return MakeError("forbidden", "the password is wrong");
  }
  ClearTwoFactor(*user);
  if (auto st = store_.Users().SetTwoFactor(*user); !st) return st;
  Audit("two_factor.disabled", actor, "");
  return {};
}

Status SessionManager::ResetTwoFactor(const std::string& username, const Actor& actor) {
  auto user = store_.Users().FindByName(username);
  if (!user) return MakeError("not_found", "no user named '" + username + "'");
  ClearTwoFactor(*user);
  if (auto st = store_.Users().SetTwoFactor(*user); !st) return st;
  Audit("user.two_factor_reset", actor, username);
  return {};
}

bool SessionManager::UseSecondFactor(const User& user, const std::string& otp, const Actor& actor) {
  if (otp.size() > 64) return false;
  if (IsSixDigits(otp)) {
    auto secret = Unseal(secrets_key_, user.totp_secret);
    if (!secret) return false;
    auto step = MatchTotp(*secret, otp, clock_.NowUnix(), user.totp_last_step);
    sodium_memzero(secret->data(), secret->size());
    // The store has the last word: two logins racing with one code cannot both win.
    return step && store_.Users().AdvanceTotpStep(user.id, *step);
  }
  const std::string hash = RecoveryHash(otp);
  std::string remaining;
  bool found = false;
  int left = 0;
  size_t start = 0;
  while (start < user.recovery_codes.size()) {
    size_t end = user.recovery_codes.find(',', start);
    if (end == std::string::npos) end = user.recovery_codes.size();
    const std::string item = user.recovery_codes.substr(start, end - start);
    if (!found && ConstantTimeEquals(item, hash)) {
      found = true;
    } else {
      remaining += (remaining.empty() ? "" : ",") + item;
      ++left;
    }
    start = end + 1;
  }
  if (!found || !store_.Users().ReplaceRecoveryCodes(user.id, user.recovery_codes, remaining)) return false;
  Audit("login.recovery_code_used", actor, std::to_string(left) + " left");
  return true;
}

}  // namespace tether::manager
