// The security settings: one validator for the file and the page, the page's changes over the
// file's values (never weaker than the file allows), and, in the Session Manager, changes that
// need Administer, are stored, audited and take effect on the next login.
#include "server/manager/security_settings.h"

#include <gtest/gtest.h>

#include "server/manager/manager_test_fixture.h"

namespace tether::manager {
namespace {

using nlohmann::json;

const json* Find(const json& described, const std::string& key) {
  for (const auto& s : described) {
    if (s["key"] == key) return &s;
  }
  return nullptr;
}

TEST(CheckSecurityValues, NamesTheSettingItRefuses) {
  EXPECT_TRUE(CheckSecurityValues(SecurityValues{}));
  SecurityValues v;
  v.policy.min_length = 11;
  EXPECT_EQ(CheckSecurityValues(v).error().message, "security.password_min_length: must be at least 12");
  v.password_allow_short = true;
  EXPECT_TRUE(CheckSecurityValues(v)) << "the file's explicit override allows down to 8";
  v.policy.min_length = 7;
  EXPECT_EQ(CheckSecurityValues(v).error().message, "security.password_min_length: must be at least 8");
  v = {};
  v.lockout.account_failures = 0;
  EXPECT_EQ(CheckSecurityValues(v).error().code, "validation");
  EXPECT_TRUE(CheckSecurityValues(v).error().message.starts_with("security.lockout_failures: "));
  v = {};
  v.web_absolute_timeout_s = 3600;
  v.web_idle_timeout_s = 7200;
  EXPECT_TRUE(CheckSecurityValues(v).error().message.starts_with("security.web_session_max_hours: "));
  v = {};
  v.consent_prompt_timeout_s = 0;
  EXPECT_TRUE(CheckSecurityValues(v).error().message.starts_with("security.consent.prompt_timeout_seconds: "));
  v = {};
  v.consent_grant_lifetime_s = -1;
  EXPECT_TRUE(CheckSecurityValues(v).error().message.starts_with("security.consent.grant_lifetime_seconds: "));
}

TEST(SecuritySettings, PageChangesGoOverTheFileAndCanBeReset) {
  SecurityValues file;
  file.lockout.window_s = 20 * 60;
  SecuritySettings s(file);
  auto changed = s.Change(json{{"security.lockout_failures", 3}, {"security.two_factor", "everyone"}});
  ASSERT_TRUE(changed) << changed.error().message;
  ASSERT_EQ(changed->size(), 2u);
  EXPECT_EQ((*changed)[0].key, "security.lockout_failures");
  EXPECT_EQ((*changed)[0].old_value, "5");
  EXPECT_EQ((*changed)[0].new_value, "3");
  EXPECT_EQ(s.Get().lockout.account_failures, 3);
  EXPECT_EQ(s.Get().two_factor, TwoFactorPolicy::kEveryone);
  EXPECT_EQ(s.Get().lockout.window_s, 20 * 60) << "the file's values stay under the page's";

  const json d = s.Describe();
  EXPECT_EQ((*Find(d, "security.lockout_failures"))["source"], "page");
  EXPECT_EQ((*Find(d, "security.lockout_failures"))["file"], 5);
  EXPECT_EQ((*Find(d, "security.lockout_window_minutes"))["source"], "file");
  EXPECT_EQ((*Find(d, "security.lockout_window_minutes"))["value"], 20);
  EXPECT_EQ((*Find(d, "security.lockout_minutes"))["source"], "default");

  ASSERT_TRUE(s.Change(json{{"security.lockout_failures", nullptr}}));
  EXPECT_EQ(s.Get().lockout.account_failures, 5);
  EXPECT_EQ(s.Stored(), R"({"security.two_factor":"everyone"})");
}

TEST(SecuritySettings, RefusesAllOfAChangeWithOneBadValue) {
  SecuritySettings s(SecurityValues{});
  auto r = s.Change(json{{"security.lockout_failures", 3}, {"security.password_min_length", 10}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "security.password_min_length: must be at least 12");
  EXPECT_EQ(s.Get().lockout.account_failures, 5) << "all or nothing";
  EXPECT_FALSE(s.Change(json{{"security.password_allow_shorter_than_12", true}})) << "file only";
  EXPECT_FALSE(s.Change(json{{"security.lockout_minutes", "15"}})) << "a string is not a number";
  EXPECT_FALSE(s.Change(json{{"security.lockout_minutes", 1.5}}));
  EXPECT_FALSE(s.Change(json{{"security.nonsense", 1}}));
  EXPECT_FALSE(s.Change(json::object()));
}

TEST(SecuritySettings, TheFilesOverrideLetsThePageGoDownTo8) {
  SecurityValues file;
  file.password_allow_short = true;
  SecuritySettings s(file);
  EXPECT_TRUE(s.Change(json{{"security.password_min_length", 8}}));
  EXPECT_FALSE(s.Change(json{{"security.password_min_length", 7}}));
}

TEST(SecuritySettings, StoredValuesThatNoLongerPassAreDropped) {
  SecuritySettings s(SecurityValues{});
  auto dropped = s.Load(R"({"security.lockout_failures": 2, "security.password_min_length": 9, "x": 1})");
  EXPECT_EQ(dropped, (std::vector<std::string>{"security.password_min_length", "x"}));
  EXPECT_EQ(s.Get().lockout.account_failures, 2);
  EXPECT_EQ(s.Get().policy.min_length, 12);
  EXPECT_TRUE(s.Load("not json").empty());
}

TEST(SecuritySettings, IpListsAreSettingsThatNameTheBadEntry) {
  SecurityValues file;
  net::IpAreas file_ip;
  ASSERT_TRUE(file_ip.admin.allow.Add("10.0.0.0/8"));
  file.ip = std::make_shared<const net::IpAreas>(file_ip);
  SecuritySettings s(file);
  auto r = s.Change(json{{"security.ip.login.allow", {"192.0.2.1", "2001:db8::/32", "10.0.0.0/33"}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "validation");
  EXPECT_TRUE(r.error().message.starts_with("security.ip.login.allow[2]: ")) << r.error().message;
  EXPECT_FALSE(s.Change(json{{"security.ip.login.allow", "192.0.2.1"}})) << "a list, not a string";
  EXPECT_EQ(s.Change(json{{"security.ip.relay.block", {"192.0.2.1", 7}}}).error().message,
            "security.ip.relay.block[1]: must be a string");
  json many = json::array();
  for (int i = 0; i <= 1000; ++i) many.push_back("192.0.2." + std::to_string(i % 256));
  EXPECT_EQ(s.Change(json{{"security.ip.api.block", many}}).error().message,
            "security.ip.api.block: at most 1000 entries");
  EXPECT_TRUE(s.Ip()->login.Empty()) << "nothing changed";

  const auto before = s.Ip();
  auto changed = s.Change(json{{"security.ip.host.block", {"192.0.2.7"}}, {"security.ip.trusted_proxies", {"127.0.0.1"}}});
  ASSERT_TRUE(changed) << changed.error().message;
  ASSERT_EQ(changed->size(), 2u);
  EXPECT_EQ((*changed)[0].key, "security.ip.host.block");
  EXPECT_EQ((*changed)[0].old_value, "[]");
  EXPECT_EQ((*changed)[0].new_value, R"(["192.0.2.7/32"])");
  const auto after = s.Ip();
  EXPECT_NE(before, after) << "a change replaces the snapshot";
  EXPECT_TRUE(before->host.Permits("192.0.2.7")) << "a reader's snapshot stays as it was";
  EXPECT_FALSE(after->host.Permits("192.0.2.7"));
  EXPECT_FALSE(after->admin.Permits("192.0.2.7")) << "the file's admin allow-list stays under the page's";
  EXPECT_EQ(s.Get().ip, after) << "Get() hands out the same snapshot";

  const json d = s.Describe();
  EXPECT_EQ((*Find(d, "security.ip.host.block"))["source"], "page");
  EXPECT_EQ((*Find(d, "security.ip.admin.allow"))["source"], "file");
  EXPECT_EQ((*Find(d, "security.ip.admin.allow"))["value"], json({"10.0.0.0/8"}));
  EXPECT_EQ((*Find(d, "security.ip.relay.allow"))["default"], json::array());

  ASSERT_TRUE(s.Change(json{{"security.ip.admin.allow", json::array()}}));
  EXPECT_TRUE(s.Ip()->admin.Permits("192.0.2.7")) << "an empty list on the page goes over the file's";
  ASSERT_TRUE(s.Change(json{{"security.ip.admin.allow", nullptr}, {"security.ip.host.block", nullptr}}));
  EXPECT_FALSE(s.Ip()->admin.Permits("192.0.2.7")) << "null: back to the file's list";
  EXPECT_TRUE(s.Ip()->host.Permits("192.0.2.7"));
  EXPECT_EQ(s.Stored(), R"({"security.ip.trusted_proxies":["127.0.0.1"]})");
}

TEST(SecuritySettings, AnAcceptorSeesTheProposedValuesAndCanRefuseThem) {
  SecuritySettings s(SecurityValues{});
  auto r = s.Change(json{{"security.ip.admin.block", {"127.0.0.1"}}}, [](const SecurityValues& proposed) -> Status {
    if (!proposed.ip->admin.Permits("127.0.0.1")) return Error{"would_lock_out", "127.0.0.1 in admin"};
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "would_lock_out");
  EXPECT_TRUE(s.Ip()->admin.Empty());
  EXPECT_EQ(s.Stored(), "{}");
}

class SecuritySettingsManager : public ManagerTest {};

TEST_F(SecuritySettingsManager, ChangesNeedAdministerAreAuditedStoredAndApplyToTheNextLogin) {
  const std::string pw = "Correct-Horse-9-Battery";
  ASSERT_TRUE(manager_->CreateFirstAdministrator("admin", pw, Actor{"local", "local"}));
  const Actor local{"local-admin", "local", kRoleAdministrator};
  ASSERT_TRUE(manager_->AddUser("bob", kRoleHost, pw, local));
  const Actor host{"bob", "192.0.2.7", kRoleHost, 2};
  auto refused = manager_->ChangeSecuritySettings(json{{"security.lockout_failures", 2}}, host);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "forbidden");

  ASSERT_TRUE(manager_->ChangeSecuritySettings(json{{"security.lockout_failures", 2}}, local));
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(manager_->Login("bob", "Wrong-Password-00", "192.0.2.7", "t"));
  EXPECT_FALSE(manager_->Login("bob", pw, "192.0.2.7", "t")) << "locked after 2 failures, without a restart";

  bool audited = false;
  for (const auto& r : store_->Audit().Recent(50)) {
    audited |= r.kind == "settings.changed" && r.actor == "local-admin" && r.detail == "security.lockout_failures: 5 -> 2";
  }
  EXPECT_TRUE(audited);

  // A new manager over the same store finds the change.
  ManagerOptions opts;
  opts.hash = {1, 8 * 1024 * 1024};
  SessionManager again(*store_, clock_, opts);
  EXPECT_TRUE(again.LoadSecuritySettings().empty());
  EXPECT_EQ(again.Security().Get().lockout.account_failures, 2);
}

}  // namespace
}  // namespace tether::manager
