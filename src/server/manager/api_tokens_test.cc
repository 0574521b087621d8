#include "server/manager/api_tokens.h"

#include <gtest/gtest.h>

#include "server/manager/manager_test_fixture.h"

namespace tether::manager {
namespace {

class ApiTokensTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    local_ = Actor{"local-admin", "local", kRoleAdministrator};
    auto admin = manager_->CreateFirstAdministrator("admin", "Correct-Horse-9-Battery", local_);
    ASSERT_TRUE(admin.ok());
    auto host = manager_->AddUser("hazel", kRoleHost, "Correct-Horse-9-Battery", local_);
    ASSERT_TRUE(host.ok());
    admin_ = Actor{"admin", "10.0.0.1", kRoleAdministrator, admin->id};
    host_ = Actor{"hazel", "10.0.0.2", kRoleHost, host->id};
  }
  CreatedApiToken Make(const Actor& actor, std::vector<std::string> scope, const std::string& owner = "") {
    auto r = manager_->Tokens().Create(owner, {"ci", std::move(scope), 30 * 86400}, actor);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : CreatedApiToken{};
  }
  Actor local_, admin_, host_;
};

TEST_F(ApiTokensTest, OnlyTheHashIsStoredAndTheSecretAuthenticates) {
  auto made = Make(host_, {"ViewSessionGroup"});
  EXPECT_TRUE(made.secret.starts_with("tth_"));
  auto stored = store_->Tokens().Find(made.token.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->secret_hash, Sha256Hex(made.secret));
  EXPECT_EQ(stored->secret_hash.find(made.secret.substr(4, 8)), std::string::npos);
  auto ctx = manager_->AuthenticateToken(made.secret, "10.0.0.9");
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->user.username, "hazel");
  ASSERT_TRUE(ctx->token_scope);
  EXPECT_EQ(*ctx->token_scope, std::vector<Permission>{Permission::kViewSession});
  EXPECT_EQ(store_->Tokens().Find(made.token.id)->last_used_from, "10.0.0.9");
  EXPECT_FALSE(manager_->AuthenticateToken(made.secret.substr(0, 46) + "x", "10.0.0.9").ok());
}

TEST_F(ApiTokensTest, ScopeLimitsTheRoleAndTheRoleLimitsTheScope) {
  Actor with_token = host_;
  with_token.token_scope = std::vector<Permission>{Permission::kViewSession, Permission::kAdminister};
  EXPECT_TRUE(manager_->Authorize(with_token, Permission::kViewSession).ok());
  auto refused = manager_->Authorize(with_token, Permission::kCreateSession);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "forbidden");
  EXPECT_NE(refused.error().message.find("CreateSupportSession"), std::string::npos);
  // In the scope but not the role's: still refused.
  EXPECT_FALSE(manager_->Authorize(with_token, Permission::kAdminister).ok());
}

TEST_F(ApiTokensTest, RequestsAreValidated) {
  auto create = [&](ApiTokenRequest r, const Actor& a, const std::string& owner = "") {
    auto out = manager_->Tokens().Create(owner, r, a);
    return out.ok() ? std::string("ok") : out.error().code;
  };
  EXPECT_EQ(create({"ci", {}, 86400}, host_), "validation");
  EXPECT_EQ(create({"ci", {"NoSuchPermission"}, 86400}, host_), "validation");
  EXPECT_EQ(create({"", {"EndSession"}, 86400}, host_), "validation");
  EXPECT_EQ(create({"ci", {"EndSession"}, 60}, host_), "validation");
  EXPECT_EQ(create({"ci", {"EndSession"}, 366 * 86400}, host_), "validation");
  EXPECT_EQ(create({"ci", {"EndSession"}, 365 * 86400}, host_), "ok");
  EXPECT_EQ(create({"ci", {"EndSession"}, 86400}, local_), "validation");  // whose?
  EXPECT_EQ(create({"ci", {"EndSession"}, 86400}, host_, "admin"), "forbidden");
  EXPECT_EQ(create({"ci", {"EndSession"}, 86400}, admin_, "hazel"), "ok");
  Actor with_token = host_;
  with_token.token_scope = std::vector<Permission>{Permission::kAdminister};
  EXPECT_EQ(create({"ci", {"EndSession"}, 86400}, with_token), "forbidden");
}

TEST_F(ApiTokensTest, ExpiredTokensAndDisabledOwnersAreRefused) {
  auto made = Make(host_, {"ViewSessionGroup"});
  clock_.Advance(std::chrono::seconds(30 * 86400 - 1));
  EXPECT_TRUE(manager_->AuthenticateToken(made.secret, "10.0.0.9").ok());
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(manager_->AuthenticateToken(made.secret, "10.0.0.9").ok());
}

