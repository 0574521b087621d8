#include "server/relay/session_hub.h"

#include <algorithm>

#include "server/relay/guest_info_check.h"
#include "server/relay/relay_endpoint.h"
#include "server/relay/session_hub_frames.h"
#include "wire/control.h"

namespace tether::relay {
namespace {

constexpr auto kRefreshInterval = std::chrono::milliseconds(200);

// First byte of a VideoMessage payload: the tag of its oneof field.
constexpr uint8_t kTagAck = (2 << 3) | 2;
constexpr uint8_t kTagRefresh = (3 << 3) | 2;
constexpr uint8_t kTagCursorShape = (4 << 3) | 2;

std::span<const uint8_t> Payload(const net::FrameBytes& frame) {
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(frame->data()) + wire::kHeaderSize,
                                  frame->size() - wire::kHeaderSize);
}

uint8_t FirstPayloadByte(const net::FrameBytes& frame) {
  return frame->size() > wire::kHeaderSize ? static_cast<uint8_t>((*frame)[wire::kHeaderSize]) : 0;
}

}  // namespace

using hub_frames::ConsentStateFrame;
using hub_frames::Control;
using hub_frames::ReleaseAllFrame;

SessionHub::SessionHub(Relay& relay, Admission session) : relay_(relay), session_(std::move(session)) {}

bool SessionHub::Empty() {
  std::lock_guard lock(mu_);
  return !guest_ && hosts_.empty();
}

v1::PeerEvent SessionHub::PeerEventLocked(v1::PeerEvent::Kind kind, const RelayEndpoint& who) {
  v1::PeerEvent e;
  e.set_kind(kind);
  e.set_role(who.IsGuest() ? v1::ENDPOINT_ROLE_GUEST : v1::ENDPOINT_ROLE_HOST);
  e.set_endpoint_id(who.Id());
  e.set_display_name(who.DisplayName());
  e.set_hosts(static_cast<uint32_t>(hosts_.size()));
  e.set_guest(guest_ != nullptr);
  if (!who.IsGuest() && who.consent == RelayEndpoint::Consent::kNotRequired) e.set_without_consent(true);
  return e;
}

void SessionHub::BroadcastPeerEventLocked(v1::PeerEvent::Kind kind, const RelayEndpoint& who) {
  v1::ControlMessage msg;
  *msg.mutable_peer_event() = PeerEventLocked(kind, who);
  auto frame = Control(msg);
  if (guest_) guest_->Send(frame);
  for (auto& h : hosts_) h->Send(frame);
}

void SessionHub::Join(const std::shared_ptr<RelayEndpoint>& ep) {
  std::lock_guard lock(mu_);
  if (ep->IsGuest()) {
    if (guest_) {
      guest_->Fail(v1::ERROR_CODE_FORBIDDEN, "replaced by a newer guest connection");
      relay_.Counters().guests.Add(-1);
    }
    guest_ = ep;
    guest_consented_ = false;
    DropThumbnailLocked();
    monitor_layout_.reset();
    cursor_shape_.reset();
    last_ack_forwarded_ = 0;
    relay_.Counters().guests.Add(1);
    for (auto& h : hosts_) h->awaiting_key = true;
    BroadcastPeerEventLocked(v1::PeerEvent::KIND_JOINED, *ep);
    relay_.Directory().RecordEvent(session_.session_id, "guest_connected", "guest", ep->DisplayName());
    // The new guest learns who is already here, and is asked about every host that waits.
    // Consent belongs to one guest connection: a guest that comes back is asked again.
    for (auto& h : hosts_) {
      v1::ControlMessage present;
      *present.mutable_peer_event() = PeerEventLocked(v1::PeerEvent::KIND_JOINED, *h);
      ep->SendControl(present);
    }
    for (auto& h : hosts_) {
      if (h->consent == RelayEndpoint::Consent::kGranted) {  // granted by a replaced connection
        h->Send(ConsentStateFrame(v1::ConsentState::STATE_WAITING));
        h->consent = RelayEndpoint::Consent::kWaiting;
      }
      if (h->consent == RelayEndpoint::Consent::kAsked) h->consent = RelayEndpoint::Consent::kWaiting;
      if (h->consent == RelayEndpoint::Consent::kWaiting) AskConsentLocked(*h);
    }
    return;
  }
  hosts_.push_back(ep);
  relay_.Counters().hosts.Add(1);
  ep->awaiting_key = true;
  ep->consent = ep->ConsentRequired() ? RelayEndpoint::Consent::kWaiting : RelayEndpoint::Consent::kNotRequired;
  if (ep->Sees()) {
    if (monitor_layout_) ep->Send(monitor_layout_);
    if (cursor_shape_) ep->Send(cursor_shape_);
  }
  v1::ControlMessage vo;
  vo.mutable_view_only()->set_view_only(ep->view_only);
  ep->Send(Control(vo));
  if (!ep->Sees()) ep->Send(ConsentStateFrame(v1::ConsentState::STATE_WAITING));
  BroadcastPeerEventLocked(v1::PeerEvent::KIND_JOINED, *ep);
  // "host_joined" means the host sees the screen; until the guest allows it, the host waits.
  if (ep->Sees()) {
    // An access session's host whose rights spare the question: that too is a decision.
    if (ep->consent == RelayEndpoint::Consent::kNotRequired && !ep->IsMeeting()) {
      relay_.Directory().RecordEvent(session_.session_id, "consent_skipped", ep->DisplayName(),
                                     "HostSessionWithoutConsent");
    }
    RecordJoinedLocked(*ep);
  } else {
    relay_.Directory().RecordEvent(session_.session_id, "host_waiting", ep->DisplayName(), "");
  }
  if (ep->Sees()) {
    last_refresh_ = {};  // a late joiner needs a key frame now
    RequestKeyFrameLocked();
  } else if (guest_) {
    AskConsentLocked(*ep);
  }
}

