#include "server/store/session_filter_sql.h"

#include <gtest/gtest.h>

#include <set>

#include "server/store/sqlite_store.h"
#include "testing/temp_dir.h"

namespace tether::store {
namespace {

using namespace tether::manager;

// The SQL the compiler produces must select exactly the sessions FilterMatches accepts.
class SessionFilterSqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(*SqliteStore::Open(dir_.path() / "t.db"));
    struct Row {
      const char* id; SessionType type; const char* name; const char* code; const char* by;
      int64_t created; int64_t ended; const char* company; const char* site; const char* tag;
      const char* machine; const char* os; const char* user; bool online; int64_t seen;
    };
    const Row rows[] = {
        {"a", SessionType::kSupport, "Printer", "123456", "alice", 100, 0, "Acme", "Berlin", "", "ws-1", "Debian 12", "jo", true, 900},
        {"b", SessionType::kSupport, "Scanner", "ABCD-42", "bob", 200, 300, "acme", "", "vip", "", "", "", false, 0},
        {"c", SessionType::kAccess, "Reception PC", "", "alice", 300, 0, "Globex", "Paris", "vip", "RECEPTION", "Ubuntu 24.04", "ann", false, 50},
        {"d", SessionType::kMeeting, "Weekly", "", "carol", 400, 0, "", "", "", "", "", "", false, 0},
        {"e", SessionType::kAccess, "M\xc3\xbcller-PC", "", "bob", 500, 0, "M\xc3\xbcller GmbH", "Z\xc3\xbcrich", "", "mueller", "Debian 11", "root", true, 990},
        {"f", SessionType::kAccess, "100% _done_", "", "alice", 600, 0, "O'Brien \"&\" Sons", "", "a\\b", "x", "y", "z", false, 1},
    };
    for (const auto& r : rows) {
      Session s;
      s.id = r.id; s.type = r.type; s.name = r.name; s.code = r.code; s.created_by = r.by;
      s.created_at = r.created;
      if (*r.company) s.properties["company"] = r.company;
      if (*r.site) s.properties["site"] = r.site;
      if (*r.tag) s.properties["tag"] = r.tag;
      ASSERT_TRUE(store_->Sessions().Create(s, {0, r.id, "created", r.by, "", r.created}).ok());
      GuestInfo g{r.machine, r.os, r.user, "10.0.0.1", "0.1.0", r.online, r.seen};
      ASSERT_TRUE(store_->Sessions().UpdateGuest(r.id, g).ok());
      if (r.ended) {
        ASSERT_TRUE(store_->Sessions().End(r.id, {0, r.id, "ended", r.by, "", r.ended}).ok());
      }
    }
    db_ = std::move(*SqliteDb::Open(dir_.path() / "t.db"));
  }

  std::set<std::string> BySql(const Filter& f) {
    SqlParams params;
    const std::string where = CompileFilter(f, ctx_, params);
    const std::string sql = "SELECT id FROM sessions WHERE " + where;
    auto lock = db_->Lock();
    Statement st(db_->Handle(), sql.c_str());
    params.BindTo(st);
    std::set<std::string> ids;
    while (st.Step()) ids.insert(st.Text(0));
    EXPECT_TRUE(st.Ok()) << sql << ": " << st.ErrorMessage();
    return ids;
  }

  std::set<std::string> InMemory(const Filter& f) {
    std::set<std::string> ids;
    for (const char* id : {"a", "b", "c", "d", "e", "f"}) {
      if (FilterMatches(f, *store_->Sessions().Find(id), ctx_)) ids.insert(id);
    }
    return ids;
  }

  tether::testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<SqliteDb> db_;
  FilterContext ctx_{1000, "alice"};
};

