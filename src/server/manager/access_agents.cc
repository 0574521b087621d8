#include "server/manager/access_agents.h"

#include "base/agent_config.h"
#include "base/crypto.h"
#include "server/manager/validation.h"

namespace tether::manager {
namespace {

constexpr size_t kMaxTokenBytes = 128;
constexpr int64_t kMinLifetime = 60 * 60;

}  // namespace

AccessAgents::AccessAgents(SessionManager& manager, Store& store, const Clock& clock,
                           const Ed25519KeyPair& key, std::string relay_pin)
    : manager_(manager),
      store_(store),
      clock_(clock),
      key_(key),
      relay_pin_(std::move(relay_pin)),
      failures_(clock, 10, 60) {}

Result<InstallerFile> AccessAgents::BuildInstaller(const InstallerRequest& request, const std::string& relay,
                                                   const Actor& actor) {
  if (auto st = manager_.Authorize(actor, Permission::kBuildAccessInstaller); !st) return st.error();
  if (!IsValidSessionName(request.name)) {
    return MakeError("validation", "name must be 1-128 printable characters");
  }
  if (auto st = CheckProperties(request.properties); !st) return st.error();
  if (request.lifetime_s < kMinLifetime || request.lifetime_s > kMaxAccessInstallerSeconds) {
    return MakeError("validation", "expires_in_hours must be from 1 to 2160 (90 days)");
  }
  const int64_t now = clock_.NowUnix();
  AgentConfig config;
  config.kind = std::string(kAgentConfigKindAccessInstall);
  config.relay = relay;
  config.pin = relay_pin_;
  config.session_id = RandomIdentifier(12);  // the installer's id
  config.session_name = request.name;
  config.join_token = RandomToken(32);  // the install token
  config.issued_at = now;
  config.expires_at = now + request.lifetime_s;
  for (const auto& [k, v] : request.properties) {
    if (!v.empty()) config.properties[k] = v;
  }

  AccessInstaller installer;
  installer.id = config.session_id;
  installer.name = request.name;
  installer.token_hash = Sha256Hex(config.join_token);
  installer.properties = config.properties;
  installer.created_by = actor.name;
  installer.created_at = now;
  installer.expires_at = config.expires_at;
  if (auto st = store_.Access().CreateInstaller(installer); !st) return st.error();
  AppendAudit(store_, clock_, "access.installer_built", actor, "installer " + installer.id);
  return InstallerFile{installer, "tether-access-" + installer.id + ".tether", SignAgentConfig(config, key_)};
}

Result<std::vector<AccessInstaller>> AccessAgents::ListInstallers(const Actor& actor) {
  if (auto st = manager_.Authorize(actor, Permission::kBuildAccessInstaller); !st) return st.error();
  return store_.Access().ListInstallers(200);
}

Result<Session> AccessAgents::Admit(const Ed25519PublicKey& public_key, const std::string& install_token,
                                    const std::string& source) {
  if (!failures_.Allowed(source)) return MakeError("rate_limited", "too many failed attempts");
  Result<Session> admitted = MakeError("unauthenticated", "this agent is not enrolled");
  if (!install_token.empty()) {
    admitted = Enrol(public_key, install_token);
  } else if (auto id = store_.Access().SessionOfAgent(Ed25519PublicKeyBase64(public_key))) {
    auto session = manager_.GetSession(*id);
    if (session && session->ended_at == 0 && session->type == SessionType::kAccess) {
      admitted = *session;
    } else {
      admitted = MakeError("unauthenticated", "this agent's access session has ended");
    }
  }
  if (!admitted) failures_.Failure(source);
  return admitted;
}

Result<Session> AccessAgents::Enrol(const Ed25519PublicKey& public_key, const std::string& install_token) {
  const Error refused = MakeError("unauthenticated", "unknown, used or expired install token");
  if (install_token.size() > kMaxTokenBytes) return refused;
  const int64_t now = clock_.NowUnix();
  auto installer = store_.Access().RedeemInstaller(Sha256Hex(install_token), now);
  if (!installer) return refused;
  Session s;
  s.id = RandomIdentifier(16);
  s.type = SessionType::kAccess;
  s.name = installer->name;
  s.created_by = installer->created_by;
  s.created_at = now;
  s.properties = installer->properties;
  SessionEvent created{0, s.id, "created", installer->created_by, "enrolled with installer " + installer->id, now};
  auto session = store_.Sessions().Create(s, created);
  if (!session) return session.error();
  if (auto st = store_.Access().BindAgent(installer->id, Ed25519PublicKeyBase64(public_key), s.id, now); !st) {
    (void)store_.Sessions().Delete(s.id);
    return MakeError("unauthenticated", st.error().message);
  }
  AppendAudit(store_, clock_, "access.agent_enrolled", Actor{installer->created_by, "relay"},
              "installer " + installer->id + " session " + s.id);
  return session;
}

}  // namespace tether::manager
