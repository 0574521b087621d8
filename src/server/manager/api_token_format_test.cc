#include "server/manager/api_token_format.h"

#include <gtest/gtest.h>

#include <set>

#include "base/crypto.h"

namespace tether::manager {
namespace {

TEST(ApiTokenFormat, SecretsAreLongPrefixedAndDistinct) {
  InitCrypto();
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string s = NewApiTokenSecret();
    EXPECT_EQ(s.size(), kApiTokenLength);
    EXPECT_TRUE(s.starts_with("tth_"));
    EXPECT_TRUE(IsWellFormedApiToken(s)) << s;
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(ApiTokenHint("tth_" + std::string(39, 'A') + "wxyz"), "tth_...wxyz");
}

TEST(ApiTokenFormat, MalformedSecretsAreRefused) {
  const std::string body(43, 'a');
  EXPECT_TRUE(IsWellFormedApiToken("tth_" + body));
  EXPECT_FALSE(IsWellFormedApiToken(""));
  EXPECT_FALSE(IsWellFormedApiToken("tth_"));
  EXPECT_FALSE(IsWellFormedApiToken("ttx_" + body));
  EXPECT_FALSE(IsWellFormedApiToken("tth_" + body + "a"));
  EXPECT_FALSE(IsWellFormedApiToken("tth_" + body.substr(1)));
  EXPECT_FALSE(IsWellFormedApiToken("tth_" + body.substr(1) + "="));
  EXPECT_FALSE(IsWellFormedApiToken("tth_" + body.substr(1) + "+"));
  EXPECT_FALSE(IsWellFormedApiToken(std::string("tth_") + std::string(42, 'a') + '\0'));
}

TEST(ApiTokenFormat, BearerHeaderParsing) {
  EXPECT_EQ(ParseBearer("Bearer tth_abc"), "tth_abc");
  EXPECT_EQ(ParseBearer("bearer tth_abc"), "tth_abc");
  EXPECT_EQ(ParseBearer("BEARER   tth_abc  "), "tth_abc");
  EXPECT_EQ(ParseBearer("Bearer"), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearer "), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearertth_abc"), std::nullopt);
  EXPECT_EQ(ParseBearer("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearer a b"), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearer a\tb"), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearer caf\xc3\xa9"), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearer " + std::string(kMaxAuthorizationBytes, 'a')), std::nullopt);
}

}  // namespace
}  // namespace tether::manager
