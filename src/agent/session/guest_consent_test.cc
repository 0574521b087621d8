#include "agent/session/guest_consent.h"

#include <gtest/gtest.h>

#include "agent/ui/fake_guest_ui.h"

namespace tether::agent {
namespace {

using namespace std::chrono_literals;
const GuestConsent::TimePoint t0{std::chrono::seconds(1000)};

TEST(GuestConsent, APresenterAllowsEveryViewerUntilItStopsSharing) {
  GuestConsent c(60s);
  c.SetMeeting(true);
  c.OnHostJoined(2, "alice");
  auto r = c.OnRequest(2, "alice", t0);
  ASSERT_TRUE(r.has_value()) << "no question in a meeting";
  EXPECT_TRUE(r->granted());
  EXPECT_TRUE(c.Watched());
  EXPECT_FALSE(c.Prompting());
  ASSERT_TRUE(c.OnRequest(3, "bob", t0).has_value());

  c.Withdraw();  // Stop sharing
  EXPECT_FALSE(c.Watched());
  EXPECT_FALSE(c.OnRequest(2, "alice", t0 + 1s).has_value()) << "after Stop sharing, a viewer is asked";
  EXPECT_TRUE(c.Prompting());
  c.OnDisconnected();
  c.SetMeeting(true);  // a reconnection does not undo Stop sharing
  EXPECT_FALSE(c.OnRequest(4, "carol", t0 + 2s).has_value());
}

TEST(GuestConsent, AsksThenAllowsAndRemembersTheTechnicianForTheRun) {
  GuestConsent c(60s);
  c.OnHostJoined(2, "alice");
  EXPECT_FALSE(c.OnRequest(2, "alice", t0).has_value());
  EXPECT_TRUE(c.Prompting());
  EXPECT_FALSE(c.Watched());
  EXPECT_EQ(c.NextDeadline(), t0 + 60s);
  GuestUiState s;
  c.Describe(s);
  ASSERT_TRUE(s.prompt.has_value());
  EXPECT_EQ(s.prompt->technician, "alice");
  EXPECT_EQ(s.hosts, (std::vector<GuestUiState::Host>{{2, "alice", false}}));

  auto r = c.Answer(2, true, t0 + 5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->granted());
  EXPECT_EQ(r->endpoint_id(), 2u);
  EXPECT_TRUE(c.Watched());
  EXPECT_FALSE(c.Prompting());
  EXPECT_FALSE(c.Answer(2, true, t0).has_value()) << "one answer per question";

  // The connection breaks and comes back: alice (a new endpoint id) is allowed at once.
  c.OnDisconnected();
  EXPECT_FALSE(c.Watched());
  auto again = c.OnRequest(7, "alice", t0 + 100s);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->granted());
  EXPECT_EQ(again->endpoint_id(), 7u);
  EXPECT_FALSE(c.Prompting());
  // Someone else is still asked.
  EXPECT_FALSE(c.OnRequest(8, "bob", t0 + 100s).has_value());
  EXPECT_TRUE(c.Prompting());
}

TEST(GuestConsent, StopSharingForgetsEveryone) {
  GuestConsent c(60s);
  c.OnRequest(2, "alice", t0);
  c.Answer(2, true, t0);
  auto w = c.Withdraw();
  EXPECT_EQ(w.endpoint_id(), 0u) << "from every host";
  EXPECT_FALSE(c.Watched());
  EXPECT_FALSE(c.OnRequest(3, "alice", t0).has_value()) << "asked again after a withdrawal";
}

TEST(GuestConsent, UnansweredQuestionsAreDeniedOneAfterTheOtherWithTheirFullTime) {
  GuestConsent c(60s);
  c.OnRequest(2, "alice", t0);
  c.OnRequest(3, "bob", t0 + 10s);
  EXPECT_EQ(c.NextDeadline(), t0 + 60s);
  EXPECT_TRUE(c.Expire(t0 + 59s).empty());
  EXPECT_FALSE(c.Answer(3, true, t0).has_value()) << "only the question on screen can be answered";
  auto denied = c.Expire(t0 + 60s);
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].endpoint_id(), 2u);
  EXPECT_FALSE(denied[0].granted());
  EXPECT_TRUE(denied[0].timed_out());
  // bob's question now shows, with a full minute from now.
  EXPECT_EQ(c.NextDeadline(), t0 + 120s);
  GuestUiState s;
  c.Describe(s);
  EXPECT_EQ(s.prompt->technician, "bob");
  EXPECT_EQ(s.prompts_waiting, 0u);
}

