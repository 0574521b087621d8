#pragma once
// RelayDirectory: what the Relay needs from the Session Manager, as a narrow interface wired by
// the composition root — admitting endpoints to sessions and recording what happens in them.
// Implementations run store work on the blocking pool and may call back on any thread.
#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"

namespace tether::relay {

struct Admission {
  std::string session_id;
  std::string session_name;
  std::string display_name;  // the host's user name, or "guest"
  bool view_only = false;    // hosts only: input from this endpoint is dropped
  // Hosts only: the guest must allow this host before it sees or controls anything
  // (docs/protocol.md section 5.5). Every support session asks; only a future permission
  // (HostSessionWithoutConsent, access sessions) may turn it off.
  bool consent_required = true;
  // Guests admitted by a join or resume token: the resume token for their reconnections, sent
  // in the Welcome. Never logged.
  std::string resume_token = {};
  // Hosts: the user behind the endpoint, so revoking the user closes it (0 for guests).
  int64_t user_id = 0;
  // Hosts admitted through an API token: the token's id (never its secret), so revoking that
  // token closes the endpoint. Empty for web logins and guests.
  std::string api_token_id = {};
  // Hosts: Unix time at which the login or API token that admitted them expires (web session
  // absolute timeout, token expiry); the relay closes the endpoint then. 0: no such limit.
  int64_t not_after = 0;
  // "support", "meeting" or "access" (manager::SessionTypeName). The hosts of a meeting are
  // admitted view-only, whoever admitted them (docs/protocol.md section 5.6).
  std::string session_type = {};
  // Hosts: what the user's role allows in this session (EndSession, TransferFiles). A host
  // without them has its EndSession ignored and its file frames dropped.
  bool may_end_session = true;
  bool may_transfer_files = true;
};

// What a guest said about its machine (a checked GuestInfo, docs/protocol.md section 3.1) and
// the network address the relay saw it connect from.
struct GuestFacts {
  std::string machine;
  std::string os;
  std::string user;
  std::string agent_version;
  std::string address;
};

class RelayDirectory {
 public:
  virtual ~RelayDirectory() = default;
  // A guest presents a join code. `done` gets the session, or an error ("unauthenticated" for
  // an unknown or ended code, "rate_limited" after too many failures from `source`).
  virtual void AdmitGuest(const std::string& code, const std::string& source,
                          std::function<void(Result<Admission>)> done) = 0;
  // A guest presents the join token of a signed agent configuration (single use), or the
  // resume token of an earlier Welcome (exactly one of the two is non-empty). `done` gets the
  // session with a resume token, or "unauthenticated" / "rate_limited".
  virtual void AdmitGuestByToken(const std::string& join_token, const std::string& resume_token,
                                 const std::string& source, std::function<void(Result<Admission>)> done) {
    done(MakeError("unauthenticated", "join tokens are not accepted here"));
  }
  // An access agent that has proved it holds the private key of `public_key` (32 raw bytes;
  // the relay checked its signature over this connection's TLS exporter). With an install
  // token it enrols (single use); without, it is admitted to the access session its key is
  // bound to. "unauthenticated" / "rate_limited" otherwise.
  virtual void AdmitAccessAgent(const std::string& public_key, const std::string& install_token,
                                const std::string& source, std::function<void(Result<Admission>)> done) {
    done(MakeError("unauthenticated", "access agents are not accepted here"));
  }
  // A native host presents a token issued by the web server for a logged-in user.
  virtual void AdmitHost(const std::string& token, const std::string& source,
                         std::function<void(Result<Admission>)> done) = 0;
  // Appends a session event (fire and forget).
  virtual void RecordEvent(const std::string& session_id, const std::string& kind,
                           const std::string& actor, const std::string& detail) = 0;
  // A relay-port connection was refused by the IP restrictions (for the audit log).
  virtual void RefusedAddress(const std::string& /*source*/) {}
  // The guest described its machine: becomes the session's guest information (fire and forget;
  // the store is written off the calling thread).
  virtual void UpdateGuestInfo(const std::string& session_id, const GuestFacts& facts) {}
  // An access agent that proved its key said it is being uninstalled: its session ends with an
  // "agent_uninstalled" event (fire and forget).
  virtual void AgentUninstalled(const std::string& session_id) {}
  // An endpoint ended the session for everyone.
  virtual void EndSession(const std::string& session_id, const std::string& actor) = 0;
};

}  // namespace tether::relay