TEST_F(SessionFilterSqlTest, SqlAndMemoryAgree) {
  const std::pair<const char*, std::set<std::string>> cases[] = {
      {"", {"a", "b", "c", "d", "e", "f"}},
      {"company = acme", {"a", "b"}},
      {"company ~ ACM", {"a", "b"}},
      {"company !~ acm", {"c", "d", "e", "f"}},
      {"company = ''", {"d"}},
      {"company < b", {"a", "b", "d"}},
      {"created_by = me", {"a", "c", "f"}},
      {"created_by != me AND NOT ended", {"d", "e"}},
      {"type = access", {"c", "e", "f"}},
      {"type != access", {"a", "b", "d"}},
      {"online", {"a", "e"}},
      {"NOT online", {"b", "c", "d", "f"}},
      {"online = false AND last_seen < 100s ago", {"b", "c", "d", "f"}},
      {"ended", {"b"}},
      {"ended_at >= 300", {"b"}},
      {"last_seen > 0 AND last_seen < 900", {"c", "f"}},
      {"created_at >= 300 AND created_at <= 500", {"c", "d", "e"}},
      {"code = 123456", {"a"}},
      {"code ~ abcd", {"b"}},
      {"code = ''", {"c", "d", "e", "f"}},
      {"os ~ debian OR os ~ ubuntu", {"a", "c", "e"}},
      {"(site = berlin OR site = paris) AND tag = vip", {"c"}},
      {"NOT (site = berlin OR site = paris)", {"b", "d", "e", "f"}},
      {"company ~ '\xc3\xbc'", {"e"}},
      {"company = 'm\xc3\xbcller gmbh'", {"e"}},
      {"name ~ '%'", {"f"}},
      {"name ~ '_'", {"f"}},
      {"name ~ '100% _'", {"f"}},
      {"company ~ \"o'brien \\\"&\\\"\"", {"f"}},
      {"tag = 'a\\\\b'", {"f"}},
      {"machine = reception AND user = ANN", {"c"}},
      {"address = 10.0.0.1 AND version = 0.1.0", {"a", "b", "c", "d", "e", "f"}},
      {"name = \"x' OR '1'='1\"", {}},
      {"name ~ \"'; DROP TABLE sessions; --\"", {}},
  };
  for (const auto& [text, expected] : cases) {
    auto f = ParseFilter(text);
    ASSERT_TRUE(f.ok()) << text << ": " << f.error().message;
    std::set<std::string> want = expected;
    want.erase("");
    EXPECT_EQ(BySql(*f), want) << text;
    EXPECT_EQ(InMemory(*f), want) << text;
  }
  // The table is intact after the injection-looking literals.
  EXPECT_EQ(BySql(Filter()).size(), 6u);
}

TEST_F(SessionFilterSqlTest, LiteralsAreNeverPartOfTheSql) {
  auto f = ParseFilter("name = \"x'); DELETE FROM sessions; --\" OR company ~ 'Robert'");
  ASSERT_TRUE(f.ok());
  SqlParams params;
  const std::string sql = CompileFilter(*f, ctx_, params);
  EXPECT_EQ(sql.find("DELETE"), std::string::npos);
  EXPECT_EQ(sql.find("obert"), std::string::npos);
  EXPECT_EQ(params.size(), 2u);
  EXPECT_EQ(sql, "((name = ?1 COLLATE NOCASE) OR (instr(lower(company), ?2) > 0))");
}

TEST_F(SessionFilterSqlTest, SearchAndEqualsFilters) {
  EXPECT_EQ(BySql(SearchFilter("ACME")), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(BySql(SearchFilter("ws-")), (std::set<std::string>{"a"}));
  EXPECT_EQ(BySql(SearchFilter("ann")), (std::set<std::string>{"b", "c"}));  // sc-ANN-er, user ann
  EXPECT_EQ(BySql(SearchFilter("42")), (std::set<std::string>{"b"}));
  EXPECT_EQ(BySql(EqualsFilter(FilterField::kCompany, "ACME")), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(BySql(EqualsFilter(FilterField::kCompany, "")), (std::set<std::string>{"d"}));
}

}  // namespace
}  // namespace tether::store
