// SessionHub consent policy with fake links and a fake directory: a host sees and controls
// nothing until the guest allows it; a denial disconnects it; a withdrawal stops the video at
// once; every decision is a session event with the right names.
#include "server/relay/session_hub.h"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>

#include "base/metrics.h"
#include "server/relay/fake_relay_peers.h"
#include "server/relay/relay.h"
#include "wire/control.h"

namespace tether::relay {
namespace {

v1::ControlMessage Withdraw(uint64_t id = 0) {
  v1::ControlMessage m;
  m.mutable_consent_withdraw()->set_endpoint_id(id);
  return m;
}

class SessionHubConsent : public ::testing::Test, public FakeRelayRig {
 protected:
  static std::optional<v1::ConsentState::State> LastConsentState(Peer& p) {
    std::optional<v1::ConsentState::State> s;
    for (auto& m : p.link->TakeControl()) {
      if (m.has_consent_state()) s = m.consent_state().state();
    }
    return s;
  }

  static std::vector<v1::ConsentRequest> Requests(Peer& guest) {
    std::vector<v1::ConsentRequest> out;
    for (auto& m : guest.link->TakeControl()) {
      if (m.has_consent_request()) out.push_back(m.consent_request());
    }
    return out;
  }

};

TEST_F(SessionHubConsent, NoVideoLayoutClipboardOrInputBeforeConsentThenEverything) {
  Peer guest = Guest();
  v1::ControlMessage layout;
  layout.mutable_monitor_layout()->add_monitors()->set_width(64);
  guest.Send(ControlFrame(layout));

  Peer alice = Host("alice");
  EXPECT_EQ(LastConsentState(alice), v1::ConsentState::STATE_WAITING);
  auto asked = Requests(guest);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].technician(), "alice");
  EXPECT_EQ(asked[0].endpoint_id(), alice.id);
  guest.link->Take(wire::Channel::kVideo);  // no refresh request is expected, but clear anyway

  // Before consent: nothing of the guest's reaches alice, nothing of alice's reaches the guest.
  guest.Send(VideoKeyFrame(1));
  guest.Send(Clipboard());
  guest.Send(ControlFrame(layout));
  EXPECT_TRUE(alice.link->Take(wire::Channel::kVideo).empty());
  EXPECT_TRUE(alice.link->Take(wire::Channel::kClipboard).empty());
  for (auto& m : alice.link->TakeControl()) EXPECT_FALSE(m.has_monitor_layout());
  alice.Send(KeyInput());
  alice.Send(Clipboard());
  v1::ControlMessage select;
  select.mutable_select_monitor()->set_monitor(1);
  alice.Send(ControlFrame(select));
  EXPECT_TRUE(guest.link->Take(wire::Channel::kInput).empty());
  EXPECT_TRUE(guest.link->Take(wire::Channel::kClipboard).empty());
  for (auto& m : guest.link->TakeControl()) EXPECT_FALSE(m.has_select_monitor());
  EXPECT_EQ(relay.Counters().dropped_no_consent.Value(), 2);

  // The guest allows alice: she gets the state, the layout and (after a refresh) video.
  guest.Send(ControlFrame(Response(alice.id, true)));
  bool granted = false, got_layout = false;
  for (auto& m : alice.link->TakeControl()) {
    granted |= m.has_consent_state() && m.consent_state().state() == v1::ConsentState::STATE_GRANTED;
    got_layout |= m.has_monitor_layout();
  }
  EXPECT_TRUE(granted);
  EXPECT_TRUE(got_layout);
  EXPECT_EQ(guest.link->Take(wire::Channel::kVideo).size(), 1u) << "the relay asks the guest for a key frame";
  guest.Send(VideoKeyFrame(2));
  EXPECT_EQ(alice.link->Take(wire::Channel::kVideo).size(), 1u);
  alice.Send(KeyInput());
  EXPECT_EQ(guest.link->Take(wire::Channel::kInput).size(), 1u);

  EXPECT_EQ(directory.Consent(), (std::vector<Event>{{"consent_asked", "alice", ""},
                                                     {"consent_granted", "guest", "alice"}}));
}

