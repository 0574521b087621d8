#pragma once
// GuestJoin: the guest's way into a support session through the guest page. It turns a session
// code into a signed agent configuration carrying a single-use join token (only the token's
// SHA-256 is kept, in memory), redeems that token when the agent's Hello presents it, and gives
// the admitted agent a resume token for its reconnections. Codes are checked by the
// SessionManager, so wrong codes from the guest page and from the relay count against the same
// per-address limit. Thread-safe. The SessionManager, Clock and key pair must outlive it.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/ed25519.h"
#include "base/result.h"
#include "server/manager/attempt_limiter.h"
#include "server/manager/session_manager.h"

namespace tether::manager {

struct GuestJoinOptions {
  int64_t token_lifetime_s = 10 * 60;  // guest.join_token_minutes
  size_t max_pending_tokens = 10000;
  // Configurations one address may get in `issue_window_s`: someone who knows a code cannot
  // fill the pending-token table (or the session's timeline) for everyone else.
  int max_issued_per_address = 20;
  int64_t issue_window_s = 10 * 60;
};

// The file the guest page hands out.
struct GuestConfigFile {
  std::string session_id;
  std::string filename;  // "tether-<session id>.tether"
  std::string body;      // the signed envelope (base/agent_config.h)
  int64_t expires_at = 0;
};

// A guest admitted by a join or resume token.
struct GuestAdmission {
  Session session;
  std::string resume_token;  // for the agent's later Hellos while the session is open
};

class GuestJoin {
 public:
  GuestJoin(SessionManager& manager, const Clock& clock, const Ed25519KeyPair& key,
            std::string relay_pin, GuestJoinOptions options = {});

  // The guest page: the open support session with `code` -> its signed configuration, pointing
  // at `relay` (HOST:PORT). Unknown and ended codes get the same "not_found"; after too many
  // wrong codes from `source`, or too many files for it, "rate_limited" (RetryAfter says for
  // how long).
  Result<GuestConfigFile> IssueConfig(const std::string& code, const std::string& relay,
                                      const std::string& source);
  // Seconds until `source` may try a code again (0: now).
  int64_t RetryAfter(const std::string& source);

  // The relay: a join token from a Hello. Valid once, before it expires, while its session is
  // open. "unauthenticated" otherwise (failures count against `source`).
  Result<GuestAdmission> AdmitByJoinToken(const std::string& token, const std::string& source);
  // The relay: a resume token from an earlier Welcome; valid while its session is open.
  Result<GuestAdmission> AdmitByResumeToken(const std::string& token, const std::string& source);

  const Ed25519PublicKey& PublicKey() const { return key_.PublicKey(); }
  size_t PendingTokens();

 private:
  std::string ResumeTokenFor(const std::string& session_id);
  std::string ResumeMac(const std::string& session_id, const std::string& nonce) const;
  Result<Session> OpenJoinableSession(const std::string& session_id);

  SessionManager& manager_;
  const Clock& clock_;
  const Ed25519KeyPair& key_;
  const std::string relay_pin_;
  const GuestJoinOptions options_;
  const std::array<uint8_t, 32> resume_key_;  // derived from the signing key; survives restarts
  AttemptLimiter token_failures_;
  AttemptLimiter issued_;  // counts files issued per address (successes, not failures)
  struct Pending {
    std::string session_id;
    int64_t expires_at = 0;
  };
  std::mutex mu_;
  std::map<std::string, Pending> pending_;  // by SHA-256 of the token
};

}  // namespace tether::manager
