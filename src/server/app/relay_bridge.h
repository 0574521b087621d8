#pragma once
// RelayBridge: the composition root's glue between the three services. It gives the Relay its
// RelayDirectory (admission and events, run on the blocking pool), gives the Web Server its
// HostGateway (browser viewers into the Relay) and ThumbnailSource (the relay's guest screen
// thumbnails), and closes live connections when the Session Manager ends a session.
// Thread-safe. Everything it borrows must outlive it.
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "server/manager/access_agents.h"
#include "server/manager/guest_join.h"
#include "server/manager/session_manager.h"
#include "server/relay/relay.h"
#include "server/relay/relay_directory.h"
#include "server/web/host_gateway.h"
#include "server/web/thumbnail_source.h"

namespace tether::app {

class RelayBridge final : public relay::RelayDirectory,
                          public web::HostGateway,
                          public web::ThumbnailSource,
                          public manager::SessionObserver {
 public:
  RelayBridge(manager::SessionManager& manager, boost::asio::thread_pool& pool)
      : manager_(manager), pool_(pool), events_(boost::asio::make_strand(pool)) {}
  // Set once during wiring, before any connection is accepted.
  void SetRelay(relay::Relay* relay) { relay_ = relay; }
  // Set once during wiring: admits guests with signed agent configurations (join tokens).
  void SetGuestJoin(manager::GuestJoin* guest_join) { guest_join_ = guest_join; }
  // Set once during wiring: admits access (unattended) agents by their keys.
  void SetAccessAgents(manager::AccessAgents* access) { access_ = access; }

  // RelayDirectory
  void AdmitGuest(const std::string& code, const std::string& source,
                  std::function<void(Result<relay::Admission>)> done) override;
  void AdmitGuestByToken(const std::string& join_token, const std::string& resume_token,
                         const std::string& source,
                         std::function<void(Result<relay::Admission>)> done) override;
  void AdmitAccessAgent(const std::string& public_key, const std::string& install_token,
                        const std::string& source,
                        std::function<void(Result<relay::Admission>)> done) override;
  void AdmitHost(const std::string& token, const std::string& source,
                 std::function<void(Result<relay::Admission>)> done) override;
  void RecordEvent(const std::string& session_id, const std::string& kind,
                   const std::string& actor, const std::string& detail) override;
  void EndSession(const std::string& session_id, const std::string& actor) override;
  void RefusedAddress(const std::string& source) override;
  void UpdateGuestInfo(const std::string& session_id, const relay::GuestFacts& facts) override;
  void AgentUninstalled(const std::string& session_id) override;

  // HostGateway
  std::shared_ptr<net::FrameSink> AttachHost(const web::HostGrant& grant,
                                             std::shared_ptr<net::FrameLink> link) override;

  // ThumbnailSource
  std::optional<web::GuestThumbnail> LatestThumbnail(const std::string& session_id) override;

  // SessionObserver
  void OnSessionEnded(const std::string& session_id, const std::string& reason) override;
  void OnUserRevoked(int64_t user_id, const std::string& username) override;
  void OnApiTokenRevoked(const std::string& token_id) override;

 private:
  manager::SessionManager& manager_;
  boost::asio::thread_pool& pool_;
  // Session events and session ends, one after the other in the order the relay gave them, so
  // a timeline reads host_waiting, consent_asked, consent_granted, host_joined, ..., ended.
  boost::asio::strand<boost::asio::thread_pool::executor_type> events_;
  relay::Relay* relay_ = nullptr;
  manager::GuestJoin* guest_join_ = nullptr;
  manager::AccessAgents* access_ = nullptr;
};

}  // namespace tether::app