void SessionHub::Leave(const std::shared_ptr<RelayEndpoint>& ep) {
  std::lock_guard lock(mu_);
  if (guest_ == ep) {
    guest_.reset();
    guest_consented_ = false;
    DropThumbnailLocked();
    monitor_layout_.reset();
    cursor_shape_.reset();
    relay_.Counters().guests.Add(-1);
    BroadcastPeerEventLocked(v1::PeerEvent::KIND_LEFT, *ep);
    relay_.Directory().RecordEvent(session_.session_id, "guest_disconnected", "guest", "");
    // What the departed connection allowed or was asked dies with it; a withdrawal stands.
    for (auto& h : hosts_) {
      if (h->consent == RelayEndpoint::Consent::kAsked || h->consent == RelayEndpoint::Consent::kGranted) {
        h->consent = RelayEndpoint::Consent::kWaiting;
        h->Send(ConsentStateFrame(v1::ConsentState::STATE_WAITING));
      }
    }
    return;
  }
  auto it = std::find(hosts_.begin(), hosts_.end(), ep);
  if (it == hosts_.end()) return;
  hosts_.erase(it);
  relay_.Counters().hosts.Add(-1);
  // Whatever the departed host held down must not stay pressed on the guest.
  if (guest_ && ep->Sees()) guest_->Send(ReleaseAllFrame());
  BroadcastPeerEventLocked(v1::PeerEvent::KIND_LEFT, *ep);
  relay_.Directory().RecordEvent(session_.session_id, "host_left", ep->DisplayName(), "");
}

void SessionHub::End(v1::ErrorCode code, const std::string& reason) {
  std::vector<std::shared_ptr<RelayEndpoint>> all;
  v1::EndpointRole by = v1::ENDPOINT_ROLE_UNSPECIFIED;
  {
    std::lock_guard lock(mu_);
    if (guest_) all.push_back(guest_);
    all.insert(all.end(), hosts_.begin(), hosts_.end());
    if (code == v1::ERROR_CODE_SESSION_ENDED && ended_by_guest_) by = v1::ENDPOINT_ROLE_GUEST;
  }
  for (auto& ep : all) ep->Fail(code, reason, by);
}

void SessionHub::Sweep() {
  const Clock& clock = relay_.Time();
  const auto now = clock.Steady();
  const int64_t now_unix = clock.NowUnix();
  const int64_t idle_s = relay_.HostIdleSeconds();
  std::vector<ForcedClose> closes;
  {
    std::lock_guard lock(mu_);
    SweepThumbnailLocked(now);
    for (auto& h : hosts_) {
      if (h->forced_out) continue;
      const int64_t not_after = h->Admitted().not_after;
      if (not_after != 0 && now_unix >= not_after) {
        const bool token = !h->Admitted().api_token_id.empty();
        closes.push_back({h, v1::ERROR_CODE_UNAUTHENTICATED,
                          token ? "your API token has expired" : "your login has expired; log in again",
                          token ? "API token expired" : "login expired"});
      } else if (idle_s > 0 && now - h->LastInput() >= std::chrono::seconds(idle_s)) {
        closes.push_back({h, v1::ERROR_CODE_TIMEOUT,
                          "disconnected after " + DurationText(idle_s) + " without input",
                          "no input for " + DurationText(idle_s)});
      }
      if (!closes.empty() && closes.back().host == h) h->forced_out = true;
    }
    SweepConsentLocked(now);
  }
  ForceClose(std::move(closes));
}

