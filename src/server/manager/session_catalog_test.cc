#include "server/manager/session_catalog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "base/crypto.h"
#include "server/manager/session_cursor.h"
#include "server/manager/session_manager.h"
#include "server/store/sqlite_store.h"
#include "server/manager/manager_test_fixture.h"

namespace tether::manager {
namespace {

class SessionCatalogTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
  }
  SessionCatalog& catalog() { return manager_->Catalog(); }

  // n sessions, one a second, alternating owners and companies.
  std::vector<std::string> Make(int n, SessionType type = SessionType::kSupport) {
    std::vector<std::string> ids;
    const char* companies[] = {"Acme", "Globex", "acme", ""};
    for (int i = 0; i < n; ++i) {
      clock_.Advance(std::chrono::seconds(1));
      auto s = manager_->CreateSession(type, "Session " + std::to_string(i), "", i % 2 ? host_ : admin_);
      EXPECT_TRUE(s.ok());
      SessionPatch p;
      p.properties["company"] = companies[i % 4];
      if (*companies[i % 4]) {
        EXPECT_TRUE(manager_->UpdateSession(s->id, p, admin_).ok());
      }
      ids.push_back(s->id);
    }
    return ids;
  }
  std::vector<std::string> Ids(const SessionPage& page) {
    std::vector<std::string> ids;
    for (const auto& s : page.sessions) ids.push_back(s.id);
    return ids;
  }
  int64_t GroupNamed(const std::string& name) {
    auto groups = catalog().ListGroups(std::nullopt, host_);  // keep the Result alive while iterating
    for (const auto& g : *groups) {
      if (g.name == name) return g.id;
    }
    return 0;
  }

  Actor host_{"hank", "192.0.2.1", kRoleHost, 2};
  Actor admin_{"ada", "192.0.2.2", kRoleAdministrator, 1};
};

TEST_F(SessionCatalogTest, DefaultGroupsExistInOrder) {
  auto groups = catalog().ListGroups(std::nullopt, host_);
  ASSERT_TRUE(groups.ok());
  std::vector<std::string> names;
  for (const auto& g : *groups) names.push_back(g.name);
  EXPECT_EQ(names, (std::vector<std::string>{"All sessions", "My sessions", "By company", "By OS",
                                             "Guest connected", "Offline for 30 days"}));
  for (const auto& g : *groups) EXPECT_TRUE(ParseFilter(g.filter).ok()) << g.filter;
  // The offline group is for access sessions only.
  auto support = catalog().ListGroups(SessionType::kSupport, host_);
  EXPECT_EQ(support->size(), 5u);
  EXPECT_EQ(catalog().ListGroups(SessionType::kAccess, host_)->size(), 6u);
}

TEST_F(SessionCatalogTest, PagesWithCursorsVisitEverySessionOnce) {
  auto ids = Make(25);
  std::vector<std::string> seen;
  SessionListRequest r;
  r.limit = 7;
  int pages = 0;
  while (true) {
    auto page = catalog().ListSessions(r, host_);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (auto& id : Ids(*page)) seen.push_back(id);
    ++pages;
    if (page->next_cursor.empty()) break;
    r.cursor = page->next_cursor;
  }
  EXPECT_EQ(pages, 4);
  std::reverse(ids.begin(), ids.end());  // newest first
  EXPECT_EQ(seen, ids);

  // Sessions created while paging do not shift later pages.
  r.cursor.clear();
  auto first = catalog().ListSessions(r, host_);
  Make(3);
  r.cursor = first->next_cursor;
  auto second = catalog().ListSessions(r, host_);
  EXPECT_EQ(Ids(*second)[0], ids[7]);
}

TEST_F(SessionCatalogTest, SameSecondSessionsPageByIdToo) {
  std::set<std::string> made;
  for (int i = 0; i < 10; ++i) made.insert(manager_->CreateSession(SessionType::kSupport, "x", "", host_)->id);
  SessionListRequest r;
  r.limit = 3;
  std::set<std::string> seen;
  size_t total = 0;
  do {
    auto page = catalog().ListSessions(r, host_);
    for (auto& id : Ids(*page)) seen.insert(id);
    total += page->sessions.size();
    r.cursor = page->next_cursor;
  } while (!r.cursor.empty());
  EXPECT_EQ(total, 10u);
  EXPECT_EQ(seen, made);
}