TEST(GuestConsent, TheServersPromptTimeoutCountsPerQuestion) {
  GuestConsent c(60s);
  c.OnRequest(2, "alice", t0, 5s);
  c.OnRequest(3, "bob", t0, 7s);
  EXPECT_EQ(c.NextDeadline(), t0 + 5s);
  ASSERT_EQ(c.Expire(t0 + 5s).size(), 1u);
  EXPECT_EQ(c.NextDeadline(), t0 + 12s) << "bob's prompt gets its own 7 s once on screen";
}

TEST(GuestConsent, AVoidedGrantIsAskedAfresh) {
  GuestConsent c(60s);
  c.OnHostJoined(2, "alice");
  c.OnRequest(2, "alice", t0);
  ASSERT_TRUE(c.Answer(2, true, t0 + 1s).has_value());
  EXPECT_TRUE(c.Watched());
  c.Void(2, t0 + 10s);  // the grant lapsed at the relay
  EXPECT_FALSE(c.Watched());
  EXPECT_FALSE(c.OnRequest(2, "alice", t0 + 11s).has_value()) << "not allowed again without a question";
  EXPECT_TRUE(c.Prompting());
  c.Void(2, t0 + 12s);  // the relay gave up on the question
  EXPECT_FALSE(c.Prompting());
}

TEST(GuestConsent, AHostThatLeavesTakesItsQuestionAndGrantAlong) {
  GuestConsent c(60s);
  c.OnHostJoined(2, "alice");
  c.OnRequest(2, "alice", t0);
  c.OnRequest(3, "bob", t0);
  c.OnHostLeft(2, t0 + 30s);
  GuestUiState s;
  c.Describe(s);
  ASSERT_TRUE(s.prompt.has_value());
  EXPECT_EQ(s.prompt->technician, "bob");
  EXPECT_EQ(c.NextDeadline(), t0 + 90s);
  c.Answer(3, true, t0 + 31s);
  EXPECT_TRUE(c.Watched());
  c.OnHostLeft(3, t0 + 40s);
  EXPECT_FALSE(c.Watched());
  c.Describe(s);
  EXPECT_TRUE(s.hosts.empty());
}

TEST(GuestUi, DescribesWhoIsConnected) {
  GuestUiState s;
  s.link = GuestUiState::Link::kConnected;
  EXPECT_EQ(DescribeHosts(s), "No technician is connected. Your screen is not shared.");
  s.hosts = {{1, "alice", true}, {2, "bob", true}, {3, "carol", false}};
  EXPECT_EQ(DescribeHosts(s), "alice and bob can see and control this screen. Also connected, without access: carol.");
  s.hosts = {{3, "carol", false}};
  EXPECT_EQ(DescribeHosts(s), "Your screen is not shared. Connected: carol.");
  s.link = GuestUiState::Link::kReconnecting;
  EXPECT_EQ(DescribeHosts(s), "The connection was lost. Reconnecting…");
}

TEST(FakeGuestUi, KeepsStatesAndPressesButtons) {
  FakeGuestUi ui;
  uint64_t answered = 0;
  bool ended = false;
  ui.SetHandlers({.answer = [&](uint64_t id, bool) { answered = id; }, .stop_sharing = {},
                  .end_session = [&] { ended = true; }});
  GuestUiState s;
  s.session_name = "Printer";
  ui.Update(s);
  EXPECT_EQ(ui.Last().session_name, "Printer");
  ui.Answer(4, true);
  ui.StopSharing();  // no handler: nothing happens
  ui.EndSession();
  EXPECT_EQ(answered, 4u);
  EXPECT_TRUE(ended);
}

}  // namespace
}  // namespace tether::agent