size_t SessionHub::CloseHosts(const std::function<bool(const Admission&)>& match, const std::string& reason,
                              const std::string& detail) {
  std::vector<ForcedClose> closes;
  {
    std::lock_guard lock(mu_);
    for (auto& h : hosts_) {
      if (h->forced_out || !match(h->Admitted())) continue;
      h->forced_out = true;
      closes.push_back({h, v1::ERROR_CODE_FORBIDDEN, reason, detail});
    }
  }
  const size_t n = closes.size();
  ForceClose(std::move(closes));
  return n;
}

void SessionHub::ForceClose(std::vector<ForcedClose> closes) {
  for (auto& c : closes) {
    relay_.Counters().forced_disconnects.Add();
    relay_.Directory().RecordEvent(session_.session_id, "forced_disconnect", c.host->DisplayName(), c.detail);
    c.host->Fail(c.code, c.message);
  }
}

void SessionHub::Route(RelayEndpoint& from, const wire::FrameHeader& header, const net::FrameBytes& frame) {
  if (from.IsGuest()) {
    FromGuest(from, header, frame);
  } else {
    FromHost(from, header, frame);
  }
}

void SessionHub::SendToHost(RelayEndpoint& host, const net::FrameBytes& frame, bool droppable) {
  if (droppable && host.awaiting_key) return;
  net::SendResult r = host.Send(frame);
  relay_.Counters().frames_to_host.Add();
  if (r == net::SendResult::kDroppedVideo) {
    relay_.Counters().video_dropped.Add();
    host.awaiting_key = true;
    RequestKeyFrameLocked();
  }
}

void SessionHub::ForwardToGuestLocked(const net::FrameBytes& frame) {
  if (!guest_) return;
  guest_->Send(frame);
  relay_.Counters().frames_to_guest.Add();
}

void SessionHub::RequestKeyFrameLocked() {
  auto now = std::chrono::steady_clock::now();
  if (!guest_ || now - last_refresh_ < kRefreshInterval) return;
  last_refresh_ = now;
  v1::VideoMessage refresh;
  refresh.mutable_refresh();
  guest_->Send(std::make_shared<const std::string>(wire::EncodeVideoFrame(refresh)));
}

void SessionHub::FromGuest(RelayEndpoint& from, const wire::FrameHeader& h, const net::FrameBytes& frame) {
  std::lock_guard lock(mu_);
  // Only hosts the guest let in see its screen, cursor, layout, clipboard and files.
  switch (h.channel) {
    case wire::Channel::kVideo: {
      if (h.flags & wire::kFlagDroppable) {
        const bool key = (h.flags & wire::kFlagKeyFrame) != 0;
        bool someone_waits = false;
        for (auto& host : hosts_) {
          if (!host->Sees()) continue;
          if (key) host->awaiting_key = false;
          SendToHost(*host, frame, /*droppable=*/true);
          someone_waits |= host->awaiting_key;
        }
        // Keep asking (rate-limited) while any host still waits for a picture it can start from.
        if (someone_waits) RequestKeyFrameLocked();
        return;
      }
      if (FirstPayloadByte(frame) == kTagCursorShape) cursor_shape_ = frame;
      for (auto& host : hosts_) {
        if (host->Sees()) SendToHost(*host, frame, false);
      }
      return;
    }
    case wire::Channel::kControl: {
      auto msg = wire::DecodeControl(Payload(frame));
      if (!msg) return;
      if (msg->has_monitor_layout()) {
        monitor_layout_ = frame;
        for (auto& host : hosts_) {
          if (host->Sees()) SendToHost(*host, frame, false);
        }
      } else if (msg->has_consent_response()) {
        OnConsentResponseLocked(msg->consent_response());
      } else if (msg->has_consent_withdraw()) {
        OnConsentWithdrawLocked(msg->consent_withdraw().endpoint_id());
      } else if (msg->has_guest_info()) {
        OnGuestInfoLocked(from, msg->guest_info());
      } else if (msg->has_thumbnail()) {
        OnThumbnailLocked(*msg->mutable_thumbnail());
      } else if (msg->has_end_session()) {
        ended_by_guest_ = true;
        relay_.Directory().EndSession(session_.session_id, "guest");
      }
      return;
    }
    case wire::Channel::kClipboard:
    case wire::Channel::kFile:
      for (auto& host : hosts_) {
        if (host->Sees()) SendToHost(*host, frame, false);
      }
      return;
    case wire::Channel::kChat:  // talking needs no consent
      for (auto& host : hosts_) SendToHost(*host, frame, false);
      return;
    case wire::Channel::kInput:
      return;  // guests do not send input
  }
}