TEST_F(SessionCatalogTest, GroupsFiltersSearchAndSubgroupsCombine) {
  auto ids = Make(8);
  SessionListRequest r;
  r.group_id = GroupNamed("My sessions");
  auto mine = catalog().ListSessions(r, host_);  // hank made the odd ones
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->sessions.size(), 4u);
  for (const auto& s : mine->sessions) EXPECT_EQ(s.created_by, "hank");

  r.group_id = GroupNamed("By company");
  auto subs = catalog().ListSubgroups(*r.group_id, r, host_);
  ASSERT_TRUE(subs.ok());
  EXPECT_EQ(subs->field, "company");
  ASSERT_EQ(subs->values.size(), 3u);  // "", Acme (with acme), Globex
  EXPECT_EQ(subs->values[0].value, "");
  EXPECT_EQ(subs->values[0].count, 2);
  EXPECT_EQ(AsciiLower(subs->values[1].value), "acme");
  EXPECT_EQ(subs->values[1].count, 4);
  EXPECT_EQ(subs->values[2].value, "Globex");

  r.subgroup = "ACME";
  EXPECT_EQ(catalog().ListSessions(r, host_)->sessions.size(), 4u);
  r.filter = "created_by = me";
  EXPECT_EQ(catalog().ListSessions(r, host_)->sessions.size(), 0u);  // hank has Globex and ""
  r.filter.clear();
  r.q = "session 4";
  auto found = catalog().ListSessions(r, host_);
  ASSERT_EQ(found->sessions.size(), 1u);
  EXPECT_EQ(found->sessions[0].id, ids[4]);
  r.subgroup = "";
  r.q.clear();
  EXPECT_EQ(catalog().ListSessions(r, host_)->sessions.size(), 2u);

  // A type tab and the ended switch apply too.
  SessionListRequest all;
  all.type = SessionType::kMeeting;
  EXPECT_TRUE(catalog().ListSessions(all, host_)->sessions.empty());
  ASSERT_TRUE(manager_->EndSession(ids[0], host_).ok());
  all.type.reset();
  EXPECT_EQ(catalog().ListSessions(all, host_)->sessions.size(), 7u);
  all.include_ended = true;
  EXPECT_EQ(catalog().ListSessions(all, host_)->sessions.size(), 8u);
  all.filter = "ended";
  EXPECT_EQ(catalog().ListSessions(all, host_)->sessions.size(), 1u);
}

TEST_F(SessionCatalogTest, BadRequestsAreValidationErrors) {
  Make(2);
  SessionListRequest r;
  r.filter = "company = ";
  FilterSyntaxError where;
  auto bad = catalog().ListSessions(r, host_, &where);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "validation");
  EXPECT_EQ(where.position, 11u);
  r.filter.clear();
  r.cursor = "not-a-cursor";
  EXPECT_EQ(catalog().ListSessions(r, host_).error().code, "validation");
  r.cursor = EncodeCursor({5, "a'b"});  // an id outside the id alphabet
  EXPECT_EQ(catalog().ListSessions(r, host_).error().code, "validation");
  r.cursor.clear();
  r.q = std::string(129, 'q');
  EXPECT_EQ(catalog().ListSessions(r, host_).error().code, "validation");
  r.q.clear();
  r.group_id = 9999;
  EXPECT_EQ(catalog().ListSessions(r, host_).error().code, "not_found");
  r.group_id = GroupNamed("All sessions");
  r.subgroup = "x";
  EXPECT_EQ(catalog().ListSessions(r, host_).error().code, "validation");  // no sub-groups
  EXPECT_EQ(catalog().ListSubgroups(*r.group_id, {}, host_).error().code, "validation");
  r.group_id.reset();
  EXPECT_EQ(catalog().ListSessions(r, host_).error().code, "validation");  // subgroup without group
  EXPECT_EQ(catalog().ListSessions({}, Actor{"eve", "x"}).error().code, "forbidden");
}

