#pragma once
// AccessAgents: unattended access agents. It builds installers (a signed configuration of kind
// "access-install" carrying a single-use install token, of which only the SHA-256 is stored),
// enrols an agent once with that token — creating its access session with the installer's name
// and custom properties and binding the agent's Ed25519 public key to it — and admits an
// enrolled agent by its key afterwards. The relay checks that the agent holds the private key
// (a signature over the connection's TLS exporter) before it asks here. Thread-safe. The
// SessionManager, Store, Clock and key pair must outlive it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/ed25519.h"
#include "base/result.h"
#include "server/manager/attempt_limiter.h"
#include "server/manager/session_manager.h"

namespace tether::manager {

struct InstallerRequest {
  std::string name;                               // the access session's name (1-128 characters)
  std::map<std::string, std::string> properties;  // kPropertyKeys
  int64_t lifetime_s = 7 * 24 * 60 * 60;          // until the install token expires (1 h - 90 days)
};

// The file the Access tab hands out.
struct InstallerFile {
  AccessInstaller installer;  // token_hash only; the token is inside `body`
  std::string filename;       // "tether-access-<id>.tether"
  std::string body;           // the signed envelope (base/agent_config.h)
};

class AccessAgents {
 public:
  AccessAgents(SessionManager& manager, Store& store, const Clock& clock, const Ed25519KeyPair& key,
               std::string relay_pin);

  // Needs the BuildAccessInstaller permission. `relay` is HOST:PORT for the agent.
  Result<InstallerFile> BuildInstaller(const InstallerRequest& request, const std::string& relay,
                                       const Actor& actor);
  // Needs BuildAccessInstaller; newest first.
  Result<std::vector<AccessInstaller>> ListInstallers(const Actor& actor);

  // The relay, after it has verified the agent's signature with `public_key`: with an install
  // token, enrols the agent (the token is used up whatever happens next); without one, the
  // access session the key is bound to. "unauthenticated" when refused (failures count against
  // `source`; "rate_limited" after 10 in a minute).
  Result<Session> Admit(const Ed25519PublicKey& public_key, const std::string& install_token,
                        const std::string& source);

 private:
  Result<Session> Enrol(const Ed25519PublicKey& public_key, const std::string& install_token);

  SessionManager& manager_;
  Store& store_;
  const Clock& clock_;
  const Ed25519KeyPair& key_;
  const std::string relay_pin_;
  AttemptLimiter failures_;
};

}  // namespace tether::manager
