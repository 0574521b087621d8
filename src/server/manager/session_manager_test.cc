#include "server/manager/session_manager.h"

#include <gtest/gtest.h>

#include "base/crypto.h"
#include "server/store/sqlite_store.h"
#include "server/manager/manager_test_fixture.h"

namespace tether::manager {
namespace {

constexpr const char* kGood = "Correct-Horse-9-Battery";

class SessionManagerTest : public ManagerTest {
 protected:
  Actor web_{"", "203.0.113.9"};
};

TEST_F(SessionManagerTest, SetupNeedsTheIssuedTokenAndRunsOnce) {
  ASSERT_TRUE(manager_->SetupRequired());
  std::string token = manager_->IssueSetupToken();
  EXPECT_EQ(manager_->CompleteSetup("wrong", "admin", kGood, web_).error().code, "invalid_token");
  EXPECT_EQ(manager_->CompleteSetup(token, "admin", "weak", web_).error().code, "validation");
  auto admin = manager_->CompleteSetup(token, "admin", kGood, web_);
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  EXPECT_EQ(admin->role, kRoleAdministrator);
  EXPECT_FALSE(manager_->SetupRequired());
  // The same token, a new token, and the local path: setup is gone.
  EXPECT_EQ(manager_->CompleteSetup(token, "mallory", kGood, web_).error().code, "not_found");
  std::string fresh = manager_->IssueSetupToken();
  EXPECT_EQ(manager_->CompleteSetup(fresh, "mallory", kGood, web_).error().code, "not_found");
  EXPECT_FALSE(manager_->CreateFirstAdministrator("mallory", kGood, {"local", "local"}).ok());
  EXPECT_EQ(manager_->ListUsers().size(), 1u);
}

TEST_F(SessionManagerTest, LoginAnswersTheSameForEveryFailure) {
  ASSERT_TRUE(manager_->CreateFirstAdministrator("admin", kGood, web_).ok());
  ASSERT_TRUE(manager_->AddUser("bob", kRoleHost, kGood, web_).ok());
  ASSERT_TRUE(manager_->SetUserDisabled("bob", true, web_).ok());
  auto unknown = manager_->Login("nobody", kGood, "1.2.3.4", "ua");
  auto wrong = manager_->Login("admin", "Wrong-Password-1", "1.2.3.4", "ua");
  auto disabled = manager_->Login("bob", kGood, "1.2.3.4", "ua");
  for (const auto* r : {&unknown, &wrong, &disabled}) {
    ASSERT_FALSE(r->ok());
    EXPECT_EQ(r->error().code, "invalid_credentials");
    EXPECT_EQ(r->error().message, unknown.error().message);
  }
  auto ok = manager_->Login("admin", kGood, "1.2.3.4", "ua");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(manager_->Authenticate(ok->session_token).ok());
  // The cookie value is not what is stored.
  EXPECT_FALSE(store_->WebSessions().Find(ok->session_token).has_value());
  manager_->Logout(ok->session_token, "1.2.3.4");
  EXPECT_FALSE(manager_->Authenticate(ok->session_token).ok());
  auto kinds = std::vector<std::string>();
  for (const auto& r : store_->Audit().Recent(100)) kinds.push_back(r.kind);
  for (const char* k : {"login.failure.unknown_user", "login.failure.bad_password",
                        "login.failure.disabled", "login.success", "logout"}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), k), kinds.end()) << k;
  }
}