// A host "joins" when it first sees the screen: before that it waits for the guest's answer,
// and a second grant after a withdrawal is not a second join.
TEST_F(SessionHubConsent, TheHostJoinsWhenTheGuestAllowsIt) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  guest.Send(ControlFrame(Response(alice.id, true)));
  guest.Send(ControlFrame(Withdraw()));
  v1::ControlMessage again;
  again.mutable_consent_request();
  alice.Send(ControlFrame(again));
  guest.Send(ControlFrame(Response(alice.id, true)));
  alice.Close();
  std::vector<Event> hosts;
  for (const auto& e : directory.events) {
    if (e.kind.starts_with("host_") || e.kind.starts_with("consent_")) hosts.push_back(e);
  }
  EXPECT_EQ(hosts, (std::vector<Event>{{"host_waiting", "alice", ""},
                                       {"consent_asked", "alice", ""},
                                       {"consent_granted", "guest", "alice"},
                                       {"host_joined", "alice", ""},
                                       {"consent_withdrawn", "guest", "alice"},
                                       {"consent_asked", "alice", ""},
                                       {"consent_granted", "guest", "alice"},
                                       {"host_left", "alice", ""}}));
}

TEST_F(SessionHubConsent, ConsentIsPerHost) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  guest.Send(ControlFrame(Response(alice.id, true)));
  Requests(guest);
  Peer bob = Host("bob");
  auto asked = Requests(guest);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].technician(), "bob");
  alice.link->Take(wire::Channel::kVideo);
  guest.Send(VideoKeyFrame(3));
  EXPECT_EQ(alice.link->Take(wire::Channel::kVideo).size(), 1u);
  EXPECT_TRUE(bob.link->Take(wire::Channel::kVideo).empty());
  // An answer about a host that was never asked (or already answered) changes nothing.
  guest.Send(ControlFrame(Response(alice.id, false)));
  EXPECT_FALSE(alice.link->closed);
  guest.Send(ControlFrame(Response(9999, true)));
  guest.Send(VideoKeyFrame(4));
  EXPECT_TRUE(bob.link->Take(wire::Channel::kVideo).empty());
}

TEST_F(SessionHubConsent, HostsWaitingBeforeTheGuestIsThereAreAskedWhenItComes) {
  Peer alice = Host("alice");
  EXPECT_EQ(LastConsentState(alice), v1::ConsentState::STATE_WAITING);
  EXPECT_TRUE(directory.Consent().empty()) << "nobody to ask yet";
  Peer guest = Guest();
  bool told_of_alice = false;
  std::vector<v1::ConsentRequest> asked;
  for (auto& m : guest.link->TakeControl()) {
    told_of_alice |= m.has_peer_event() && m.peer_event().display_name() == "alice";
    if (m.has_consent_request()) asked.push_back(m.consent_request());
  }
  EXPECT_TRUE(told_of_alice) << "the guest learns who is already connected";
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].technician(), "alice");
}

TEST_F(SessionHubConsent, DenyTellsAndDisconnectsTheHost) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  alice.link->TakeControl();
  guest.Send(ControlFrame(Response(alice.id, false, /*timed_out=*/true)));
  auto msgs = alice.link->TakeControl();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].consent_state().state(), v1::ConsentState::STATE_DENIED);
  EXPECT_TRUE(msgs[0].consent_state().timed_out());
  EXPECT_EQ(msgs[1].error().code(), v1::ERROR_CODE_FORBIDDEN);
  EXPECT_TRUE(alice.link->closed);
  alice.Close();
  EXPECT_EQ(directory.Consent(), (std::vector<Event>{{"consent_asked", "alice", ""},
                                                     {"consent_denied", "timeout", "alice"}}));
}

