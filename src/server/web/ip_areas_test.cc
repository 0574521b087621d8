// Which area's lists a request must pass: login, administration, host pages, API tokens, or
// none (guest page, health, assets), and the first refusing area for an address.
#include "server/web/ip_areas.h"

#include <gtest/gtest.h>

namespace tether::web {
namespace {

HttpRequest Req(const std::string& path, const std::string& bearer = "", const std::string& addr = "192.0.2.1") {
  HttpRequest r;
  r.method = "GET";
  r.path = path;
  r.remote_addr = addr;
  if (!bearer.empty()) r.headers["authorization"] = "Bearer " + bearer;
  return r;
}

std::string Names(const HttpRequest& r) {
  static const net::IpAreas areas;
  std::string out;
  for (const auto& a : AreasOf(r, areas)) out += (out.empty() ? "" : ",") + std::string(a.name);
  return out;
}

TEST(IpAreas, EachPathBelongsToItsArea) {
  EXPECT_EQ(Names(Req("/api/v1/auth/login")), "login");
  EXPECT_EQ(Names(Req("/api/v1/setup")), "login");
  EXPECT_EQ(Names(Req("/login")), "login");
  EXPECT_EQ(Names(Req("/api/v1/users")), "admin");
  EXPECT_EQ(Names(Req("/api/v1/users/7")), "admin");
  EXPECT_EQ(Names(Req("/api/v1/users", "tok")), "admin,api");
  EXPECT_EQ(Names(Req("/api/v1/sessions")), "host");
  EXPECT_EQ(Names(Req("/api/v1/sessions/x/connect")), "host");
  EXPECT_EQ(Names(Req("/api/v1/sessions", "tok")), "api");
  EXPECT_EQ(Names(Req("/")), "host");
  EXPECT_EQ(Names(Req("/sessions/x/view")), "host");
  EXPECT_EQ(Names(Req("/api/v1/usersx")), "host");  // a prefix is a whole segment
  for (const char* open : {"/guest", "/api/v1/guest/join", "/healthz", "/metrics", "/assets/app.js",
                           "/favicon.svg", "/api/v1/openapi.json"}) {
    EXPECT_EQ(Names(Req(open)), "") << open;
    EXPECT_EQ(Names(Req(open, "tok")), "") << open;
  }
}

TEST(IpAreas, AnyAuthorizationHeaderMakesAnApiRequest) {
  for (const char* value : {"Bearer tok", "bearer tok", "BEARER  tok", "Basic dXNlcjpwYXNz", "x"}) {
    HttpRequest r = Req("/api/v1/sessions");
    r.headers["authorization"] = value;
    EXPECT_EQ(Names(r), "api") << value;
  }
}

TEST(IpAreas, TheFirstRefusingAreaIsNamed) {
  net::IpAreas areas;
  ASSERT_TRUE(areas.api.block.Add("192.0.2.0/24").ok());
  ASSERT_TRUE(areas.admin.allow.Add("10.0.0.0/8").ok());
  EXPECT_EQ(RefusingArea(Req("/api/v1/sessions"), areas), nullptr);
  EXPECT_STREQ(RefusingArea(Req("/api/v1/sessions", "tok"), areas), "api");
  EXPECT_EQ(RefusingArea(Req("/api/v1/users", "", "10.1.1.1"), areas), nullptr);
  EXPECT_STREQ(RefusingArea(Req("/api/v1/users", "", "192.0.2.1"), areas), "admin");
  EXPECT_EQ(RefusingArea(Req("/api/v1/users", "tok", "10.1.1.1"), areas), nullptr);
  EXPECT_EQ(RefusingArea(Req("/guest"), areas), nullptr);
}

}  // namespace
}  // namespace tether::web
