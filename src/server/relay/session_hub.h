#pragma once
// SessionHub: the live endpoints of one session and the routing between them. Guest video fans
// out to every host (a host that falls behind drops superseded frames and waits for a key
// frame, never slowing the others); host input goes to the guest unless the host is view-only;
// late joiners get the cached monitor layout and cursor and a fresh key frame. A host that needs
// the guest's consent sees and controls nothing until the guest allows it (docs/protocol.md
// section 5.5). It keeps the latest thumbnail of the guest's screen while someone on the panel
// looks, and only what the guest's consent allows (section 5.7). One mutex guards the
// membership; sends only enqueue, so it is never held across I/O.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/frame_link.h"
#include "server/relay/relay.h"
#include "tether/v1/control.pb.h"
#include "wire/frame.h"

namespace tether::relay {

class RelayEndpoint;

class SessionHub {
 public:
  SessionHub(Relay& relay, Admission session);

  void Join(const std::shared_ptr<RelayEndpoint>& ep);
  void Leave(const std::shared_ptr<RelayEndpoint>& ep);
  // A frame from a joined endpoint (header already validated).
  void Route(RelayEndpoint& from, const wire::FrameHeader& header, const net::FrameBytes& frame);
  // Tells everyone why they are being disconnected (SESSION_ENDED, or SHUTTING_DOWN so they
  // reconnect later) and closes them.
  void End(v1::ErrorCode code, const std::string& reason);
  // Closes hosts past a time limit (no input for RelayOptions::host_idle_seconds, web login
  // expired), each with a SessionError and a "forced_disconnect" event naming the reason;
  // denies consent questions left open too long and lets grants past their lifetime lapse
  // (RelayOptions::consent).
  void Sweep();
  // Closes the hosts whose admission `match` accepts (access revoked), each with FORBIDDEN and
  // `reason`, and a "forced_disconnect" event with `detail`; how many.
  size_t CloseHosts(const std::function<bool(const Admission&)>& match, const std::string& reason,
                    const std::string& detail);
  // The latest thumbnail, and a note that someone looks (Relay::Thumbnail).
  std::optional<KeptThumbnail> Thumbnail();
  bool Empty();
  const std::string& SessionId() const { return session_.session_id; }

 private:
  void FromGuest(RelayEndpoint& from, const wire::FrameHeader& h, const net::FrameBytes& frame);
  void OnGuestInfoLocked(RelayEndpoint& guest, const v1::GuestInfo& info);
  // Thumbnails (all with mu_ held).
  bool ThumbnailsAllowedLocked() const;
  void SweepThumbnailLocked(std::chrono::steady_clock::time_point now);
  void AskThumbnailLocked(std::chrono::steady_clock::time_point now);
  void OnThumbnailLocked(v1::Thumbnail& thumbnail);
  void DropThumbnailLocked();
  void FromHost(RelayEndpoint& from, const wire::FrameHeader& h, const net::FrameBytes& frame);
  void SendToHost(RelayEndpoint& host, const net::FrameBytes& frame, bool droppable);
  void ForwardToGuestLocked(const net::FrameBytes& frame);  // a host's frame, if a guest is here
  void RequestKeyFrameLocked();
  void BroadcastPeerEventLocked(v1::PeerEvent::Kind kind, const RelayEndpoint& who);
  v1::PeerEvent PeerEventLocked(v1::PeerEvent::Kind kind, const RelayEndpoint& who);
  // Consent (all with mu_ held).
  void AskConsentLocked(RelayEndpoint& host);
  void StartViewingLocked(RelayEndpoint& host);
  void RecordJoinedLocked(RelayEndpoint& host);
  void OnConsentResponseLocked(const v1::ConsentResponse& r);
  void OnConsentWithdrawLocked(uint64_t endpoint_id);
  void DenyLocked(RelayEndpoint& host, bool timed_out);
  void SweepConsentLocked(std::chrono::steady_clock::time_point now);
  void UnsharedLocked();
  RelayEndpoint* FindHostLocked(uint64_t endpoint_id);
  struct ForcedClose {
    std::shared_ptr<RelayEndpoint> host;
    v1::ErrorCode code;
    std::string message;  // to the endpoint
    std::string detail;   // in the session event
  };
  // Sends each its SessionError, records the events; mu_ not held.
  void ForceClose(std::vector<ForcedClose> closes);

  Relay& relay_;
  Admission session_;
  std::mutex mu_;
  std::shared_ptr<RelayEndpoint> guest_;
  std::vector<std::shared_ptr<RelayEndpoint>> hosts_;
  net::FrameBytes monitor_layout_;  // last MonitorLayout frame from the guest
  net::FrameBytes cursor_shape_;    // last CursorShape frame from the guest
  uint64_t last_ack_forwarded_ = 0;
  std::chrono::steady_clock::time_point last_refresh_{};
  bool ended_by_guest_ = false;  // the guest sent EndSession: SESSION_ENDED says so
  // The current guest connection let some host see its screen (and has not withdrawn from all).
  bool guest_consented_ = false;
  KeptThumbnail thumbnail_;  // empty jpeg: none
  std::chrono::steady_clock::time_point thumbnail_wanted_{};  // last Thumbnail() call
  std::chrono::steady_clock::time_point thumbnail_asked_{};   // last ThumbnailRequest sent
  bool thumbnail_pending_ = false;  // a ThumbnailRequest awaits its answer
};

}  // namespace tether::relay
