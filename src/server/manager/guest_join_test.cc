#include "server/manager/guest_join.h"

#include <gtest/gtest.h>

#include "base/agent_config.h"
#include "base/crypto.h"
#include "server/store/sqlite_store.h"
#include "server/manager/manager_test_fixture.h"

namespace tether::manager {
namespace {

const std::string kPin = "sha256/" + std::string(43, 'A') + "=";

class GuestJoinTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    guest_ = std::make_unique<GuestJoin>(*manager_, clock_, key_, kPin);
    auto s = manager_->CreateSession(SessionType::kSupport, "Help Anna", "402913", admin_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    session_ = *s;
  }
  // The join token inside a file, read back through the agent's own verification.
  AgentConfig Open(const GuestConfigFile& file) {
    std::vector<Ed25519PublicKey> trusted = {key_.PublicKey()};
    auto c = VerifyAgentConfig(file.body, trusted, clock_.NowUnix());
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? *c : AgentConfig{};
  }

  Ed25519KeyPair key_ = Ed25519KeyPair::Generate();
  std::unique_ptr<GuestJoin> guest_;
  Actor admin_{"admin", "local"};
  Session session_;
};

TEST_F(GuestJoinTest, CodeGivesASignedConfigurationForItsSession) {
  auto file = guest_->IssueConfig("402913", "support.example.com:8041", "198.51.100.7");
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->filename, "tether-" + session_.id + ".tether");
  AgentConfig c = Open(*file);
  EXPECT_EQ(c.relay, "support.example.com:8041");
  EXPECT_EQ(c.pin, kPin);
  EXPECT_EQ(c.session_id, session_.id);
  EXPECT_EQ(c.session_name, "Help Anna");
  EXPECT_EQ(c.kind, "support");
  EXPECT_EQ(c.issued_at, clock_.NowUnix());
  EXPECT_EQ(c.expires_at, clock_.NowUnix() + 600);
  EXPECT_EQ(c.join_token.size(), 43u);  // 256 random bits, base64url
  // Only the token's hash is kept.
  EXPECT_EQ(guest_->PendingTokens(), 1u);
  // The issue is on the session's timeline.
  bool issued = false;
  for (const auto& e : manager_->Events(session_.id)) issued |= e.kind == "guest_config_issued";
  EXPECT_TRUE(issued);
}

TEST_F(GuestJoinTest, JoinTokenAdmitsOnceAndGivesAResumeToken) {
  AgentConfig c = Open(*guest_->IssueConfig("402913", "h:1", "198.51.100.7"));
  auto a = guest_->AdmitByJoinToken(c.join_token, "198.51.100.7");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->session.id, session_.id);
  EXPECT_FALSE(a->resume_token.empty());
  auto again = guest_->AdmitByJoinToken(c.join_token, "198.51.100.7");
  EXPECT_EQ(again.error().code, "unauthenticated");
  EXPECT_EQ(guest_->PendingTokens(), 0u);
  // The resume token admits while the session is open, and a tampered one does not.
  auto r = guest_->AdmitByResumeToken(a->resume_token, "198.51.100.7");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->session.id, session_.id);
  std::string tampered = a->resume_token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(guest_->AdmitByResumeToken(tampered, "198.51.100.7").error().code, "unauthenticated");
  // Another session's id with this token's nonce and MAC.
  std::string moved = "x" + a->resume_token.substr(a->resume_token.find('.'));
  EXPECT_EQ(guest_->AdmitByResumeToken(moved, "198.51.100.7").error().code, "unauthenticated");
  EXPECT_EQ(guest_->AdmitByResumeToken("", "198.51.100.7").error().code, "unauthenticated");
  // A server restart (a new GuestJoin over the same key) still accepts the resume token.
  GuestJoin restarted(*manager_, clock_, key_, kPin);
  EXPECT_TRUE(restarted.AdmitByResumeToken(a->resume_token, "198.51.100.7").ok());
  ASSERT_TRUE(manager_->EndSession(session_.id, admin_).ok());
  EXPECT_EQ(guest_->AdmitByResumeToken(a->resume_token, "198.51.100.7").error().code, "unauthenticated");
}

TEST_F(GuestJoinTest, ExpiredTokenIsRefused) {
  AgentConfig c = Open(*guest_->IssueConfig("402913", "h:1", "198.51.100.7"));
  clock_.Advance(std::chrono::seconds(600));
  EXPECT_EQ(guest_->AdmitByJoinToken(c.join_token, "198.51.100.7").error().code, "unauthenticated");
}

