// Meetings at the relay (docs/protocol.md section 5.6): the presenter learns it presents; every
// viewer is view-only whatever admitted it — its input, clipboard, files, monitor choice and
// requests for control are dropped, its EndSession ignored — while the picture reaches every
// viewer, and a late viewer is sent only a key frame, which the relay asks for at once.
#include <gtest/gtest.h>

#include "server/relay/fake_relay_peers.h"

namespace tether::relay {
namespace {

class SessionHubMeeting : public ::testing::Test, public FakeRelayRig {
 protected:
  SessionHubMeeting() { directory.session_type = "meeting"; }

  // A presenter that allowed `viewer` (what the agent does by itself in a meeting).
  static void Allow(Peer& presenter, const Peer& viewer) {
    presenter.Send(ControlFrame(Response(viewer.id, true)));
  }
  static bool ViewOnlyState(Peer& p) {
    bool state = false;
    for (auto& m : p.link->TakeControl()) {
      if (m.has_view_only()) state = m.view_only().view_only();
    }
    return state;
  }
};

TEST_F(SessionHubMeeting, ThePresenterIsToldItPresents) {
  Peer presenter;
  presenter.sink = relay.Accept(presenter.link, std::nullopt);
  opened.push_back(presenter.sink);
  v1::ControlMessage hello;
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->set_role(v1::ENDPOINT_ROLE_GUEST);
  hello.mutable_hello()->set_join_code("402913");
  presenter.Send(ControlFrame(hello));
  bool told = false;
  for (auto& m : presenter.link->TakeControl()) told |= m.has_session_info() && m.session_info().session_type() == "meeting";
  EXPECT_TRUE(told);
}

TEST_F(SessionHubMeeting, AViewerCannotControlThePresentersMachine) {
  Peer presenter = Guest();
  // Even a host admitted with control (a bug or a forged grant upstream) watches only.
  Peer mallory = Host("mallory");
  Allow(presenter, mallory);
  EXPECT_TRUE(ViewOnlyState(mallory));
  presenter.link->Take(wire::Channel::kInput);
  presenter.link->TakeControl();

  v1::ControlMessage take_control;
  take_control.mutable_view_only()->set_view_only(false);
  mallory.Send(ControlFrame(take_control));
  EXPECT_TRUE(ViewOnlyState(mallory)) << "control is refused";
  mallory.Send(KeyInput());
  mallory.Send(Clipboard());
  mallory.Send(wire::EncodeFrame(wire::Channel::kFile, v1::ControlMessage{}));
  v1::ControlMessage select;
  select.mutable_select_monitor()->set_monitor(1);
  mallory.Send(ControlFrame(select));
  v1::ControlMessage end;
  end.mutable_end_session();
  mallory.Send(ControlFrame(end));

  EXPECT_TRUE(presenter.link->Take(wire::Channel::kInput).empty());
  EXPECT_TRUE(presenter.link->Take(wire::Channel::kClipboard).empty());
  EXPECT_TRUE(presenter.link->Take(wire::Channel::kFile).empty());
  for (auto& m : presenter.link->TakeControl()) EXPECT_FALSE(m.has_select_monitor());
  EXPECT_EQ(relay.Counters().input_dropped_view_only.Value(), 3);
  EXPECT_TRUE(directory.ended_by.empty()) << "a viewer cannot end the meeting";
  EXPECT_FALSE(presenter.link->closed);
}

TEST_F(SessionHubMeeting, EveryViewerSeesAndALateOneGetsAKeyFrameAtOnce) {
  Peer presenter = Guest();
  Peer alice = Host("alice");
  Peer bob = Host("bob");
  Allow(presenter, alice);
  Allow(presenter, bob);
  presenter.Send(VideoKeyFrame(1));
  EXPECT_EQ(alice.link->Take(wire::Channel::kVideo).size(), 1u);
  EXPECT_EQ(bob.link->Take(wire::Channel::kVideo).size(), 1u);
  presenter.link->Take(wire::Channel::kVideo);

  Peer carol = Host("carol");
  Allow(presenter, carol);
  EXPECT_EQ(presenter.link->Take(wire::Channel::kVideo).size(), 1u) << "the relay asks for a key frame at once";
  // A delta frame in flight is not shown to carol (she could not draw it); the key frame is.
  v1::VideoMessage delta;
  delta.mutable_frame()->set_frame_id(2);
  presenter.Send(wire::EncodeVideoFrame(delta));
  EXPECT_TRUE(carol.link->Take(wire::Channel::kVideo).empty());
  EXPECT_EQ(alice.link->Take(wire::Channel::kVideo).size(), 1u);
  presenter.Send(VideoKeyFrame(3));
  EXPECT_EQ(carol.link->Take(wire::Channel::kVideo).size(), 1u);
}

TEST_F(SessionHubMeeting, ASupportHostKeepsControlAndMayEndTheSession) {
  directory.session_type = "support";
  Peer guest = Guest();
  Peer alice = Host("alice");
  Allow(guest, alice);
  EXPECT_FALSE(ViewOnlyState(alice));
  guest.link->Take(wire::Channel::kInput);
  alice.Send(KeyInput());
  EXPECT_EQ(guest.link->Take(wire::Channel::kInput).size(), 1u);
  v1::ControlMessage end;
  end.mutable_end_session();
  alice.Send(ControlFrame(end));
  EXPECT_EQ(directory.ended_by, std::vector<std::string>{"alice"});
}

}  // namespace
}  // namespace tether::relay
