#include "server/relay/relay.h"

#include "server/relay/relay_endpoint.h"
#include "server/relay/session_hub.h"

namespace tether::relay {

RelayMetrics::RelayMetrics(Metrics& m)
    : handshakes(m.Counter("tether_relay_handshakes_total", "Relay handshakes completed")),
      rejected(m.Counter("tether_relay_rejected_total", "Relay connections refused (protocol, auth)")),
      frames_to_host(m.Counter("tether_relay_frames_total{direction=\"to_host\"}", "Frames forwarded by the relay")),
      frames_to_guest(m.Counter("tether_relay_frames_total{direction=\"to_guest\"}", "Frames forwarded by the relay")),
      video_dropped(m.Counter("tether_relay_video_dropped_total", "Video frames dropped for slow viewers")),
      input_dropped_view_only(m.Counter("tether_relay_input_dropped_view_only_total",
                                        "Input events dropped because the host is view-only")),
      dropped_no_consent(m.Counter("tether_relay_dropped_no_consent_total",
                                   "Host input, clipboard and file frames dropped for want of the guest's consent")),
      dropped_not_permitted(m.Counter("tether_relay_dropped_not_permitted_total",
                                      "Host file frames and EndSession requests dropped because the user's role lacks the permission")),
      guest_info_ignored(m.Counter("tether_relay_guest_info_ignored_total",
                                   "GuestInfo messages beyond the first of a guest connection, ignored")),
      thumbnails(m.Counter("tether_relay_thumbnails_total", "Guest screen thumbnails received and kept")),
      thumbnails_ignored(m.Counter("tether_relay_thumbnails_ignored_total",
                                   "Guest screen thumbnails ignored (not asked for, or not allowed)")),
      live_sessions(m.Gauge("tether_relay_sessions_live", "Sessions with at least one endpoint connected")),
      guests(m.Gauge("tether_relay_guests", "Guest endpoints connected")),
      hosts(m.Gauge("tether_relay_hosts", "Host endpoints connected")),
      forced_disconnects(m.Counter("tether_relay_forced_disconnects_total",
                                   "Endpoints closed by a time limit or a revocation")) {}

Relay::Relay(RelayDirectory& directory, Metrics& metrics, RelayOptions options)
    : directory_(directory), metrics_(metrics), options_(options) {}

Relay::~Relay() { CloseAll(); }

std::shared_ptr<net::FrameSink> Relay::Accept(std::shared_ptr<net::FrameLink> link,
                                              std::optional<Admission> host) {
  const bool refused = !host && options_.admit && !options_.admit(link->PeerAddress());
  const std::string address = link->PeerAddress();
  auto endpoint = std::make_shared<RelayEndpoint>(*this, std::move(link), std::move(host));
  if (refused) {
    metrics_.rejected.Add();
    directory_.RefusedAddress(address);
    endpoint->Refuse(v1::ERROR_CODE_FORBIDDEN, "connections from your address are not allowed");
  }
  return endpoint;
}

std::shared_ptr<SessionHub> Relay::Hub(const Admission& admission) {
  std::lock_guard lock(mu_);
  auto& hub = hubs_[admission.session_id];
  if (!hub) {
    hub = std::make_shared<SessionHub>(*this, admission);
    metrics_.live_sessions.Set(static_cast<int64_t>(hubs_.size()));
  }
  return hub;
}

void Relay::ReleaseIfEmpty(const std::string& session_id) {
  std::lock_guard lock(mu_);
  auto it = hubs_.find(session_id);
  if (it != hubs_.end() && it->second->Empty()) hubs_.erase(it);
  metrics_.live_sessions.Set(static_cast<int64_t>(hubs_.size()));
}

void Relay::EndSession(const std::string& session_id, const std::string& reason) {
  std::shared_ptr<SessionHub> hub;
  {
    std::lock_guard lock(mu_);
    auto it = hubs_.find(session_id);
    if (it == hubs_.end()) return;
    hub = it->second;
  }
  hub->End(v1::ERROR_CODE_SESSION_ENDED, reason);
}

void Relay::CloseAll() {
  for (auto& hub : Snapshot()) hub->End(v1::ERROR_CODE_SHUTTING_DOWN, "the server is shutting down");
}

std::vector<std::shared_ptr<SessionHub>> Relay::Snapshot() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<SessionHub>> out;
  out.reserve(hubs_.size());
  for (auto& [id, hub] : hubs_) out.push_back(hub);
  return out;
}

void Relay::Sweep() {
  for (auto& hub : Snapshot()) hub->Sweep();
}

size_t Relay::CloseUser(int64_t user_id, const std::string& reason) {
  size_t closed = 0;
  if (user_id == 0) return 0;
  for (auto& hub : Snapshot()) {
    closed += hub->CloseHosts([&](const Admission& a) { return a.user_id == user_id; }, reason, "access revoked");
  }
  return closed;
}

size_t Relay::CloseApiToken(const std::string& token_id, const std::string& reason) {
  size_t closed = 0;
  if (token_id.empty()) return 0;
  for (auto& hub : Snapshot()) {
    closed += hub->CloseHosts([&](const Admission& a) { return a.api_token_id == token_id; }, reason,
                              "API token revoked");
  }
  return closed;
}

std::optional<KeptThumbnail> Relay::Thumbnail(const std::string& session_id) {
  std::shared_ptr<SessionHub> hub;
  {
    std::lock_guard lock(mu_);
    auto it = hubs_.find(session_id);
    if (it == hubs_.end()) return std::nullopt;
    hub = it->second;
  }
  return hub->Thumbnail();
}

size_t Relay::LiveSessions() {
  std::lock_guard lock(mu_);
  return hubs_.size();
}

}  // namespace tether::relay
