#include "server/manager/access_agents.h"

#include <gtest/gtest.h>

#include "base/agent_config.h"
#include "base/crypto.h"
#include "server/store/sqlite_store.h"
#include "server/manager/manager_test_fixture.h"

namespace tether::manager {
namespace {

const std::string kPin = "sha256/" + std::string(43, 'A') + "=";

class AccessAgentsTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    access_ = std::make_unique<AccessAgents>(*manager_, *store_, clock_, key_, kPin);
  }
  // The installer's configuration, read back through the agent's own verification.
  AgentConfig Build(const InstallerRequest& request) {
    auto file = access_->BuildInstaller(request, "support.example.com:8041", admin_);
    EXPECT_TRUE(file.ok()) << (file.ok() ? "" : file.error().message);
    if (!file.ok()) return {};
    std::vector<Ed25519PublicKey> trusted = {key_.PublicKey()};
    auto c = VerifyAgentConfig(file->body, trusted, clock_.NowUnix());
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? *c : AgentConfig{};
  }

  Ed25519KeyPair key_ = Ed25519KeyPair::Generate();
  std::unique_ptr<AccessAgents> access_;
  Actor admin_{"admin", "198.51.100.1", kRoleAdministrator, 1};
  Actor host_{"hilda", "198.51.100.2", kRoleHost, 2};
};

TEST_F(AccessAgentsTest, InstallerCarriesPropertiesAndATokenKeptOnlyAsItsHash) {
  AgentConfig c = Build({"Reception PC", {{"company", "Acme"}, {"tag", "front desk"}}, 48 * 3600});
  EXPECT_EQ(c.kind, "access-install");
  EXPECT_EQ(c.session_name, "Reception PC");
  EXPECT_EQ(c.pin, kPin);
  EXPECT_EQ(c.expires_at - c.issued_at, 48 * 3600);
  EXPECT_EQ(c.properties, (std::map<std::string, std::string>{{"company", "Acme"}, {"tag", "front desk"}}));
  auto list = access_->ListInstallers(admin_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].token_hash, Sha256Hex(c.join_token));
  EXPECT_EQ((*list)[0].id, c.session_id);
}

TEST_F(AccessAgentsTest, OnlyAdministratorsBuildInstallersAndRequestsAreValidated) {
  auto refused = access_->BuildInstaller({"Sneaky", {}, 3600}, "h:1", host_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "forbidden");
  EXPECT_EQ(access_->ListInstallers(host_).error().code, "forbidden");
  EXPECT_EQ(access_->BuildInstaller({"", {}, 3600}, "h:1", admin_).error().code, "validation");
  EXPECT_EQ(access_->BuildInstaller({"x", {{"colour", "red"}}, 3600}, "h:1", admin_).error().code, "validation");
  EXPECT_EQ(access_->BuildInstaller({"x", {}, 60}, "h:1", admin_).error().code, "validation");
  EXPECT_EQ(access_->BuildInstaller({"x", {}, 91LL * 86400}, "h:1", admin_).error().code, "validation");
}

TEST_F(AccessAgentsTest, TokenEnrolsOnceThenTheKeyAdmits) {
  AgentConfig c = Build({"Reception PC", {{"site", "Berlin"}}, 3600});
  auto agent = Ed25519KeyPair::Generate();
  auto enrolled = access_->Admit(agent.PublicKey(), c.join_token, "10.0.0.1");
  ASSERT_TRUE(enrolled.ok()) << enrolled.error().message;
  EXPECT_EQ(enrolled->type, SessionType::kAccess);
  EXPECT_EQ(enrolled->name, "Reception PC");
  EXPECT_EQ(enrolled->properties, (std::map<std::string, std::string>{{"site", "Berlin"}}));
  EXPECT_EQ(enrolled->created_by, "admin");

  // Used: neither the same key nor another may enrol with it again.
  auto other = Ed25519KeyPair::Generate();
  auto again = access_->Admit(other.PublicKey(), c.join_token, "10.0.0.2");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "unauthenticated");
  EXPECT_FALSE(access_->Admit(agent.PublicKey(), c.join_token, "10.0.0.1").ok());

  // From then on the key alone admits to that session; an unknown key does not.
  auto by_key = access_->Admit(agent.PublicKey(), "", "10.0.0.1");
  ASSERT_TRUE(by_key.ok());
  EXPECT_EQ(by_key->id, enrolled->id);
  EXPECT_EQ(access_->Admit(other.PublicKey(), "", "10.0.0.2").error().code, "unauthenticated");

  // Ending the access session ends the key's admission.
  ASSERT_TRUE(manager_->EndSession(enrolled->id, admin_).ok());
  EXPECT_EQ(access_->Admit(agent.PublicKey(), "", "10.0.0.1").error().code, "unauthenticated");
}

TEST_F(AccessAgentsTest, ExpiredTokenIsRefusedAndFailuresAreRateLimited) {
  AgentConfig c = Build({"Late", {}, 3600});
  clock_.Advance(std::chrono::seconds(3601));
  auto agent = Ed25519KeyPair::Generate();
  EXPECT_EQ(access_->Admit(agent.PublicKey(), c.join_token, "10.0.0.9").error().code, "unauthenticated");
  for (int i = 0; i < 9; ++i) (void)access_->Admit(agent.PublicKey(), "", "10.0.0.9");
  EXPECT_EQ(access_->Admit(agent.PublicKey(), "", "10.0.0.9").error().code, "rate_limited");
  // Another address is not affected.
  EXPECT_EQ(access_->Admit(agent.PublicKey(), "", "10.0.0.10").error().code, "unauthenticated");
}

}  // namespace
}  // namespace tether::manager
