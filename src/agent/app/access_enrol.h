#pragma once
// `tether-agent install`: the one connection that enrols an access agent. It connects to the
// relay of a verified installer configuration, checks the relay's pin, proves it holds the
// agent's new key (a signature over the connection's TLS exporter) and presents the installer's
// single-use install token; the relay creates the access session and binds the key to it.
// NotifyUninstalled is `tether-agent uninstall`'s goodbye on the same path: the key proof and
// Hello.uninstall, so the server ends the access session. Blocking (one TLS connection with
// timeouts, connecting included); call from the main thread.
#include <chrono>
#include <string>

#include "agent/app/access_state.h"
#include "base/agent_config.h"
#include "base/ed25519.h"
#include "base/result.h"

namespace tether::agent {

struct EnrolledSession {
  std::string session_id;
  std::string session_name;
};

// "unreachable" when the relay cannot be reached or the handshake fails, "pin" when the relay
// is not the configured server, "refused" when the relay refuses the token or the key.
Result<EnrolledSession> EnrolAccessAgent(const AgentConfig& installer, const Ed25519KeyPair& identity,
                                         std::chrono::seconds timeout = std::chrono::seconds(20));

// "unreachable" / "pin" as above; "refused" when the relay does not end the session (an
// unknown key, a session that ended already, or a server that does not know the request).
Status NotifyUninstalled(const Enrolment& enrolment, const Ed25519KeyPair& identity,
                         std::chrono::seconds timeout = std::chrono::seconds(5));

}  // namespace tether::agent