TEST_F(SessionCatalogTest, GroupCrudIsForAdministratorsAndValidated) {
  SessionGroupSpec spec;
  spec.name = "VIPs";
  spec.filter = "tag = vip AND NOT ended";
  spec.subgroup_by = "Company";
  EXPECT_EQ(catalog().CreateGroup(spec, host_).error().code, "forbidden");
  auto g = catalog().CreateGroup(spec, admin_);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->subgroup_by, "company");
  EXPECT_EQ(g->position, 7);
  EXPECT_EQ(g->created_by, "ada");
  EXPECT_EQ(catalog().CreateGroup(spec, admin_).error().code, "conflict");  // same name
  SessionGroupSpec upper = spec;
  upper.name = "vips";
  EXPECT_EQ(catalog().CreateGroup(upper, admin_).error().code, "conflict");

  FilterSyntaxError where;
  SessionGroupSpec bad;
  bad.filter = "tag = vip AND";
  auto r = catalog().UpdateGroup(g->id, bad, admin_, &where);
  EXPECT_EQ(r.error().code, "validation");
  EXPECT_EQ(where.position, 14u);
  for (auto mutate : std::vector<std::function<void(SessionGroupSpec&)>>{
           [](SessionGroupSpec& s) { s.name = ""; },
           [](SessionGroupSpec& s) { s.name = std::string(65, 'n'); },
           [](SessionGroupSpec& s) { s.subgroup_by = "online"; },
           [](SessionGroupSpec& s) { s.subgroup_by = "colour"; },
           [](SessionGroupSpec& s) { s.session_type = "desktop"; },
           [](SessionGroupSpec& s) { s.position = -1; }}) {
    SessionGroupSpec s;
    mutate(s);
    EXPECT_EQ(catalog().UpdateGroup(g->id, s, admin_).error().code, "validation");
  }
  SessionGroupSpec rename;
  rename.name = "Very important";
  rename.session_type = "ACCESS";
  auto renamed = catalog().UpdateGroup(g->id, rename, admin_);
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(renamed->filter, "tag = vip AND NOT ended");
  EXPECT_EQ(renamed->session_type, "access");
  EXPECT_EQ(catalog().GetGroup(g->id, host_)->name, "Very important");
  EXPECT_EQ(catalog().DeleteGroup(g->id, host_).error().code, "forbidden");
  ASSERT_TRUE(catalog().DeleteGroup(g->id, admin_).ok());
  EXPECT_EQ(catalog().GetGroup(g->id, host_).error().code, "not_found");
  EXPECT_EQ(catalog().DeleteGroup(g->id, admin_).error().code, "not_found");
  SessionGroupSpec nameless;
  nameless.filter = "online";
  EXPECT_EQ(catalog().CreateGroup(nameless, admin_).error().code, "validation");
}

TEST_F(SessionCatalogTest, OfflineAndConnectedGroupsFollowPresence) {
  auto ids = Make(3, SessionType::kAccess);
  ASSERT_TRUE(manager_->AppendEvent(ids[0], "guest_connected", "guest", "guest").ok());
  ASSERT_TRUE(manager_->AppendEvent(ids[1], "guest_connected", "guest", "guest").ok());
  ASSERT_TRUE(manager_->AppendEvent(ids[1], "guest_disconnected", "guest", "").ok());
  SessionListRequest r;
  r.group_id = GroupNamed("Guest connected");
  EXPECT_EQ(Ids(*catalog().ListSessions(r, host_)), std::vector<std::string>{ids[0]});
  r.group_id = GroupNamed("Offline for 30 days");
  EXPECT_TRUE(catalog().ListSessions(r, host_)->sessions.empty());
  clock_.Advance(std::chrono::hours(24 * 31));
  EXPECT_EQ(Ids(*catalog().ListSessions(r, host_)), (std::vector<std::string>{ids[2], ids[1]}));
  r.type = SessionType::kSupport;  // the group is for access sessions
  EXPECT_TRUE(catalog().ListSessions(r, host_)->sessions.empty());
}

TEST(SessionCursorTest, RoundTripsAndRefusesForgeries) {
  SessionCursor c{1'700'000'123, "AbC-_9"};
  auto back = DecodeCursor(EncodeCursor(c));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->created_at, c.created_at);
  EXPECT_EQ(back->id, c.id);
  for (const char* bad : {"", "!!!!", "djE6", "djE6Ong", "djE6Ojx4", "djE6MTp4Jw"}) {
    EXPECT_FALSE(DecodeCursor(bad).has_value()) << bad;
  }
  EXPECT_FALSE(DecodeCursor(std::string(161, 'A')).has_value());
}

}  // namespace
}  // namespace tether::manager
