// Addresses, CIDR ranges (IPv4, IPv6, IPv4-mapped), allow/block rules and the client address
// behind trusted proxies, including the forged X-Forwarded-For a client sends itself.
#include "net/ip_access.h"

#include <gtest/gtest.h>

namespace tether::net {
namespace {

IpAddress A(const char* text) { return *ParseIpAddress(text); }

IpList List(std::initializer_list<const char*> entries) {
  IpList l;
  for (const char* e : entries) EXPECT_TRUE(l.Add(e).ok()) << e;
  return l;
}

TEST(IpAccess, ParsesAddressesAndRefusesEverythingElse) {
  EXPECT_TRUE(A("192.0.2.7").v4);
  EXPECT_FALSE(A("2001:db8::1").v4);
  EXPECT_EQ(A("[2001:db8::1]"), A("2001:db8::1"));
  EXPECT_EQ(A("::ffff:192.0.2.7"), A("192.0.2.7"));  // IPv4-mapped is the IPv4 address
  for (const char* bad : {"", "example.com", "192.0.2", "192.0.2.256", "192.0.2.7:80", "fe80::1%eth0",
                          "1.2.3.4 ", "::g", "[::1", "01.2.3.4"}) {
    EXPECT_FALSE(ParseIpAddress(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseIpAddress(std::string(100, '1')).has_value());
}

TEST(IpAccess, RangesMatchByPrefix) {
  auto r = IpRange::Parse("10.1.0.0/16");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->Contains(A("10.1.255.9")));
  EXPECT_FALSE(r->Contains(A("10.2.0.1")));
  EXPECT_TRUE(r->Contains(A("::ffff:10.1.0.1")));
  EXPECT_FALSE(r->Contains(A("2001:db8::1")));  // families never mix
  auto odd = IpRange::Parse("192.168.7.200/29");  // host bits are cleared
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->ToString(), "192.168.7.200/29");
  EXPECT_TRUE(odd->Contains(A("192.168.7.207")));
  EXPECT_FALSE(odd->Contains(A("192.168.7.208")));
  auto v6 = IpRange::Parse(" 2001:db8:abcd::/47 ");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->Contains(A("2001:db8:abcd:ffff::1")));
  EXPECT_FALSE(v6->Contains(A("2001:db8:abce::1")));
  EXPECT_TRUE(IpRange::Parse("0.0.0.0/0")->Contains(A("203.0.113.1")));
  EXPECT_TRUE(IpRange::Parse("::/0")->Contains(A("2001:db8::1")));
  EXPECT_TRUE(IpRange::Parse("203.0.113.5")->Contains(A("203.0.113.5")));
  EXPECT_FALSE(IpRange::Parse("203.0.113.5")->Contains(A("203.0.113.6")));
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/+8",
                          "10.0.0.0/08a", "host/24", "/24"}) {
    auto e = IpRange::Parse(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().code, "validation");
    EXPECT_NE(e.error().message.find('\''), std::string::npos) << "names the entry: " << e.error().message;
  }
}

TEST(IpAccess, BlockWinsAndAnEmptyAllowListLetsEveryoneIn) {
  IpRule open;
  EXPECT_TRUE(open.Permits("203.0.113.1"));
  EXPECT_TRUE(open.Permits("not an address"));  // no lists: nothing to check
  IpRule r{List({"10.0.0.0/8", "2001:db8::/32"}), List({"10.9.0.0/16"})};
  EXPECT_TRUE(r.Permits("10.1.2.3"));
  EXPECT_TRUE(r.Permits("2001:db8::5"));
  EXPECT_FALSE(r.Permits("10.9.0.1"));  // blocked inside the allowed range
  EXPECT_FALSE(r.Permits("192.0.2.1"));
  EXPECT_FALSE(r.Permits("garbage"));
  IpRule block_only{{}, List({"198.51.100.0/24"})};
  EXPECT_FALSE(block_only.Permits("198.51.100.7"));
  EXPECT_TRUE(block_only.Permits("192.0.2.1"));
}

TEST(IpAccess, ForwardedForIsReadOnlyFromTrustedProxiesRightmostUntrustedFirst) {
  const IpList proxies = List({"10.0.0.0/8"});
  // Not from a proxy: the header is the client's own claim and is ignored.
  EXPECT_EQ(ClientAddress("203.0.113.9", "10.0.0.1", proxies), "203.0.113.9");
  // From a proxy: the rightmost address that is not a proxy.
  EXPECT_EQ(ClientAddress("10.0.0.2", "198.51.100.1, 203.0.113.9", proxies), "203.0.113.9");
  EXPECT_EQ(ClientAddress("10.0.0.2", "203.0.113.9, 10.0.0.3", proxies), "203.0.113.9");
  // A client that forges its own header gets its real address, which the proxy appended.
  EXPECT_EQ(ClientAddress("10.0.0.2", "10.1.1.1, 203.0.113.66", proxies), "203.0.113.66");
  // Nothing or garbage beyond the proxy: the proxy itself.
  EXPECT_EQ(ClientAddress("10.0.0.2", "", proxies), "10.0.0.2");
  EXPECT_EQ(ClientAddress("10.0.0.2", "unknown", proxies), "10.0.0.2");
  EXPECT_EQ(ClientAddress("10.0.0.2", "198.51.100.1, junk, 10.0.0.3", proxies), "10.0.0.3");
  EXPECT_EQ(ClientAddress("10.0.0.2", "[2001:db8::7]", proxies), "2001:db8::7");
  // No trusted proxies configured: never read.
  EXPECT_EQ(ClientAddress("10.0.0.2", "203.0.113.9", IpList()), "10.0.0.2");
}

}  // namespace
}  // namespace tether::net
