// Guest information from the agent: the relay bounds and checks each GuestInfo, adds the
// address it sees, records the first one of a guest connection, ignores the rest, and closes a
// guest that sends a malformed one. Hosts cannot send one.
#include "server/relay/guest_info_check.h"

#include <gtest/gtest.h>

#include "server/relay/fake_relay_peers.h"

namespace tether::relay {
namespace {

v1::GuestInfo Info(std::string machine = "ws-042") {
  v1::GuestInfo info;
  info.set_machine(std::move(machine));
  info.set_os("Debian GNU/Linux 12 (bookworm), Linux 6.1.0");
  info.set_user("jo");
  info.set_agent_version("0.1.0");
  return info;
}

v1::ControlMessage Message(const v1::GuestInfo& info) {
  v1::ControlMessage m;
  *m.mutable_guest_info() = info;
  return m;
}

TEST(CheckGuestInfo, AcceptsBoundedPrintableTextAndAddsTheAddress) {
  auto facts = CheckGuestInfo(Info("Zoë's PC"), "10.0.0.7");
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->machine, "Zoë's PC");
  EXPECT_EQ(facts->user, "jo");
  EXPECT_EQ(facts->agent_version, "0.1.0");
  EXPECT_EQ(facts->address, "10.0.0.7");
  EXPECT_TRUE(CheckGuestInfo(Info(std::string(kMaxGuestInfoFieldBytes, 'a')), "").ok());
}

TEST(CheckGuestInfo, RefusesLongFieldsAndControlCharacters) {
  EXPECT_EQ(CheckGuestInfo(Info(std::string(kMaxGuestInfoFieldBytes + 1, 'a')), "").error().code, "protocol");
  EXPECT_FALSE(CheckGuestInfo(Info("line\nbreak"), "").ok());
  EXPECT_FALSE(CheckGuestInfo(Info(std::string("nul\0byte", 8)), "").ok());
  auto info = Info();
  info.set_user("esc\x1b[31m");
  EXPECT_FALSE(CheckGuestInfo(info, "").ok());
}

TEST(CheckGuestInfo, IllFormedUtf8DoesNotEvenDecode) {
  v1::ControlMessage m = Message(Info("ok"));
  std::string frame = wire::EncodeControlFrame(m);
  auto at = frame.find("ok");
  ASSERT_NE(at, std::string::npos);
  frame[at] = '\xc3';  // a lead byte followed by 'k': ill-formed
  auto decoded = wire::DecodeControl(FakeLink::Payload(Bytes(frame)));
  EXPECT_FALSE(decoded.ok());
}

class SessionHubGuestInfo : public ::testing::Test, public FakeRelayRig {};

TEST_F(SessionHubGuestInfo, TheFirstGuestInfoOfAConnectionIsRecordedWithTheAddress) {
  Peer guest = Guest();
  guest.Send(ControlFrame(Message(Info())));
  guest.Send(ControlFrame(Message(Info("another-name"))));
  ASSERT_EQ(directory.guest_info.size(), 1u);
  EXPECT_EQ(directory.guest_info[0].first, "s1");
  EXPECT_EQ(directory.guest_info[0].second.machine, "ws-042");
  EXPECT_EQ(directory.guest_info[0].second.address, "192.0.2.1");
  EXPECT_EQ(relay.Counters().guest_info_ignored.Value(), 1);
  EXPECT_FALSE(guest.link->closed);

  guest.Close();
  Peer again = Guest();  // a new connection tells again
  again.Send(ControlFrame(Message(Info("renamed"))));
  ASSERT_EQ(directory.guest_info.size(), 2u);
  EXPECT_EQ(directory.guest_info[1].second.machine, "renamed");
}

TEST_F(SessionHubGuestInfo, AMalformedGuestInfoClosesTheGuestAndRecordsNothing) {
  Peer guest = Guest();
  guest.Send(ControlFrame(Message(Info(std::string(4000, 'x')))));
  EXPECT_TRUE(directory.guest_info.empty());
  EXPECT_TRUE(guest.link->closed);
  bool protocol_error = false;
  for (auto& m : guest.link->TakeControl()) protocol_error |= m.has_error() && m.error().code() == v1::ERROR_CODE_PROTOCOL;
  EXPECT_TRUE(protocol_error);
}

TEST_F(SessionHubGuestInfo, AHostCannotDescribeTheGuest) {
  Peer guest = Guest();
  Peer alice = Host("alice", /*consent_required=*/false);
  alice.Send(ControlFrame(Message(Info("spoofed"))));
  EXPECT_TRUE(directory.guest_info.empty());
}

}  // namespace
}  // namespace tether::relay