TEST_F(SessionManagerTest, WebSessionsExpireAndEndWithPasswordChangeOrDisable) {
  ASSERT_TRUE(manager_->CreateFirstAdministrator("admin", kGood, web_).ok());
  ASSERT_TRUE(manager_->AddUser("bob", kRoleHost, kGood, web_).ok());
  auto a = manager_->Login("bob", kGood, "ip", "ua");
  clock_.Advance(std::chrono::minutes(29));
  EXPECT_TRUE(manager_->Authenticate(a->session_token).ok());
  clock_.Advance(std::chrono::minutes(31));
  EXPECT_FALSE(manager_->Authenticate(a->session_token).ok());  // idle timeout

  auto b = manager_->Login("bob", kGood, "ip", "ua");
  ASSERT_TRUE(manager_->SetPassword("bob", "Another-Good-Pass-7", web_).ok());
  EXPECT_FALSE(manager_->Authenticate(b->session_token).ok());

  auto c = manager_->Login("bob", "Another-Good-Pass-7", "ip", "ua");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(manager_->SetUserDisabled("bob", true, web_).ok());
  EXPECT_FALSE(manager_->Authenticate(c->session_token).ok());
}

TEST_F(SessionManagerTest, WebSessionsEndAtTheirMaximumAgeHoweverBusyAndTheExpiryIsAudited) {
  ASSERT_TRUE(manager_->CreateFirstAdministrator("admin", kGood, web_).ok());
  ASSERT_TRUE(manager_->AddUser("bob", kRoleHost, kGood, web_).ok());
  auto busy = manager_->Login("bob", kGood, "ip", "ua");
  ASSERT_TRUE(busy.ok());
  for (int i = 0; i < 12 * 3; ++i) {  // used every 20 minutes: never idle
    clock_.Advance(std::chrono::minutes(20));
    if (i < 12 * 3 - 1) ASSERT_TRUE(manager_->Authenticate(busy->session_token).ok()) << i;
  }
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_FALSE(manager_->Authenticate(busy->session_token).ok());  // past 12 h: the default maximum
  auto idle = manager_->Login("bob", kGood, "ip", "ua");
  clock_.Advance(std::chrono::minutes(31));
  EXPECT_FALSE(manager_->Authenticate(idle->session_token).ok());
  EXPECT_FALSE(manager_->Authenticate(idle->session_token).ok());  // audited once, not per try
  std::vector<std::string> expired;
  for (const auto& r : store_->Audit().Recent(100)) {
    if (r.kind == "logout.expired") expired.push_back(r.actor + ": " + r.detail);
  }
  std::sort(expired.begin(), expired.end());
  EXPECT_EQ(expired, (std::vector<std::string>{"bob: idle for more than 30 min", "bob: older than 12 h"}));
}

TEST_F(SessionManagerTest, LastAdministratorCannotBeDisabled) {
  ASSERT_TRUE(manager_->CreateFirstAdministrator("admin", kGood, web_).ok());
  EXPECT_EQ(manager_->SetUserDisabled("admin", true, web_).error().code, "last_administrator");
  ASSERT_TRUE(manager_->AddUser("admin2", kRoleAdministrator, kGood, web_).ok());
  EXPECT_TRUE(manager_->SetUserDisabled("admin", true, web_).ok());
}

TEST_F(SessionManagerTest, MeetingsHaveCodesThePresenterJoinsWithAccessSessionsDoNot) {
  Actor alice{"alice", "ip"};
  auto meeting = manager_->CreateSession(SessionType::kMeeting, "Weekly", "", alice);
  ASSERT_TRUE(meeting.ok());
  EXPECT_EQ(meeting->code.size(), 6u);
  auto chosen = manager_->CreateSession(SessionType::kMeeting, "Demo", "DEMO-1", alice);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(manager_->AdmitGuestByCode("DEMO-1", "ip")->id, chosen->id);
  EXPECT_EQ(manager_->AdmitGuestByCode(meeting->code, "ip")->type, SessionType::kMeeting);
  EXPECT_EQ(manager_->CreateSession(SessionType::kAccess, "Server", "ABCD-1", alice).error().code, "validation");
  auto access = manager_->CreateSession(SessionType::kAccess, "Server", "", alice);
  ASSERT_TRUE(access.ok());
  EXPECT_TRUE(access->code.empty());
}

