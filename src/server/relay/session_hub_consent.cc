// SessionHub, the guest's consent: questions to the guest, their answers, withdrawal and the
// lifetimes of questions and grants ([security.consent]). Under the hub's mutex.
#include <algorithm>

#include "server/relay/relay_endpoint.h"
#include "server/relay/session_hub.h"
#include "server/relay/session_hub_frames.h"

namespace tether::relay {
namespace {

// How long past the prompt's own deadline the relay waits for the agent's answer before it
// denies by itself (a slow link, or an agent that would keep the question open).
constexpr auto kConsentGrace = std::chrono::seconds(5);

}  // namespace

using hub_frames::ConsentStateFrame;
using hub_frames::ReleaseAllFrame;
using hub_frames::VoidConsentFrame;

// Consent in time: a question left unanswered past its deadline is denied; a grant older
// than its lifetime lapses exactly like a withdrawal (the host may ask again).
void SessionHub::SweepConsentLocked(std::chrono::steady_clock::time_point now) {
  if (!guest_) return;
  const ConsentTimes times = relay_.Consent();
  bool lapsed = false;
  for (auto& h : hosts_) {
    if (h->consent == RelayEndpoint::Consent::kAsked) {
      if (now < h->answer_by) continue;
      guest_->Send(VoidConsentFrame(h->Id()));
      DenyLocked(*h, /*timed_out=*/true);
    } else if (h->consent == RelayEndpoint::Consent::kGranted && times.grant_lifetime_seconds > 0 &&
               now - h->granted_at >= std::chrono::seconds(times.grant_lifetime_seconds)) {
      h->consent = RelayEndpoint::Consent::kExpired;
      h->Send(ConsentStateFrame(v1::ConsentState::STATE_EXPIRED));
      guest_->Send(VoidConsentFrame(h->Id()));
      relay_.Directory().RecordEvent(session_.session_id, "consent_expired", "timeout", h->DisplayName());
      lapsed = true;
    }
  }
  // Nothing a host whose grant lapsed held down may stay pressed.
  if (!lapsed) return;
  guest_->Send(ReleaseAllFrame());
  UnsharedLocked();
}

void SessionHub::AskConsentLocked(RelayEndpoint& host) {
  const int64_t timeout = std::clamp<int64_t>(relay_.Consent().prompt_timeout_seconds, 1, 86400);
  // The guest shows one prompt at a time, each with its full time: the n-th open question may
  // take n prompt times.
  const auto open = std::count_if(hosts_.begin(), hosts_.end(), [](const auto& h) {
    return h->consent == RelayEndpoint::Consent::kAsked;
  });
  host.consent = RelayEndpoint::Consent::kAsked;
  host.answer_by = relay_.Time().Steady() + (open + 1) * std::chrono::seconds(timeout) + kConsentGrace;
  v1::ControlMessage ask;
  ask.mutable_consent_request()->set_endpoint_id(host.Id());
  ask.mutable_consent_request()->set_technician(host.DisplayName());
  ask.mutable_consent_request()->set_timeout_seconds(static_cast<uint32_t>(timeout));
  guest_->SendControl(ask);
  relay_.Directory().RecordEvent(session_.session_id, "consent_asked", host.DisplayName(), "");
}

// Once per host connection: the first time it sees the screen.
void SessionHub::RecordJoinedLocked(RelayEndpoint& host) {
  if (host.joined) return;
  host.joined = true;
  relay_.Directory().RecordEvent(session_.session_id, "host_joined", host.DisplayName(), "");
}

// The host was let in: it gets what a host joining an unguarded session gets, and a key frame.
void SessionHub::StartViewingLocked(RelayEndpoint& host) {
  host.Send(ConsentStateFrame(v1::ConsentState::STATE_GRANTED));
  if (monitor_layout_) host.Send(monitor_layout_);
  if (cursor_shape_) host.Send(cursor_shape_);
  host.awaiting_key = true;
  last_refresh_ = {};
  RequestKeyFrameLocked();
}

void SessionHub::OnConsentResponseLocked(const v1::ConsentResponse& r) {
  RelayEndpoint* host = FindHostLocked(r.endpoint_id());
  // Only a question this guest connection was asked can be answered.
  if (!host || host->consent != RelayEndpoint::Consent::kAsked) return;
  if (r.granted()) {
    host->consent = RelayEndpoint::Consent::kGranted;
    guest_consented_ = true;
    host->granted_at = relay_.Time().Steady();
    relay_.Directory().RecordEvent(session_.session_id, "consent_granted", "guest", host->DisplayName());
    RecordJoinedLocked(*host);
    StartViewingLocked(*host);
    return;
  }
  DenyLocked(*host, r.timed_out());
}

// The guest said no, or nobody answered in time (the event's actor says which).
void SessionHub::DenyLocked(RelayEndpoint& host, bool timed_out) {
  host.consent = RelayEndpoint::Consent::kDenied;
  relay_.Directory().RecordEvent(session_.session_id, "consent_denied", timed_out ? "timeout" : "guest",
                                 host.DisplayName());
  host.Send(ConsentStateFrame(v1::ConsentState::STATE_DENIED, timed_out));
  host.Fail(v1::ERROR_CODE_FORBIDDEN,
            timed_out ? "the guest did not answer in time" : "the guest denied the connection");
}

void SessionHub::OnConsentWithdrawLocked(uint64_t endpoint_id) {
  bool any = false;
  for (auto& h : hosts_) {
    if (h->consent != RelayEndpoint::Consent::kGranted) continue;
    if (endpoint_id != 0 && h->Id() != endpoint_id) continue;
    h->consent = RelayEndpoint::Consent::kWithdrawn;
    h->Send(ConsentStateFrame(v1::ConsentState::STATE_WITHDRAWN));
    relay_.Directory().RecordEvent(session_.session_id, "consent_withdrawn", "guest", h->DisplayName());
    any = true;
  }
  // Nothing a withdrawn host held down may stay pressed.
  if (any && guest_) guest_->Send(ReleaseAllFrame());
  if (any) UnsharedLocked();
}

// When the screen is no longer shared with anyone, neither is its thumbnail.
void SessionHub::UnsharedLocked() {
  if (std::none_of(hosts_.begin(), hosts_.end(),
                   [](const auto& h) { return h->consent == RelayEndpoint::Consent::kGranted; })) {
    guest_consented_ = false;
    DropThumbnailLocked();
  }
}

}  // namespace tether::relay