TEST_F(SessionHubConsent, WithdrawStopsVideoAtOnceAndTheHostMayAskAgain) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  guest.Send(ControlFrame(Response(alice.id, true)));
  guest.Send(VideoKeyFrame(1));
  ASSERT_EQ(alice.link->Take(wire::Channel::kVideo).size(), 1u);
  alice.link->TakeControl();
  guest.link->Take(wire::Channel::kInput);

  guest.Send(ControlFrame(Withdraw()));
  EXPECT_EQ(LastConsentState(alice), v1::ConsentState::STATE_WITHDRAWN);
  EXPECT_EQ(guest.link->Take(wire::Channel::kInput).size(), 1u) << "ReleaseAll";
  guest.Send(VideoKeyFrame(2));
  EXPECT_TRUE(alice.link->Take(wire::Channel::kVideo).empty());
  alice.Send(KeyInput());
  EXPECT_TRUE(guest.link->Take(wire::Channel::kInput).empty());
  EXPECT_FALSE(alice.link->closed) << "a withdrawal does not disconnect";

  // Asking again is allowed once; the guest is asked and may allow again.
  Requests(guest);
  v1::ControlMessage again;
  again.mutable_consent_request();
  alice.Send(ControlFrame(again));
  alice.Send(ControlFrame(again));
  EXPECT_EQ(Requests(guest).size(), 1u);
  EXPECT_EQ(LastConsentState(alice), v1::ConsentState::STATE_WAITING);
  guest.Send(ControlFrame(Response(alice.id, true)));
  guest.Send(VideoKeyFrame(3));
  EXPECT_EQ(alice.link->Take(wire::Channel::kVideo).size(), 1u);

  auto kinds = directory.Consent();
  ASSERT_EQ(kinds.size(), 5u);
  EXPECT_EQ(kinds[2], (Event{"consent_withdrawn", "guest", "alice"}));
  EXPECT_EQ(kinds[3], (Event{"consent_asked", "alice", ""}));
}

TEST_F(SessionHubConsent, AGuestThatComesBackIsAskedAgain) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  guest.Send(ControlFrame(Response(alice.id, true)));
  guest.Close();
  EXPECT_EQ(LastConsentState(alice), v1::ConsentState::STATE_WAITING);
  Peer again = Guest();
  auto asked = Requests(again);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].endpoint_id(), alice.id);
  alice.link->Take(wire::Channel::kVideo);
  again.Send(VideoKeyFrame(5));
  EXPECT_TRUE(alice.link->Take(wire::Channel::kVideo).empty());
}

TEST_F(SessionHubConsent, AHostAdmittedWithoutConsentSeesAtOnce) {
  directory.session_type = "access";
  Peer guest = Guest();
  Peer carol = Host("carol", /*consent_required=*/false);
  EXPECT_FALSE(LastConsentState(carol).has_value());
  EXPECT_TRUE(Requests(guest).empty());
  guest.Send(VideoKeyFrame(1));
  EXPECT_EQ(carol.link->Take(wire::Channel::kVideo).size(), 1u);
  EXPECT_EQ(directory.Consent(), (std::vector<Event>{{"consent_skipped", "carol", "HostSessionWithoutConsent"}}));
}

TEST_F(SessionHubConsent, WaitingHostMayStillEndTheSessionAndGuestEndSaysSo) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  alice.link->TakeControl();
  v1::ControlMessage end;
  end.mutable_end_session();
  guest.Send(ControlFrame(end));
  EXPECT_EQ(directory.ended_by, std::vector<std::string>{"guest"});
  relay.EndSession("s1", "the session was ended by guest");  // the Session Manager's answer
  auto msgs = alice.link->TakeControl();
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs.back().error().code(), v1::ERROR_CODE_SESSION_ENDED);
  EXPECT_EQ(msgs.back().error().ended_by(), v1::ENDPOINT_ROLE_GUEST);
}

}  // namespace
}  // namespace tether::relay

namespace tether::relay {
namespace {

// Consent in time, on a fake clock: the relay's own prompt deadline and the grant lifetime.
class SessionHubConsentTimes : public ::testing::Test, public FakeRelayRig {
 protected:
  SessionHubConsentTimes() : FakeRelayRig(Options(this)) {}
  // The members are not constructed yet: only their addresses are taken here.
  static RelayOptions Options(SessionHubConsentTimes* self) {
    RelayOptions o;
    o.clock = &self->clock;
    o.host_idle_seconds = 0;
    o.consent = [self] { return self->times; };
    return o;
  }
  static bool Has(Peer& p, v1::ConsentState::State state) {
    bool found = false;
    for (auto& m : p.link->TakeControl()) found |= m.has_consent_state() && m.consent_state().state() == state;
    return found;
  }
  static std::vector<v1::ControlMessage> Of(Peer& p, bool (v1::ControlMessage::*has)() const) {
    std::vector<v1::ControlMessage> out;
    for (auto& m : p.link->TakeControl()) {
      if ((m.*has)()) out.push_back(m);
    }
    return out;
  }