TEST_F(SessionManagerTest, SupportSessionsGetUniqueCodesAndEvents) {
  Actor alice{"alice", "ip"};
  auto s = manager_->CreateSession(SessionType::kSupport, "Printer help", "", alice);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->code.size(), 6u);
  EXPECT_GE(s->id.size(), 20u);
  auto custom = manager_->CreateSession(SessionType::kSupport, "Other", "ABCD-42", alice);
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(manager_->CreateSession(SessionType::kSupport, "Dup", "ABCD-42", alice).error().code, "conflict");
  EXPECT_EQ(manager_->CreateSession(SessionType::kSupport, "Bad", "a b", alice).error().code, "validation");
  EXPECT_EQ(manager_->CreateSession(SessionType::kMeeting, "", "", alice).error().code, "validation");
  ASSERT_TRUE(manager_->EndSession(s->id, alice).ok());
  EXPECT_EQ(manager_->EndSession("missing", alice).error().code, "not_found");
  auto events = manager_->Events(s->id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, "ended");
  EXPECT_EQ(events[1].actor, "alice");
  EXPECT_EQ(manager_->ListSessions({}).size(), 1u);
  EXPECT_EQ(manager_->ListSessions({std::nullopt, true, 100}).size(), 2u);
}

class RevocationObserver final : public SessionObserver {
 public:
  void OnSessionEnded(const std::string&, const std::string&) override {}
  void OnUserRevoked(int64_t user_id, const std::string& username) override {
    revoked.emplace_back(user_id, username);
  }
  std::vector<std::pair<int64_t, std::string>> revoked;
};

TEST_F(SessionManagerTest, RevokingDisablingAndDeletingEndEverythingTheUserHolds) {
  RevocationObserver observer;
  manager_->SetObserver(&observer);
  ASSERT_TRUE(manager_->CreateFirstAdministrator("admin", kGood, web_).ok());
  auto bob = manager_->AddUser("bob", kRoleHost, kGood, web_);
  ASSERT_TRUE(bob.ok());
  auto session = manager_->CreateSession(SessionType::kSupport, "Desk", "", web_);
  ASSERT_TRUE(session.ok());

  // Revoke: the web session and a pending host token stop working; the account stays usable.
  auto login = manager_->Login("bob", kGood, "1.2.3.4", "ua");
  ASSERT_TRUE(login.ok());
  auto host_token = manager_->IssueHostToken(session->id, AuthContext{*bob});
  ASSERT_TRUE(host_token.ok());
  ASSERT_TRUE(manager_->RevokeUser("bob", web_).ok());
  EXPECT_FALSE(manager_->Authenticate(login->session_token).ok());
  EXPECT_FALSE(manager_->AdmitHostByToken(host_token->token, "1.2.3.4").ok());
  EXPECT_TRUE(manager_->Login("bob", kGood, "1.2.3.4", "ua").ok());
  EXPECT_EQ(manager_->RevokeUser("nobody", web_).error().code, "not_found");

  // Disable and delete tell the relay too.
  ASSERT_TRUE(manager_->SetUserDisabled("bob", true, web_).ok());
  ASSERT_TRUE(manager_->SetUserDisabled("bob", false, web_).ok());  // enabling revokes nothing
  auto again = manager_->Login("bob", kGood, "1.2.3.4", "ua");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(manager_->DeleteUser("bob", web_).ok());
  EXPECT_FALSE(manager_->Authenticate(again->session_token).ok());
  EXPECT_FALSE(manager_->Login("bob", kGood, "1.2.3.4", "ua").ok());
  EXPECT_EQ(observer.revoked, (std::vector<std::pair<int64_t, std::string>>{
                                  {bob->id, "bob"}, {bob->id, "bob"}, {bob->id, "bob"}}));

  // The last administrator stays.
  EXPECT_EQ(manager_->DeleteUser("admin", web_).error().code, "last_administrator");
  EXPECT_EQ(manager_->ListUsers().size(), 1u);
  manager_->SetObserver(nullptr);
}

}  // namespace
}  // namespace tether::manager
