// The role evaluator (Deny wins, global and group scopes, several roles) and the Authorizer
// over a real store: group-scoped checks, the session list's view scope, the last-administrator
// rule.
#include "server/manager/roles.h"

#include <gtest/gtest.h>

#include "server/manager/manager_test_fixture.h"
#include "server/manager/session_manager.h"

namespace tether::manager {
namespace {

Role MakeRole(std::vector<RoleEntry> entries) {
  Role r;
  r.name = "r";
  r.entries = std::move(entries);
  return r;
}

TEST(RoleEvaluator, DenyWinsOverAllowAcrossRoles) {
  Role a = MakeRole({{Permission::kJoinSession, Effect::kAllow, 0}});
  Role b = MakeRole({{Permission::kJoinSession, Effect::kDeny, 7}});
  std::function<bool(int64_t)> in7 = [](int64_t g) { return g == 7; };
  std::function<bool(int64_t)> in8 = [](int64_t g) { return g == 8; };
  EXPECT_EQ(Evaluate({&a, &b}, Permission::kJoinSession, &in7), Grant::kDenied);
  EXPECT_EQ(Evaluate({&a, &b}, Permission::kJoinSession, &in8), Grant::kAllowed);
  EXPECT_EQ(Evaluate({&a}, Permission::kEndSession, &in8), Grant::kNotGranted);
  Role global_deny = MakeRole({{Permission::kJoinSession, Effect::kDeny, 0}});
  EXPECT_EQ(Evaluate({&a, &global_deny}, Permission::kJoinSession, &in8), Grant::kDenied);
  EXPECT_EQ(Evaluate({&a, &global_deny}, Permission::kJoinSession, nullptr), Grant::kDenied);
}

TEST(RoleEvaluator, GroupScopedAllowAppliesOnlyInItsGroup) {
  Role r = MakeRole({{Permission::kJoinSession, Effect::kAllow, 3}});
  std::function<bool(int64_t)> in3 = [](int64_t g) { return g == 3; };
  std::function<bool(int64_t)> none = [](int64_t) { return false; };
  EXPECT_EQ(Evaluate({&r}, Permission::kJoinSession, &in3), Grant::kAllowed);
  EXPECT_EQ(Evaluate({&r}, Permission::kJoinSession, &none), Grant::kNotGranted);
  // Without a session: somewhere, so the caller narrows.
  EXPECT_EQ(Evaluate({&r}, Permission::kJoinSession, nullptr), Grant::kAllowed);
  // A group Deny alone says nothing without a session.
  Role d = MakeRole({{Permission::kJoinSession, Effect::kAllow, 0}, {Permission::kJoinSession, Effect::kDeny, 3}});
  EXPECT_EQ(Evaluate({&d}, Permission::kJoinSession, nullptr), Grant::kAllowed);
}

TEST(RoleEvaluator, GlobalPermissionsCannotBeScoped) {
  Role r = MakeRole({{Permission::kAdminister, Effect::kAllow, 3}});
  r.name = "x";
  EXPECT_EQ(CheckRole(r).error().code, "validation");
  r.entries = {{Permission::kJoinSession, Effect::kAllow, 3}};
  EXPECT_TRUE(CheckRole(r).ok());
  EXPECT_EQ(ParsePermission("ViewSessionGroup"), Permission::kViewSession);
  EXPECT_EQ(ParsePermission("Nope"), std::nullopt);
}

class AuthorizerTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    for (const char* company : {"Acme", "Globex"}) {
      for (int i = 0; i < 3; ++i) {
        auto s = manager_->CreateSession(SessionType::kSupport, std::string(company) + std::to_string(i), "", admin_);
        SessionPatch p;
        p.properties["company"] = company;
        ASSERT_TRUE(manager_->UpdateSession(s->id, p, admin_).ok());
        ids_[company].push_back(s->id);
      }
    }
    SessionGroupSpec g;
    g.name = "Acme only";
    g.filter = "company = \"acme\"";
    acme_group_ = manager_->Catalog().CreateGroup(g, admin_)->id;
  }
  int64_t MakeRole(const std::string& name, std::vector<RoleEntry> entries) {
    RoleSpec spec;
    spec.name = name;
    spec.entries = std::move(entries);
    auto r = manager_->Roles().Create(spec, admin_);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r->id;
  }
  std::vector<std::string> Visible(const Actor& a) {
    SessionListRequest req;
    auto page = manager_->Catalog().ListSessions(req, a);
    std::vector<std::string> out;
    if (page) for (const auto& s : page->sessions) out.push_back(s.name);
    std::sort(out.begin(), out.end());
    return out;
  }
  Actor admin_{"ada", "192.0.2.2", kRoleAdministrator, 1};
  std::map<std::string, std::vector<std::string>> ids_;
  int64_t acme_group_ = 0;
};

