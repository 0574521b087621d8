#include "server/app/relay_bridge.h"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace tether::app {

void RelayBridge::AdmitGuest(const std::string& code, const std::string& source,
                             std::function<void(Result<relay::Admission>)> done) {
  boost::asio::post(pool_, [this, code, source, done = std::move(done)] {
    auto session = manager_.AdmitGuestByCode(code, source);
    if (!session) return done(session.error());
    relay::Admission a{session->id, session->name, "guest", false};
    a.session_type = manager::SessionTypeName(session->type);
    done(std::move(a));
  });
}

void RelayBridge::AdmitGuestByToken(const std::string& join_token, const std::string& resume_token,
                                    const std::string& source,
                                    std::function<void(Result<relay::Admission>)> done) {
  if (!guest_join_) return done(MakeError("unauthenticated", "join tokens are not accepted"));
  boost::asio::post(pool_, [this, join_token, resume_token, source, done = std::move(done)] {
    auto g = resume_token.empty() ? guest_join_->AdmitByJoinToken(join_token, source)
                                  : guest_join_->AdmitByResumeToken(resume_token, source);
    if (!g) return done(g.error());
    relay::Admission a{g->session.id, g->session.name, "guest", false};
    a.resume_token = g->resume_token;
    a.session_type = manager::SessionTypeName(g->session.type);
    done(std::move(a));
  });
}

void RelayBridge::AdmitAccessAgent(const std::string& public_key, const std::string& install_token,
                                   const std::string& source,
                                   std::function<void(Result<relay::Admission>)> done) {
  if (!access_ || public_key.size() != kEd25519PublicKeyBytes) {
    return done(MakeError("unauthenticated", "access agents are not accepted"));
  }
  boost::asio::post(pool_, [this, public_key, install_token, source, done = std::move(done)] {
    Ed25519PublicKey key{};
    std::copy(public_key.begin(), public_key.end(), key.begin());
    auto s = access_->Admit(key, install_token, source);
    if (!s) return done(s.error());
    relay::Admission a{s->id, s->name, "guest", false};
    a.session_type = manager::SessionTypeName(manager::SessionType::kAccess);
    done(std::move(a));
  });
}

void RelayBridge::AdmitHost(const std::string& token, const std::string& source,
                            std::function<void(Result<relay::Admission>)> done) {
  boost::asio::post(pool_, [this, token, source, done = std::move(done)] {
    auto a = manager_.AdmitHostByToken(token, source);
    if (!a) return done(a.error());
    // Hosts of support sessions always need the guest's consent (docs/protocol.md 5.5).
    relay::Admission admission{a->session.id, a->session.name, a->username, false, /*consent_required=*/true};
    admission.user_id = a->user_id;
    admission.api_token_id = a->api_token_id;
    admission.not_after = a->not_after;
    admission.session_type = manager::SessionTypeName(a->session.type);
    admission.may_end_session = a->may_end_session;
    admission.may_transfer_files = a->may_transfer_files;
    done(std::move(admission));
  });
}

void RelayBridge::RecordEvent(const std::string& session_id, const std::string& kind,
                              const std::string& actor, const std::string& detail) {
  boost::asio::post(events_, [this, session_id, kind, actor, detail] {
    (void)manager_.AppendEvent(session_id, kind, actor, detail);
  });
}

void RelayBridge::EndSession(const std::string& session_id, const std::string& actor) {
  boost::asio::post(events_, [this, session_id, actor] {
    (void)manager_.EndSession(session_id, manager::Actor{actor, "relay"});
  });
}

void RelayBridge::AgentUninstalled(const std::string& session_id) {
  boost::asio::post(events_, [this, session_id] {
    (void)manager_.AppendEvent(session_id, "agent_uninstalled", "guest", "tether-agent uninstall");
    (void)manager_.EndSession(session_id, manager::Actor{"guest", "relay"});
  });
}

void RelayBridge::RefusedAddress(const std::string& source) {
  boost::asio::post(pool_, [this, source] { manager_.AuditRefusedAddress("relay", source, "relay connection"); });
}

void RelayBridge::UpdateGuestInfo(const std::string& session_id, const relay::GuestFacts& facts) {
  // On the events strand: after the guest_connected event the relay recorded before it.
  boost::asio::post(events_, [this, session_id, facts] {
    manager::GuestInfo info;
    info.machine = facts.machine;
    info.os = facts.os;
    info.user = facts.user;
    info.agent_version = facts.agent_version;
    info.address = facts.address;
    (void)manager_.UpdateGuestInfo(session_id, info);
  });
}

std::shared_ptr<net::FrameSink> RelayBridge::AttachHost(const web::HostGrant& grant,
                                                        std::shared_ptr<net::FrameLink> link) {
  relay::Admission admission{grant.session_id, grant.session_name, grant.username, grant.view_only,
                             grant.consent_required};
  admission.user_id = grant.user_id;
  admission.api_token_id = grant.api_token_id;
  admission.not_after = grant.not_after;
  admission.may_end_session = grant.may_end_session;
  admission.may_transfer_files = grant.may_transfer_files;
  admission.session_type = grant.session_type;
  return relay_->Accept(std::move(link), std::move(admission));
}

std::optional<web::GuestThumbnail> RelayBridge::LatestThumbnail(const std::string& session_id) {
  if (!relay_) return std::nullopt;
  auto kept = relay_->Thumbnail(session_id);
  if (!kept) return std::nullopt;
  return web::GuestThumbnail{kept->jpeg, kept->captured_at};
}

void RelayBridge::OnSessionEnded(const std::string& session_id, const std::string& reason) {
  if (relay_) relay_->EndSession(session_id, reason);
}

void RelayBridge::OnUserRevoked(int64_t user_id, const std::string& /*username*/) {
  if (relay_) relay_->CloseUser(user_id, "your access was revoked; log in again");
}

void RelayBridge::OnApiTokenRevoked(const std::string& token_id) {
  if (relay_) relay_->CloseApiToken(token_id, "the API token was revoked");
}

}  // namespace tether::app
