// Thumbnails at the relay (docs/protocol.md section 5.7): asked for only while someone looks
// and, in support sessions, only after the guest let a host see; kept only when asked for and
// well-formed (the latest one wins); dropped the moment consent is withdrawn or the guest leaves.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "server/relay/fake_relay_peers.h"
#include "server/relay/session_hub.h"

namespace tether::relay {
namespace {

std::string Jpeg(uint16_t width, uint16_t height, char fill) {
  std::string j = "\xFF\xD8";
  j += std::string("\xFF\xFE\x00\x03", 4) + fill;  // a comment segment tells pictures apart
  j += std::string("\xFF\xC0\x00\x0B\x08", 5);
  j += {static_cast<char>(height >> 8), static_cast<char>(height & 0xff), static_cast<char>(width >> 8),
        static_cast<char>(width & 0xff)};
  j += std::string("\x01\x01\x11\x00", 4);
  j += "\xFF\xD9";
  return j;
}

std::string ThumbnailFrame(char fill, uint16_t width = 240, uint16_t height = 135) {
  v1::ControlMessage m;
  m.mutable_thumbnail()->set_jpeg(Jpeg(width, height, fill));
  m.mutable_thumbnail()->set_width(width);
  m.mutable_thumbnail()->set_height(height);
  return ControlFrame(m);
}

class SessionHubThumbnail : public ::testing::Test, public FakeRelayRig {
 protected:
  SessionHubThumbnail() : FakeRelayRig(Options()) {}
  RelayOptions Options() {
    RelayOptions o;
    o.clock = &clock;
    return o;
  }
  static int Requests(Peer& guest) {
    int n = 0;
    for (auto& m : guest.link->TakeControl()) n += m.has_thumbnail_request();
    return n;
  }
  // The guest allows `host`, a panel asks, the guest answers with picture 'a'.
  void KeepOneAfterConsent(Peer& guest, const Peer& host) {
    guest.Send(ControlFrame(Response(host.id, true)));
    relay.Thumbnail("s1");
    guest.Send(ThumbnailFrame('a'));
    ASSERT_EQ(Kept(), 'a');
  }
  char Kept() {
    auto t = relay.Thumbnail("s1");
    return t ? (*t->jpeg)[6] : 0;
  }

  FakeClock clock;
};

TEST_F(SessionHubThumbnail, NothingIsAskedOrKeptBeforeTheGuestsConsent) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  EXPECT_FALSE(relay.Thumbnail("s1"));
  relay.Sweep();
  EXPECT_EQ(Requests(guest), 0) << "no request before consent";
  guest.Send(ThumbnailFrame('a'));  // an agent that sends one unasked
  EXPECT_FALSE(relay.Thumbnail("s1"));
  EXPECT_EQ(relay.Counters().thumbnails_ignored.Value(), 1);
  EXPECT_FALSE(relay.Thumbnail("nope")) << "no hub is made for an unknown session";
}

TEST_F(SessionHubThumbnail, AfterConsentTheLatestIsKeptAndAskedForWhileSomeoneLooks) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  guest.Send(ControlFrame(Response(alice.id, true)));
  Requests(guest);
  EXPECT_FALSE(relay.Thumbnail("s1")) << "none yet; asking starts the requests";
  EXPECT_EQ(Requests(guest), 1);
  guest.Send(ThumbnailFrame('a'));
  EXPECT_EQ(Kept(), 'a');
  guest.Send(ThumbnailFrame('b'));
  EXPECT_EQ(Kept(), 'a') << "an answer nobody asked for is ignored";

  clock.Advance(std::chrono::seconds(2));
  relay.Sweep();
  EXPECT_EQ(Requests(guest), 0) << "not more often than every 5 s";
  clock.Advance(std::chrono::seconds(4));
  relay.Sweep();
  EXPECT_EQ(Requests(guest), 1);
  guest.Send(ThumbnailFrame('c'));
  EXPECT_EQ(Kept(), 'c') << "the latest wins";

  clock.Advance(std::chrono::seconds(31));  // nobody looked for 30 s
  relay.Sweep();
  EXPECT_EQ(Requests(guest), 0);
}

TEST_F(SessionHubThumbnail, AMalformedOrOversizedThumbnailIsNotKept) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  guest.Send(ControlFrame(Response(alice.id, true)));
  relay.Thumbnail("s1");
  guest.Send(ThumbnailFrame('a', 4000, 3000));
  EXPECT_FALSE(relay.Thumbnail("s1"));
  EXPECT_EQ(relay.Counters().thumbnails_ignored.Value(), 1);
}

TEST_F(SessionHubThumbnail, WithdrawingConsentDropsItAtOnce) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  KeepOneAfterConsent(guest, alice);
  v1::ControlMessage withdraw;
  withdraw.mutable_consent_withdraw()->set_endpoint_id(0);
  guest.Send(ControlFrame(withdraw));
  EXPECT_FALSE(relay.Thumbnail("s1"));
  Requests(guest);
  clock.Advance(std::chrono::seconds(6));
  relay.Sweep();
  EXPECT_EQ(Requests(guest), 0) << "no more requests once nobody may see the screen";
  guest.Send(ThumbnailFrame('b'));
  EXPECT_FALSE(relay.Thumbnail("s1"));
}

TEST_F(SessionHubThumbnail, TheGuestLeavingDropsItAndANewConnectionMustConsentAgain) {
  Peer guest = Guest();
  Peer alice = Host("alice");
  KeepOneAfterConsent(guest, alice);
  guest.Close();
  EXPECT_FALSE(relay.Thumbnail("s1"));
  Peer again = Guest();
  Requests(again);
  clock.Advance(std::chrono::seconds(6));
  relay.Sweep();
  EXPECT_EQ(Requests(again), 0);
  EXPECT_FALSE(relay.Thumbnail("s1"));
}

TEST_F(SessionHubThumbnail, AccessSessionsNeedNoConsentForThumbnails) {
  directory.session_type = "access";
  Peer agent = Guest();
  EXPECT_FALSE(relay.Thumbnail("s1"));
  EXPECT_EQ(Requests(agent), 1);
  agent.Send(ThumbnailFrame('z'));
  EXPECT_EQ(Kept(), 'z');
}

}  // namespace
}  // namespace tether::relay
