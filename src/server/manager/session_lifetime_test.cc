// Session lifetimes with a fake clock: a support session with no guest for the expiry time
// ends on its own; a connected guest holds it open; support and meeting sessions end at the
// maximum length with a forced_disconnect event; access sessions are never ended; live
// connections are told why.
#include "server/manager/session_lifetime.h"

#include <gtest/gtest.h>

#include "base/crypto.h"
#include "server/store/sqlite_store.h"
#include "server/manager/manager_test_fixture.h"

namespace tether::manager {
namespace {

class RecordingObserver final : public SessionObserver {
 public:
  void OnSessionEnded(const std::string& id, const std::string& reason) override {
    ended.emplace_back(id, reason);
  }
  std::vector<std::pair<std::string, std::string>> ended;
};

class SessionLifetimeTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    manager_->SetObserver(&observer_);
    lifetime_ = std::make_unique<SessionLifetime>(*manager_, clock_, LifetimeOptions{8 * 3600, 2 * 3600});
  }
  std::string Create(SessionType type, const std::string& name) {
    auto s = manager_->CreateSession(type, name, "", admin_);
    EXPECT_TRUE(s.ok());
    return s->id;
  }
  void After(int64_t seconds) { clock_.Advance(std::chrono::seconds(seconds)); }
  bool Open(const std::string& id) { return manager_->GetSession(id)->ended_at == 0; }
  // "kind/actor/detail" of the session's events after "created".
  std::vector<std::string> Events(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : manager_->Events(id)) {
      if (e.kind != "created") out.push_back(e.kind + "/" + e.actor + "/" + e.detail);
    }
    return out;
  }

  std::unique_ptr<SessionLifetime> lifetime_;
  RecordingObserver observer_;
  Actor admin_{"admin", "local", kRoleAdministrator};
};

TEST_F(SessionLifetimeTest, ASupportSessionWithoutAGuestExpires) {
  std::string id = Create(SessionType::kSupport, "Printer");
  After(2 * 3600 - 1);
  EXPECT_EQ(lifetime_->Sweep(), 0);
  After(1);
  EXPECT_EQ(lifetime_->Sweep(), 1);
  EXPECT_FALSE(Open(id));
  EXPECT_EQ(Events(id), std::vector<std::string>{"ended/system/expired: no guest for 2 h"});
  ASSERT_EQ(observer_.ended.size(), 1u);
  EXPECT_EQ(observer_.ended[0].second, "expired: no guest for 2 h");
  EXPECT_EQ(lifetime_->Sweep(), 0);  // ended once
}

TEST_F(SessionLifetimeTest, AConnectedGuestHoldsASupportSessionOpenAndTheCountRestartsWhenItLeaves) {
  std::string id = Create(SessionType::kSupport, "Laptop");
  After(3600);
  ASSERT_TRUE(manager_->AppendEvent(id, "guest_connected", "guest", "").ok());
  After(3 * 3600);
  EXPECT_EQ(lifetime_->Sweep(), 0);
  ASSERT_TRUE(manager_->AppendEvent(id, "guest_disconnected", "guest", "").ok());
  After(2 * 3600 - 1);
  EXPECT_EQ(lifetime_->Sweep(), 0);
  EXPECT_TRUE(Open(id));
  After(1);
  EXPECT_EQ(lifetime_->Sweep(), 1);
  EXPECT_FALSE(Open(id));
}

TEST_F(SessionLifetimeTest, TheMaximumLengthEndsSupportAndMeetingSessionsButNotAccess) {
  std::string support = Create(SessionType::kSupport, "Desk");
  std::string meeting = Create(SessionType::kMeeting, "All hands");
  std::string access = Create(SessionType::kAccess, "Server room");
  ASSERT_TRUE(manager_->AppendEvent(support, "guest_connected", "guest", "").ok());
  After(8 * 3600 - 1);
  EXPECT_EQ(lifetime_->Sweep(), 0);
  After(1);
  EXPECT_EQ(lifetime_->Sweep(), 2);
  EXPECT_FALSE(Open(support));
  EXPECT_FALSE(Open(meeting));
  EXPECT_TRUE(Open(access));
  const std::string why = "maximum session length of 8 h reached";
  EXPECT_EQ(Events(meeting), (std::vector<std::string>{"forced_disconnect/system/" + why, "ended/system/" + why}));
  After(365 * 24 * 3600);
  EXPECT_EQ(lifetime_->Sweep(), 0);
  EXPECT_TRUE(Open(access));
}

TEST_F(SessionLifetimeTest, ZeroTurnsTheLimitsOff) {
  SessionLifetime off(*manager_, clock_, LifetimeOptions{0, 0});
  std::string id = Create(SessionType::kSupport, "Forever");
  After(365 * 24 * 3600);
  EXPECT_EQ(off.Sweep(), 0);
  EXPECT_TRUE(Open(id));
}

}  // namespace
}  // namespace tether::manager
