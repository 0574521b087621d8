// Forced disconnect at the relay with a fake clock: a host that sends no input for
// host_idle_seconds is closed with TIMEOUT and one "forced_disconnect" event; keep-alives and
// video acks are not input, keys are; a viewer whose web login or API token expired is closed;
// revoking a user closes that user's hosts and no one else; revoking an API token closes only
// the hosts admitted through it.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "server/relay/fake_relay_peers.h"
#include "server/relay/relay.h"
#include "wire/control.h"

namespace tether::relay {
namespace {

struct WithClock {
  FakeClock clock;
};

RelayOptions IdleAfter(const Clock& clock, int64_t seconds) {
  RelayOptions o;
  o.host_idle_seconds = seconds;
  o.clock = &clock;
  return o;
}

// The last SessionError the peer was sent, if any.
std::optional<v1::SessionError> LastError(Peer& p) {
  std::optional<v1::SessionError> e;
  for (auto& m : p.link->TakeControl()) {
    if (m.has_error()) e = m.error();
  }
  return e;
}

std::vector<Event> Forced(const FakeDirectory& d) {
  std::vector<Event> out;
  for (const auto& e : d.events) {
    if (e.kind == "forced_disconnect") out.push_back(e);
  }
  return out;
}

class RelayIdleLimit : public ::testing::Test, public WithClock, public FakeRelayRig {
 protected:
  RelayIdleLimit() : FakeRelayRig(IdleAfter(clock, 60)) {}
  void After(int64_t seconds) {
    clock.Advance(std::chrono::seconds(seconds));
    relay.Sweep();
  }
};

TEST_F(RelayIdleLimit, AHostWithoutInputIsClosedOnceWithAnEvent) {
  Peer guest = Guest();
  Peer alice = Host("alice", /*consent_required=*/false);
  After(30);
  alice.Send(KeyInput());
  After(59);  // 59 s since the key
  EXPECT_FALSE(alice.link->closed);
  EXPECT_TRUE(Forced(directory).empty());
  After(1);
  EXPECT_TRUE(alice.link->closed);
  auto error = LastError(alice);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), v1::ERROR_CODE_TIMEOUT);
  EXPECT_EQ(error->message(), "disconnected after 1 min without input");
  After(5);  // still in the hub until its link reports the close: no second event
  EXPECT_EQ(Forced(directory), (std::vector<Event>{{"forced_disconnect", "alice", "no input for 1 min"}}));
  EXPECT_FALSE(guest.link->closed);  // guests are never idle-limited
}

TEST_F(RelayIdleLimit, KeepAlivesAndVideoAcksAreNotInput) {
  Peer guest = Guest();
  Peer bob = Host("bob", /*consent_required=*/false);
  v1::ControlMessage ping;
  ping.mutable_ping()->set_nonce(7);
  v1::VideoMessage ack;
  ack.mutable_ack()->set_frame_id(1);
  for (int i = 0; i < 5; ++i) {
    After(10);
    bob.Send(ControlFrame(ping));
    bob.Send(wire::EncodeVideoFrame(ack));
  }
  EXPECT_FALSE(bob.link->closed);
  After(10);
  EXPECT_TRUE(bob.link->closed);
}

TEST_F(RelayIdleLimit, RevokingAUserClosesOnlyThatUsersHosts) {
  Peer guest = Guest();
  Admission a{"s1", "Printer", "alice", false, false};
  a.user_id = 7;
  Admission b{"s1", "Printer", "bob", false, false};
  b.user_id = 8;
  Peer alice = Host(a);
  Peer bob = Host(b);
  EXPECT_EQ(relay.CloseUser(7, "your access was revoked"), 1u);
  EXPECT_TRUE(alice.link->closed);
  auto error = LastError(alice);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), v1::ERROR_CODE_FORBIDDEN);
  EXPECT_FALSE(bob.link->closed);
  EXPECT_FALSE(guest.link->closed);
  EXPECT_EQ(relay.CloseUser(0, "nobody"), 0u);  // guests have no user
  EXPECT_FALSE(guest.link->closed);
  EXPECT_EQ(Forced(directory), (std::vector<Event>{{"forced_disconnect", "alice", "access revoked"}}));
}

TEST_F(RelayIdleLimit, RevokingAnApiTokenClosesOnlyTheHostsItAdmitted) {
  Peer guest = Guest();
  Admission by_token{"s1", "Printer", "alice", false, false};
  by_token.user_id = 7;
  by_token.api_token_id = "a1";
  Admission by_other_token = by_token;
  by_other_token.api_token_id = "b2";
  Admission by_cookie = by_token;
  by_cookie.api_token_id.clear();
  Peer a = Host(by_token);
  Peer b = Host(by_other_token);
  Peer c = Host(by_cookie);
  EXPECT_EQ(relay.CloseApiToken("", "nothing"), 0u);  // never matches web logins
  EXPECT_EQ(relay.CloseApiToken("a1", "the API token was revoked"), 1u);
  EXPECT_TRUE(a.link->closed);
  auto error = LastError(a);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), v1::ERROR_CODE_FORBIDDEN);
  EXPECT_EQ(error->message(), "the API token was revoked");
  EXPECT_FALSE(b.link->closed);
  EXPECT_FALSE(c.link->closed);
  EXPECT_FALSE(guest.link->closed);
  EXPECT_EQ(relay.CloseApiToken("a1", "again"), 0u);
  EXPECT_EQ(Forced(directory), (std::vector<Event>{{"forced_disconnect", "alice", "API token revoked"}}));
}

class RelayLoginExpiry : public ::testing::Test, public WithClock, public FakeRelayRig {
 protected:
  RelayLoginExpiry() : FakeRelayRig(IdleAfter(clock, 0)) {}
};

TEST_F(RelayLoginExpiry, AViewerIsClosedWhenItsWebLoginExpires) {
  Peer guest = Guest();
  Admission a{"s1", "Printer", "carol", false, false};
  a.not_after = clock.NowUnix() + 100;
  Peer carol = Host(a);
  clock.Advance(std::chrono::seconds(99));
  relay.Sweep();
  EXPECT_FALSE(carol.link->closed);  // idle limit off: no input needed
  clock.Advance(std::chrono::seconds(1));
  relay.Sweep();
  EXPECT_TRUE(carol.link->closed);
  auto error = LastError(carol);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), v1::ERROR_CODE_UNAUTHENTICATED);
  EXPECT_EQ(Forced(directory), (std::vector<Event>{{"forced_disconnect", "carol", "login expired"}}));
}

TEST_F(RelayLoginExpiry, AViewerIsClosedWhenItsApiTokenExpires) {
  Peer guest = Guest();
  Admission a{"s1", "Printer", "dora", false, false};
  a.api_token_id = "t1";
  a.not_after = clock.NowUnix() + 10;
  Peer dora = Host(a);
  clock.Advance(std::chrono::seconds(10));
  relay.Sweep();
  EXPECT_TRUE(dora.link->closed);
  auto error = LastError(dora);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), v1::ERROR_CODE_UNAUTHENTICATED);
  EXPECT_EQ(error->message(), "your API token has expired");
  EXPECT_EQ(Forced(directory), (std::vector<Event>{{"forced_disconnect", "dora", "API token expired"}}));
}

}  // namespace
}  // namespace tether::relay