TEST_F(GuestJoinTest, LifetimeIsConfigurable) {
  GuestJoinOptions o;
  o.token_lifetime_s = 120;
  GuestJoin short_lived(*manager_, clock_, key_, kPin, o);
  AgentConfig c = Open(*short_lived.IssueConfig("402913", "h:1", "198.51.100.7"));
  EXPECT_EQ(c.expires_at - c.issued_at, 120);
  clock_.Advance(std::chrono::seconds(119));
  EXPECT_TRUE(short_lived.AdmitByJoinToken(c.join_token, "198.51.100.7").ok());
}

TEST_F(GuestJoinTest, TokenOfAnEndedSessionIsRefused) {
  AgentConfig c = Open(*guest_->IssueConfig("402913", "h:1", "198.51.100.7"));
  ASSERT_TRUE(manager_->EndSession(session_.id, admin_).ok());
  EXPECT_EQ(guest_->AdmitByJoinToken(c.join_token, "198.51.100.7").error().code, "unauthenticated");
}

TEST_F(GuestJoinTest, UnknownAndEndedCodesLookTheSame) {
  auto other = manager_->CreateSession(SessionType::kSupport, "Ended", "777111", admin_);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(manager_->EndSession(other->id, admin_).ok());
  auto unknown = guest_->IssueConfig("123456", "h:1", "198.51.100.7");
  auto ended = guest_->IssueConfig("777111", "h:1", "198.51.100.7");
  ASSERT_FALSE(unknown.ok());
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(unknown.error().code, "not_found");
  EXPECT_EQ(unknown.error().code, ended.error().code);
  EXPECT_EQ(unknown.error().message, ended.error().message);
}

TEST_F(GuestJoinTest, WrongCodesAreRateLimitedPerAddress) {
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(guest_->IssueConfig("00000" + std::to_string(i), "h:1", "203.0.113.5").error().code, "not_found");
  }
  // Now even the right code is refused from that address, for a while; others are not affected.
  auto limited = guest_->IssueConfig("402913", "h:1", "203.0.113.5");
  EXPECT_EQ(limited.error().code, "rate_limited");
  EXPECT_GT(guest_->RetryAfter("203.0.113.5"), 0);
  EXPECT_LE(guest_->RetryAfter("203.0.113.5"), 60);
  EXPECT_TRUE(guest_->IssueConfig("402913", "h:1", "203.0.113.6").ok());
  // The relay's code check shares the limit.
  EXPECT_EQ(manager_->AdmitGuestByCode("402913", "203.0.113.5").error().code, "rate_limited");
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_TRUE(guest_->IssueConfig("402913", "h:1", "203.0.113.5").ok());
}

TEST_F(GuestJoinTest, FilesPerAddressAreLimited) {
  // Someone who knows a code cannot fill the pending tokens for everyone else.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(guest_->IssueConfig("402913", "h:1", "203.0.113.5").ok()) << i;
  auto limited = guest_->IssueConfig("402913", "h:1", "203.0.113.5");
  EXPECT_EQ(limited.error().code, "rate_limited");
  EXPECT_GT(guest_->RetryAfter("203.0.113.5"), 60);
  EXPECT_TRUE(guest_->IssueConfig("402913", "h:1", "203.0.113.6").ok());
  clock_.Advance(std::chrono::seconds(601));
  EXPECT_TRUE(guest_->IssueConfig("402913", "h:1", "203.0.113.5").ok());
}

TEST_F(GuestJoinTest, WrongTokensAreRateLimitedAndPendingTokensAreBounded) {
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(guest_->AdmitByJoinToken("guess" + std::to_string(i), "203.0.113.5").error().code, "unauthenticated");
  }
  AgentConfig c = Open(*guest_->IssueConfig("402913", "h:1", "198.51.100.7"));
  EXPECT_EQ(guest_->AdmitByJoinToken(c.join_token, "203.0.113.5").error().code, "rate_limited");
  EXPECT_TRUE(guest_->AdmitByJoinToken(c.join_token, "198.51.100.7").ok());

  GuestJoinOptions o;
  o.max_pending_tokens = 3;
  GuestJoin bounded(*manager_, clock_, key_, kPin, o);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bounded.IssueConfig("402913", "h:1", "198.51.100.7").ok());
  EXPECT_EQ(bounded.IssueConfig("402913", "h:1", "198.51.100.7").error().code, "rate_limited");
  clock_.Advance(std::chrono::seconds(601));  // expired tokens make room
  EXPECT_TRUE(bounded.IssueConfig("402913", "h:1", "198.51.100.7").ok());
  EXPECT_EQ(bounded.PendingTokens(), 1u);
}

}  // namespace
}  // namespace tether::manager