TEST_F(AuthorizerTest, DefaultRolesKeepTheirMeaning) {
  Actor host{"hank", "192.0.2.1", kRoleHost, 2};
  auto s = manager_->GetSession(ids_["Acme"][0]);
  EXPECT_TRUE(manager_->Authorize(host, Permission::kJoinSession, &*s).ok());
  EXPECT_TRUE(manager_->Authorize(host, Permission::kCreateSession).ok());
  EXPECT_FALSE(manager_->Authorize(host, Permission::kAdminister).ok());
  EXPECT_FALSE(manager_->Authorize(host, Permission::kDeleteSession, &*s).ok());
  EXPECT_FALSE(manager_->Authorize(host, Permission::kRunCommandOutsideSession, &*s).ok());
  EXPECT_EQ(Visible(host).size(), 6u);
  Actor nobody{"x", "192.0.2.9", "NoSuchRole", 9};
  EXPECT_FALSE(manager_->Authorize(nobody, Permission::kViewSession).ok());
}

TEST_F(AuthorizerTest, GroupScopedRoleSeesAndJoinsOnlyItsGroup) {
  MakeRole("Acme host", {{Permission::kViewSession, Effect::kAllow, acme_group_},
                         {Permission::kJoinSession, Effect::kAllow, acme_group_}});
  Actor h{"hank", "192.0.2.1", "Acme host", 2};
  EXPECT_EQ(Visible(h), (std::vector<std::string>{"Acme0", "Acme1", "Acme2"}));
  auto acme = manager_->GetSession(ids_["Acme"][1]);
  auto globex = manager_->GetSession(ids_["Globex"][1]);
  EXPECT_TRUE(manager_->Authorize(h, Permission::kJoinSession, &*acme).ok());
  EXPECT_EQ(manager_->Authorize(h, Permission::kJoinSession, &*globex).error().code, "forbidden");
  EXPECT_FALSE(manager_->ListEvents(globex->id, 0, 10, h).ok());
  // Paging stays correct inside the scope.
  SessionListRequest req;
  req.limit = 2;
  auto first = manager_->Catalog().ListSessions(req, h);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->sessions.size(), 2u);
  req.cursor = first->next_cursor;
  auto second = manager_->Catalog().ListSessions(req, h);
  ASSERT_EQ(second->sessions.size(), 1u);
  EXPECT_EQ(second->next_cursor, "");
}

TEST_F(AuthorizerTest, DenyForAGroupHidesItFromAGlobalAllow) {
  MakeRole("Not Acme", {{Permission::kViewSession, Effect::kAllow, 0},
                        {Permission::kViewSession, Effect::kDeny, acme_group_}});
  Actor h{"hank", "192.0.2.1", "Not Acme", 2};
  EXPECT_EQ(Visible(h), (std::vector<std::string>{"Globex0", "Globex1", "Globex2"}));
  auto acme = manager_->GetSession(ids_["Acme"][0]);
  EXPECT_FALSE(manager_->Authorize(h, Permission::kViewSession, &*acme).ok());
  // The group cannot be deleted while a role uses it.
  EXPECT_EQ(manager_->Catalog().DeleteGroup(acme_group_, admin_).error().code, "conflict");
}

TEST_F(AuthorizerTest, LastAdministratorIsKept) {
  ASSERT_TRUE(manager_->AddUser("ada", kRoleAdministrator, "Correct-Horse-9-Battery", admin_).ok());
  ASSERT_TRUE(manager_->AddUser("hank", kRoleHost, "Correct-Horse-9-Battery", admin_).ok());
  EXPECT_EQ(manager_->SetUserRole("ada", kRoleHost, admin_).error().code, "last_administrator");
  EXPECT_EQ(manager_->SetUserDisabled("ada", true, admin_).error().code, "last_administrator");
  EXPECT_EQ(manager_->DeleteUser("ada", admin_).error().code, "last_administrator");
  auto admin_role = manager_->Roles().FindByName(kRoleAdministrator, admin_);
  RoleSpec strip;
  strip.entries = std::vector<RoleEntry>{{Permission::kJoinSession, Effect::kAllow, 0}};
  EXPECT_EQ(manager_->Roles().Update(admin_role->id, strip, admin_).error().code, "last_administrator");
  // Another path to Administer makes the change possible.
  auto host_role = manager_->Roles().FindByName(kRoleHost, admin_);
  RoleSpec grant;
  grant.entries = host_role->entries;
  grant.entries->push_back({Permission::kAdminister, Effect::kAllow, 0});
  ASSERT_TRUE(manager_->Roles().Update(host_role->id, grant, admin_).ok());
  EXPECT_TRUE(manager_->SetUserRole("ada", kRoleHost, admin_).ok());
  EXPECT_EQ(manager_->Roles().Delete(host_role->id, admin_).error().code, "last_administrator");
}


TEST_F(AuthorizerTest, TwoFactorForAdministratorsFollowsTheAdministerPermission) {
  MakeRole("Operators", {{Permission::kAdminister, Effect::kAllow, 0}});
  ASSERT_TRUE(manager_->ChangeSecuritySettings(nlohmann::json{{"security.two_factor", "administrators"}}, admin_).ok());
  User op;
  op.id = 3;
  op.username = "olga";
  op.role = "Operators";
  User host;
  host.id = 4;
  host.username = "hank";
  host.role = kRoleHost;
  EXPECT_TRUE(manager_->TwoFactorRequired(op));
  EXPECT_FALSE(manager_->TwoFactorRequired(host));
}

}  // namespace
}  // namespace tether::manager