void SessionHub::FromHost(RelayEndpoint& from, const wire::FrameHeader& h, const net::FrameBytes& frame) {
  std::lock_guard lock(mu_);
  if (!from.Sees()) {
    // Until the guest allows it, a host may talk, change its view-only wish, end the session
    // or ask again after a withdrawal; nothing it sends reaches the guest's machine.
    if (h.channel == wire::Channel::kChat) {
      ForwardToGuestLocked(frame);
      return;
    }
    if (h.channel != wire::Channel::kControl) {
      if (h.channel != wire::Channel::kVideo) relay_.Counters().dropped_no_consent.Add();
      return;
    }
    auto msg = wire::DecodeControl(Payload(frame));
    if (!msg) return;
    if (msg->has_consent_request() && from.MayAskAgain()) {
      from.consent = RelayEndpoint::Consent::kWaiting;
      from.Send(ConsentStateFrame(v1::ConsentState::STATE_WAITING));
      if (guest_) AskConsentLocked(from);
      return;
    }
    if (!msg->has_view_only() && !msg->has_end_session()) return;
  }
  switch (h.channel) {
    case wire::Channel::kInput:
      if (from.view_only) {
        relay_.Counters().input_dropped_view_only.Add();
        return;
      }
      ForwardToGuestLocked(frame);
      return;
    case wire::Channel::kVideo: {
      const uint8_t tag = FirstPayloadByte(frame);
      if (tag == kTagAck) {
        // The first host to acknowledge a frame paces the guest; slower hosts drop frames.
        auto msg = wire::DecodeVideo(Payload(frame));
        if (!msg || !msg->has_ack() || msg->ack().frame_id() <= last_ack_forwarded_) return;
        last_ack_forwarded_ = msg->ack().frame_id();
        ForwardToGuestLocked(frame);
      } else if (tag == kTagRefresh) {
        from.awaiting_key = true;
        RequestKeyFrameLocked();
      }
      return;
    }
    case wire::Channel::kControl: {
      auto msg = wire::DecodeControl(Payload(frame));
      if (!msg) return;
      if (msg->has_view_only()) {
        // A host may always give up control; it may take it back only if admitted with control.
        bool want = msg->view_only().view_only();
        from.view_only = want || from.AdmittedViewOnly();
        v1::ControlMessage state;
        state.mutable_view_only()->set_view_only(from.view_only);
        from.Send(Control(state));
      } else if (msg->has_select_monitor()) {
        if (from.view_only) return;  // choosing what everyone sees is control
        ForwardToGuestLocked(frame);
        for (auto& host : hosts_) host->awaiting_key = true;
      } else if (msg->has_end_session()) {
        // A meeting's viewers leave by closing; the meeting ends from the panel or the presenter.
        if (from.IsMeeting()) return;
        if (!from.MayEndSession()) {  // the role lacks EndSession
          relay_.Counters().dropped_not_permitted.Add();
          return;
        }
        relay_.Directory().EndSession(session_.session_id, from.DisplayName());
      }
      return;
    }
    case wire::Channel::kClipboard:
    case wire::Channel::kFile:
      if (h.channel == wire::Channel::kFile && !from.MayTransferFiles()) {  // the role lacks TransferFiles
        relay_.Counters().dropped_not_permitted.Add();
        return;
      }
      if (from.view_only) {
        relay_.Counters().input_dropped_view_only.Add();
        return;
      }
      ForwardToGuestLocked(frame);
      return;
    case wire::Channel::kChat:
      ForwardToGuestLocked(frame);
      return;
  }
}

// Recorded once per guest connection; a second one is ignored, so a guest cannot keep the store
// busy. A malformed one closes the connection like any protocol error.
void SessionHub::OnGuestInfoLocked(RelayEndpoint& guest, const v1::GuestInfo& info) {
  if (guest.guest_info_recorded) {
    relay_.Counters().guest_info_ignored.Add();
    return;
  }
  auto facts = CheckGuestInfo(info, guest.PeerAddress());
  if (!facts) {
    relay_.Counters().rejected.Add();
    return guest.Fail(v1::ERROR_CODE_PROTOCOL, facts.error().message);
  }
  guest.guest_info_recorded = true;
  relay_.Directory().UpdateGuestInfo(session_.session_id, *facts);
}

RelayEndpoint* SessionHub::FindHostLocked(uint64_t endpoint_id) {
  for (auto& h : hosts_) {
    if (h->Id() == endpoint_id) return h.get();
  }
  return nullptr;
}

}  // namespace tether::relay
