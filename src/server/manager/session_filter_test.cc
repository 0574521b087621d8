#include "server/manager/session_filter.h"

#include <gtest/gtest.h>

namespace tether::manager {
namespace {

Session Sample() {
  Session s;
  s.id = "s1";
  s.type = SessionType::kAccess;
  s.name = "Reception PC";
  s.code = "";
  s.created_by = "alice";
  s.created_at = 1'000'000;
  s.properties = {{"company", "Acme Corp"}, {"site", "Berlin"}, {"tag", "vip"}};
  s.guest.machine = "WS-042";
  s.guest.os = "Debian GNU/Linux 12";
  s.guest.user = "jo";
  s.guest.address = "10.0.0.7";
  s.guest.agent_version = "0.1.0";
  s.guest.online = false;
  s.guest.last_seen = 1'000'000 - 40 * 86400;
  return s;
}

const FilterContext kCtx{1'000'000, "alice"};

bool Matches(std::string_view text, const Session& s = Sample()) {
  auto f = ParseFilter(text);
  EXPECT_TRUE(f.ok()) << text << ": " << f.error().message;
  return f.ok() && FilterMatches(*f, s, kCtx);
}

FilterSyntaxError ErrorOf(std::string_view text) {
  FilterSyntaxError e;
  auto f = ParseFilter(text, &e);
  EXPECT_FALSE(f.ok()) << text;
  if (!f.ok()) {
    EXPECT_EQ(f.error().code, "validation");
    EXPECT_EQ(f.error().message, "filter: at position " + std::to_string(e.position) + ": " + e.message);
  }
  return e;
}

TEST(SessionFilterTest, EmptyFilterMatchesEverything) {
  for (const char* text : {"", "   ", "\n\t"}) {
    auto f = ParseFilter(text);
    ASSERT_TRUE(f.ok());
    EXPECT_TRUE(f->empty());
    EXPECT_TRUE(FilterMatches(*f, Sample(), kCtx));
  }
}

TEST(SessionFilterTest, TextComparisonsAreCaseInsensitive) {
  EXPECT_TRUE(Matches("company = \"acme corp\""));
  EXPECT_TRUE(Matches("company = 'ACME CORP'"));
  EXPECT_TRUE(Matches("site = berlin"));
  EXPECT_TRUE(Matches("COMPANY ~ acme"));
  EXPECT_FALSE(Matches("company != 'Acme Corp'"));
  EXPECT_TRUE(Matches("company !~ globex"));
  EXPECT_TRUE(Matches("machine ~ ws-0"));
  EXPECT_TRUE(Matches("address = 10.0.0.7"));
  EXPECT_TRUE(Matches("version >= 0.1.0 and version < 0.2"));
  EXPECT_TRUE(Matches("department = ''"));
  EXPECT_TRUE(Matches("code = \"\""));
  EXPECT_TRUE(Matches("name ~ \"\""));  // the empty string is in every string
  EXPECT_TRUE(Matches("os ~ 'gnu/linux'"));
  EXPECT_TRUE(Matches("name == 'reception pc'"));
  EXPECT_TRUE(Matches("name <> 'x'"));
}

TEST(SessionFilterTest, MeTypeBooleansAndTimes) {
  EXPECT_TRUE(Matches("created_by = me"));
  EXPECT_TRUE(Matches("created_by = ME"));
  EXPECT_FALSE(Matches("created_by = \"me\""));  // quoted: the literal text
  EXPECT_TRUE(Matches("type = access"));
  EXPECT_TRUE(Matches("type = ACCESS"));
  EXPECT_TRUE(Matches("type != support"));
  EXPECT_TRUE(Matches("NOT online"));
  EXPECT_TRUE(Matches("online = false"));
  EXPECT_FALSE(Matches("online"));
  EXPECT_TRUE(Matches("online != true"));
  EXPECT_FALSE(Matches("ended"));
  EXPECT_TRUE(Matches("last_seen < 30d ago"));
  EXPECT_TRUE(Matches("last_seen < 30days ago"));
  EXPECT_FALSE(Matches("last_seen < 41d ago"));
  EXPECT_TRUE(Matches("last_seen > 6w ago"));
  EXPECT_TRUE(Matches("last_seen <= 720h ago AND last_seen >= 1000m ago OR created_at = now"));
  EXPECT_TRUE(Matches("created_at = now"));
  EXPECT_TRUE(Matches("created_at = 1000000"));
  EXPECT_TRUE(Matches("created_at < 1970-01-13"));  // 1,000,000 s is 1970-01-12T13:46:40Z
  EXPECT_TRUE(Matches("created_at > 1970-01-12"));
  EXPECT_TRUE(Matches("created_at > '1970-01-12T13:46:39Z' AND created_at < \"1970-01-12 13:46:41\""));
  EXPECT_TRUE(Matches("created_at >= 1970-01-12T13:46"));
  EXPECT_TRUE(Matches("ended_at = 0"));
}

TEST(SessionFilterTest, BooleanStructureAndPrecedence) {
  // AND binds tighter than OR; NOT tighter than AND.
  EXPECT_TRUE(Matches("company = globex OR site = berlin AND tag = vip"));
  EXPECT_FALSE(Matches("(company = globex OR site = berlin) AND tag = none"));
  EXPECT_TRUE(Matches("NOT company = globex AND NOT online"));
  EXPECT_FALSE(Matches("NOT (company ~ acme OR online)"));
  EXPECT_TRUE(Matches("not not company ~ acme"));
  EXPECT_TRUE(Matches("((((site = berlin))))"));
  EXPECT_TRUE(Matches("company~acme and(site=berlin or site=paris)and not online"));
  auto f = ParseFilter("a_field_that_is_not = 1 OR x = 2");
  EXPECT_FALSE(f.ok());
  auto chain = ParseFilter("site = a OR site = b OR site = c");
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(chain->root()->kind, FilterNode::Kind::kOr);
  EXPECT_EQ(chain->root()->children.size(), 3u);  // flattened
}

TEST(SessionFilterTest, NonAsciiValues) {
  Session s = Sample();
  s.properties["company"] = "M\xc3\xbcller GmbH";
  EXPECT_TRUE(Matches("company = M\xc3\xbcller AND company ~ 'gmbh'", s) == false);
  EXPECT_TRUE(Matches("company = 'm\xc3\xbcller gmbh'", s));
  EXPECT_TRUE(Matches("company ~ \xc3\xbcller", s));
}

TEST(SessionFilterTest, ErrorsSayWhereAndWhat) {
  struct Case {
    const char* text;
    size_t position;
    const char* says;
  };
  const Case cases[] = {
      {"compnay = acme", 1, "unknown field 'compnay'"},
      {"company =", 10, "expected a value after '='"},
      {"company acme", 9, "expected an operator"},
      {"company = acme AND", 19, "expected a field name, found the end"},
      {"company = acme site = x", 16, "expected AND, OR or the end"},
      {"(company = acme", 1, "'(' is never closed"},
      {"company = acme)", 15, "unmatched ')'"},
      {"company = \"acme", 11, "unterminated string"},
      {"company = 'a\\q'", 13, "unknown escape"},
      {"online ~ yes", 8, "'~' does not apply to 'online'"},
      {"online = yes", 10, "'online' is true or false"},
      {"last_seen ~ 3d", 11, "'~' does not apply to 'last_seen'"},
      {"last_seen < 30d", 16, "a duration needs 'ago'"},
      {"last_seen < 30 ago", 13, "'30' needs a unit before 'ago'"},
      {"last_seen < yesterday", 13, "expected a time for 'last_seen'"},
      {"last_seen < 2023-02-29", 13, "expected a time"},
      {"type = desktop", 8, "type is support, meeting or access"},
      {"type ~ supp", 6, "does not apply to 'type'"},
      {"company = acme & site = x", 16, "unexpected character '&'"},
      {"company ! acme", 9, "'!' must be followed by"},
      {"= acme", 1, "expected a field name, found '='"},
      {"\"company\" = acme", 1, "expected a field name, found a string"},
      {"AND", 1, "expected a field name, found 'AND'"},
      {"()", 2, "expected a field name, found ')'"},
      {"company = (acme)", 11, "expected a value after '='"},
      {"company = OR", 11, "expected a value"},
      {"created_at > 9999999999999", 14, "number too large"},
      {"last_seen < 99999999d ago", 13, "duration too long"},
      {"caf\xc3\xa9 = 1", 1, "unknown field 'caf\xc3\xa9'"},
      {"\xc3\xa9\xc3\xa9 = \xff", 6, "invalid UTF-8"},
      {"name = 'a\x01'", 10, "invalid UTF-8 or control character"},
  };
  for (const auto& c : cases) {
    auto e = ErrorOf(c.text);
    EXPECT_EQ(e.position, c.position) << c.text << ": " << e.message;
    EXPECT_NE(e.message.find(c.says), std::string::npos) << c.text << ": " << e.message;
  }
}

TEST(SessionFilterTest, LimitsAreEnforced) {
  EXPECT_NE(ErrorOf(std::string(2049, ' ')).message.find("longer than 2048"), std::string::npos);
  std::string deep;
  for (int i = 0; i < 33; ++i) deep += "(";
  deep += "online";
  for (int i = 0; i < 33; ++i) deep += ")";
  EXPECT_NE(ErrorOf(deep).message.find("nested too deeply"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 40; ++i) nots += "NOT ";
  EXPECT_NE(ErrorOf(nots + "online").message.find("nested too deeply"), std::string::npos);
  std::string ok_deep;
  for (int i = 0; i < 32; ++i) ok_deep += "(";
  ok_deep += "online";
  for (int i = 0; i < 32; ++i) ok_deep += ")";
  EXPECT_TRUE(ParseFilter(ok_deep).ok());
  std::string many = "online";
  for (int i = 0; i < 63; ++i) many += " OR online";
  EXPECT_TRUE(ParseFilter(many).ok());
  EXPECT_NE(ErrorOf(many + " OR online").message.find("too many comparisons"), std::string::npos);
  EXPECT_NE(ErrorOf("name = '" + std::string(257, 'x') + "'").message.find("longer than 256"), std::string::npos);
  EXPECT_TRUE(ParseFilter("name = '" + std::string(256, 'x') + "'").ok());
}

TEST(SessionFilterTest, BuiltFiltersForSearchAndSubgroups) {
  const Session s = Sample();
  EXPECT_TRUE(FilterMatches(SearchFilter("ws-04"), s, kCtx));
  EXPECT_TRUE(FilterMatches(SearchFilter("ACME"), s, kCtx));
  EXPECT_TRUE(FilterMatches(SearchFilter("reception"), s, kCtx));
  EXPECT_FALSE(FilterMatches(SearchFilter("berlin"), s, kCtx));  // site is not searched
  EXPECT_TRUE(FilterMatches(SearchFilter("' OR 1=1 --"), s, kCtx) == false);
  EXPECT_TRUE(FilterMatches(EqualsFilter(FilterField::kCompany, "acme corp"), s, kCtx));
  EXPECT_TRUE(FilterMatches(EqualsFilter(FilterField::kDepartment, ""), s, kCtx));
}

TEST(SessionFilterTest, FieldTable) {
  EXPECT_EQ(FilterFields().size(), static_cast<size_t>(FilterField::kEndedAt) + 1);
  for (size_t i = 0; i < FilterFields().size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(FilterFields()[i].field), i);
    EXPECT_EQ(FindFilterField(FilterFields()[i].name), &FilterFields()[i]);
  }
  EXPECT_EQ(FindFilterField("Company")->field, FilterField::kCompany);
  EXPECT_EQ(FindFilterField("nope"), nullptr);
  EXPECT_TRUE(IsSubgroupField(FilterField::kOs));
  EXPECT_FALSE(IsSubgroupField(FilterField::kOnline));
  EXPECT_FALSE(IsSubgroupField(FilterField::kLastSeen));
}

}  // namespace
}  // namespace tether::manager