TEST_F(ApiTokensTest, RevokeDisableAndDeleteEndTokens) {
  auto a = Make(host_, {"ViewSessionGroup"});
  auto b = Make(admin_, {"ViewSessionGroup"});
  // Someone else's token is "not found" to a non-administrator.
  EXPECT_EQ(manager_->Tokens().Revoke(b.token.id, host_).error().code, "not_found");
  EXPECT_FALSE(manager_->Tokens().List("admin", host_).ok());
  EXPECT_EQ(manager_->Tokens().List("", host_)->size(), 1u);
  EXPECT_EQ(manager_->Tokens().List("", local_)->size(), 2u);
  ASSERT_TRUE(manager_->RevokeUser("hazel", local_).ok());
  EXPECT_FALSE(manager_->AuthenticateToken(a.secret, "10.0.0.9").ok());
  auto c = Make(host_, {"ViewSessionGroup"});
  ASSERT_TRUE(manager_->SetUserDisabled("hazel", true, local_).ok());
  EXPECT_FALSE(manager_->AuthenticateToken(c.secret, "10.0.0.9").ok());
  ASSERT_TRUE(manager_->SetUserDisabled("hazel", false, local_).ok());
  EXPECT_FALSE(manager_->AuthenticateToken(c.secret, "10.0.0.9").ok()) << "deleted, not merely suspended";
  ASSERT_TRUE(manager_->Tokens().Revoke(b.token.id, admin_).ok());
  EXPECT_FALSE(manager_->AuthenticateToken(b.secret, "10.0.0.9").ok());
}

TEST_F(ApiTokensTest, WrongSecretsLockTheAddressLikeFailedLogins) {
  auto made = Make(host_, {"ViewSessionGroup"});
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(manager_->AuthenticateToken("tth_" + std::string(43, 'A' + i), "10.9.9.9").ok());
  }
  EXPECT_FALSE(manager_->AuthenticateToken(made.secret, "10.9.9.9").ok()) << "address locked";
  EXPECT_FALSE(manager_->Login("hazel", "Correct-Horse-9-Battery", "10.9.9.9", "test").ok());
  EXPECT_TRUE(manager_->AuthenticateToken(made.secret, "10.0.0.3").ok()) << "other addresses unaffected";
}

class TokenObserver final : public SessionObserver {
 public:
  void OnSessionEnded(const std::string&, const std::string&) override {}
  void OnApiTokenRevoked(const std::string& token_id) override { revoked.push_back(token_id); }
  std::vector<std::string> revoked;
};

TEST_F(ApiTokensTest, RevokingATokenEndsWhatWasOpenedWithItAndNothingElse) {
  TokenObserver observer;
  manager_->SetObserver(&observer);
  auto session = manager_->CreateSession(SessionType::kSupport, "Desk", "", admin_);
  ASSERT_TRUE(session.ok());
  auto narrow = Make(admin_, {"JoinSession"});
  auto wide = Make(admin_, {"JoinSession", "EndSession", "TransferFiles"});
  auto as_narrow = manager_->AuthenticateToken(narrow.secret, "10.0.0.9");
  auto as_wide = manager_->AuthenticateToken(wide.secret, "10.0.0.9");
  ASSERT_TRUE(as_narrow.ok() && as_wide.ok());
  // A host token issued through an API token carries the token's id, expiry and scope.
  auto t1 = manager_->IssueHostToken(session->id, *as_narrow);
  auto t2 = manager_->IssueHostToken(session->id, *as_wide);
  ASSERT_TRUE(t1.ok() && t2.ok());
  auto host = manager_->AdmitHostByToken(t1->token, "10.0.0.9");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->api_token_id, narrow.token.id);
  EXPECT_EQ(host->not_after, narrow.token.expires_at);
  EXPECT_FALSE(host->may_end_session) << "outside the token's scope";
  EXPECT_FALSE(host->may_transfer_files);
  auto t3 = manager_->IssueHostToken(session->id, *as_narrow);
  ASSERT_TRUE(t3.ok());
  ASSERT_TRUE(manager_->Tokens().Revoke(narrow.token.id, admin_).ok());
  EXPECT_EQ(observer.revoked, std::vector<std::string>{narrow.token.id});
  EXPECT_FALSE(manager_->AdmitHostByToken(t3->token, "10.0.0.9").ok()) << "issued through the revoked token";
  auto other = manager_->AdmitHostByToken(t2->token, "10.0.0.9");
  ASSERT_TRUE(other.ok()) << "another token's host token still works";
  EXPECT_TRUE(other->may_end_session && other->may_transfer_files);
  manager_->SetObserver(nullptr);
}

}  // namespace
}  // namespace tether::manager
