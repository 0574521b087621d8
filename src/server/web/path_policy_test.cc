// The request checks of path_policy.h that are ours rather than Beast's: the Origin comparison
// and the Cookie header reader.
#include "server/web/path_policy.h"

#include <gtest/gtest.h>

namespace tether::web {
namespace {

TEST(PathPolicyTest, OwnOriginIsExactlyHttpsAndTheHostOrThePublicOrigin) {
  EXPECT_TRUE(IsOwnOrigin("https://tether.test:8040", "tether.test:8040", ""));
  EXPECT_TRUE(IsOwnOrigin("https://support.example.com", "10.0.0.5:8040", "https://support.example.com"));
  for (const char* origin : {"", "null", "http://tether.test:8040", "https://tether.test:8041", "https://tether.test",
                             "https://tether.test:8040/", "https://tether.test:8040.evil.example", "HTTPS://tether.test:8040",
                             "https://evil.example@tether.test:8040", "wss://tether.test:8040"}) {
    EXPECT_FALSE(IsOwnOrigin(origin, "tether.test:8040", "")) << origin;
  }
  EXPECT_FALSE(IsOwnOrigin("https://", "", ""));
  EXPECT_FALSE(IsOwnOrigin("", "", ""));
}

TEST(PathPolicyTest, CookieValueFindsTheExactName) {
  EXPECT_EQ(CookieValue("a=1; s=xyz; b=2", "s"), "xyz");
  EXPECT_EQ(CookieValue("s=first;s=second", "s"), "first");
  EXPECT_EQ(CookieValue("ss=1; xs=2", "s"), "");
  EXPECT_EQ(CookieValue("s", "s"), "");
  EXPECT_EQ(CookieValue("s=", "s"), "");
  EXPECT_EQ(CookieValue(";;  s=v", "s"), "v");
  EXPECT_EQ(CookieValue("", "s"), "");
}

}  // namespace
}  // namespace tether::web
