#include "server/manager/guest_join.h"

#include <sodium.h>

#include <algorithm>

#include "base/agent_config.h"
#include "base/crypto.h"

namespace tether::manager {
namespace {

constexpr const char* kResumeContext = "tether-relay-resume/1";
constexpr size_t kMaxTokenBytes = 128;

std::string Base64UrlOf(std::span<const uint8_t> bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

}  // namespace

GuestJoin::GuestJoin(SessionManager& manager, const Clock& clock, const Ed25519KeyPair& key,
                     std::string relay_pin, GuestJoinOptions options)
    : manager_(manager),
      clock_(clock),
      key_(key),
      relay_pin_(std::move(relay_pin)),
      options_(options),
      resume_key_(key.DeriveKey(kResumeContext)),
      token_failures_(clock, 10, 60),
      issued_(clock, options.max_issued_per_address, options.issue_window_s) {}

int64_t GuestJoin::RetryAfter(const std::string& source) {
  return std::max(manager_.CodeRetryAfter(source), issued_.RetryAfter(source));
}

Result<GuestConfigFile> GuestJoin::IssueConfig(const std::string& code, const std::string& relay,
                                               const std::string& source) {
  // The manager checks the code and counts wrong ones against `source`; unknown and ended
  // codes give the same answer.
  if (!issued_.Allowed(source)) {
    return MakeError("rate_limited", "too many connection files were made from your network; try again later");
  }
  auto session = manager_.AdmitGuestByCode(code, source);
  if (!session) {
    if (session.error().code == "rate_limited") {
      return MakeError("rate_limited", "too many wrong codes; wait a minute and try again");
    }
    return MakeError("not_found", "no open session has that code; check it with your technician");
  }
  const int64_t now = clock_.NowUnix();
  AgentConfig config;
  config.relay = relay;
  config.pin = relay_pin_;
  config.session_id = session->id;
  config.session_name = session->name;
  config.join_token = RandomToken(32);
  config.issued_at = now;
  config.expires_at = now + options_.token_lifetime_s;
  {
    std::lock_guard lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      it = it->second.expires_at <= now ? pending_.erase(it) : std::next(it);
    }
    if (pending_.size() >= options_.max_pending_tokens) {
      return MakeError("rate_limited", "too many configurations are waiting to be used; try again later");
    }
    pending_[Sha256Hex(config.join_token)] = Pending{session->id, config.expires_at};
  }
  issued_.Failure(source);  // a success, counted with the limiter's sliding window
  (void)manager_.AppendEvent(session->id, "guest_config_issued", "guest", "from " + source.substr(0, 64));
  GuestConfigFile file;
  file.session_id = session->id;
  file.filename = "tether-" + session->id + ".tether";
  file.body = SignAgentConfig(config, key_);
  file.expires_at = config.expires_at;
  return file;
}

Result<Session> GuestJoin::OpenJoinableSession(const std::string& session_id) {
  auto session = manager_.GetSession(session_id);
  if (!session || session->ended_at != 0 || !HasJoinCode(session->type)) {
    return MakeError("unauthenticated", "the session has ended");
  }
  return *session;
}

Result<GuestAdmission> GuestJoin::AdmitByJoinToken(const std::string& token, const std::string& source) {
  if (!token_failures_.Allowed(source)) return MakeError("rate_limited", "too many failed attempts");
  const Error refused = MakeError("unauthenticated", "unknown, used or expired join token");
  if (token.empty() || token.size() > kMaxTokenBytes) {
    token_failures_.Failure(source);
    return refused;
  }
  Pending pending;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(Sha256Hex(token));
    if (it != pending_.end()) {
      pending = it->second;
      pending_.erase(it);  // single use, whatever happens next
    }
  }
  if (pending.session_id.empty() || pending.expires_at <= clock_.NowUnix()) {
    token_failures_.Failure(source);
    return refused;
  }
  auto session = OpenJoinableSession(pending.session_id);
  if (!session) return session.error();
  return GuestAdmission{*session, ResumeTokenFor(session->id)};
}

Result<GuestAdmission> GuestJoin::AdmitByResumeToken(const std::string& token, const std::string& source) {
  if (!token_failures_.Allowed(source)) return MakeError("rate_limited", "too many failed attempts");
  const Error refused = MakeError("unauthenticated", "unknown resume token");
  // "<session id>.<nonce>.<mac>"
  size_t a = token.find('.');
  size_t b = a == std::string::npos ? a : token.find('.', a + 1);
  if (token.size() > kMaxTokenBytes || b == std::string::npos) {
    token_failures_.Failure(source);
    return refused;
  }
  const std::string session_id = token.substr(0, a), nonce = token.substr(a + 1, b - a - 1);
  if (!ConstantTimeEquals(token.substr(b + 1), ResumeMac(session_id, nonce))) {
    token_failures_.Failure(source);
    return refused;
  }
  auto session = OpenJoinableSession(session_id);
  if (!session) return session.error();
  return GuestAdmission{*session, token};
}

std::string GuestJoin::ResumeTokenFor(const std::string& session_id) {
  std::string nonce = RandomToken(16);
  return session_id + "." + nonce + "." + ResumeMac(session_id, nonce);
}

std::string GuestJoin::ResumeMac(const std::string& session_id, const std::string& nonce) const {
  const std::string message = std::string(kResumeContext) + "\n" + session_id + "\n" + nonce;
  std::array<uint8_t, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, resume_key_.data(), resume_key_.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const uint8_t*>(message.data()), message.size());
  crypto_auth_hmacsha256_final(&st, mac.data());
  return Base64UrlOf(mac);
}

size_t GuestJoin::PendingTokens() {
  std::lock_guard lock(mu_);
  return pending_.size();
}

}  // namespace tether::manager