  FakeClock clock;
  ConsentTimes times{30, 0};
};

TEST_F(SessionHubConsentTimes, TheGuestIsToldThePromptTimeout) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  auto asked = Of(guest, &v1::ControlMessage::has_consent_request);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].consent_request().timeout_seconds(), 30u);
}

TEST_F(SessionHubConsentTimes, AnAgentThatNeverAnswersIsDeniedByTheRelay) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  Peer bob = Host("bob");
  guest.link->TakeControl();
  clock.Advance(std::chrono::seconds(34));
  relay.Sweep();
  EXPECT_FALSE(alice.link->closed) << "the prompt's time plus a grace";
  clock.Advance(std::chrono::seconds(1));
  relay.Sweep();
  EXPECT_TRUE(alice.link->closed);
  EXPECT_FALSE(bob.link->closed) << "bob's prompt shows after alice's, with its own time";
  auto voided = Of(guest, &v1::ControlMessage::has_consent_withdraw);
  ASSERT_EQ(voided.size(), 1u);
  EXPECT_EQ(voided[0].consent_withdraw().endpoint_id(), alice.id);
  clock.Advance(std::chrono::seconds(30));
  relay.Sweep();
  EXPECT_TRUE(bob.link->closed);
  alice.Close();
  bob.Close();
  EXPECT_EQ(directory.Consent(), (std::vector<Event>{{"consent_asked", "alice", ""},
                                                     {"consent_asked", "bob", ""},
                                                     {"consent_denied", "timeout", "alice"},
                                                     {"consent_denied", "timeout", "bob"}}));
}

TEST_F(SessionHubConsentTimes, AGrantLapsesAfterItsLifetimeAndTheHostMayAskAgain) {
  times.grant_lifetime_seconds = 600;
  Peer guest = Guest();
  Peer alice = Host("alice");
  clock.Advance(std::chrono::seconds(10));
  guest.Send(ControlFrame(Response(alice.id, true)));
  guest.Send(VideoKeyFrame(1));
  ASSERT_EQ(alice.link->Take(wire::Channel::kVideo).size(), 1u);
  clock.Advance(std::chrono::seconds(599));
  relay.Sweep();
  guest.Send(VideoKeyFrame(2));
  EXPECT_EQ(alice.link->Take(wire::Channel::kVideo).size(), 1u) << "still within its lifetime";
  guest.link->TakeControl();
  guest.link->Take(wire::Channel::kInput);

  clock.Advance(std::chrono::seconds(1));
  relay.Sweep();
  EXPECT_TRUE(Has(alice, v1::ConsentState::STATE_EXPIRED));
  EXPECT_EQ(Of(guest, &v1::ControlMessage::has_consent_withdraw).size(), 1u) << "the guest forgets the grant";
  EXPECT_EQ(guest.link->Take(wire::Channel::kInput).size(), 1u) << "ReleaseAll";
  guest.Send(VideoKeyFrame(3));
  EXPECT_TRUE(alice.link->Take(wire::Channel::kVideo).empty());
  alice.Send(KeyInput());
  EXPECT_TRUE(guest.link->Take(wire::Channel::kInput).empty());
  EXPECT_FALSE(alice.link->closed) << "a lapse does not disconnect";
  relay.Sweep();

  v1::ControlMessage again;
  again.mutable_consent_request();
  alice.Send(ControlFrame(again));
  EXPECT_EQ(Of(guest, &v1::ControlMessage::has_consent_request).size(), 1u);
  guest.Send(ControlFrame(Response(alice.id, true)));
  guest.Send(VideoKeyFrame(4));
  EXPECT_EQ(alice.link->Take(wire::Channel::kVideo).size(), 1u);
  EXPECT_EQ(directory.Consent(), (std::vector<Event>{{"consent_asked", "alice", ""},
                                                     {"consent_granted", "guest", "alice"},
                                                     {"consent_expired", "timeout", "alice"},
                                                     {"consent_asked", "alice", ""},
                                                     {"consent_granted", "guest", "alice"}}));
}

TEST_F(SessionHubConsentTimes, WithoutALifetimeAGrantLastsTheConnection) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  guest.Send(ControlFrame(Response(alice.id, true)));
  clock.Advance(std::chrono::hours(48));
  relay.Sweep();
  guest.Send(VideoKeyFrame(1));
  EXPECT_EQ(alice.link->Take(wire::Channel::kVideo).size(), 1u);
}

}  // namespace
}  // namespace tether::relay
