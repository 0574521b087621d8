#include "server/manager/validation.h"

#include <gtest/gtest.h>

namespace tether::manager {
namespace {

TEST(ValidationTest, SessionNamesAndCodes) {
  EXPECT_TRUE(IsValidSessionName("Printer on floor 2"));
  EXPECT_TRUE(IsValidSessionName("Drucker \xc3\xbc" "ber"));
  EXPECT_FALSE(IsValidSessionName(""));
  EXPECT_FALSE(IsValidSessionName(std::string(129, 'a')));
  EXPECT_FALSE(IsValidSessionName("a\nb"));
  EXPECT_FALSE(IsValidSessionName("\xc0\xaf"));  // overlong '/'
  EXPECT_TRUE(IsValidJoinCode("ABCD-42"));
  EXPECT_FALSE(IsValidJoinCode("abc"));
  EXPECT_FALSE(IsValidJoinCode("a b c d"));
}

TEST(ValidationTest, CleanTextReplacesAndCutsOnCharacterBoundaries) {
  EXPECT_EQ(CleanText("ok", 10), "ok");
  EXPECT_EQ(CleanText("a\x01" "b\xff", 10), "a?b?");
  EXPECT_EQ(CleanText("\xe2\x82\xac\xe2\x82\xac", 4), "\xe2\x82\xac");  // never half a euro sign
  EXPECT_EQ(TruncateUtf8("\xe2\x82\xac\xe2\x82\xac", 5), "\xe2\x82\xac");
  EXPECT_EQ(Utf8CharLength("\xed\xa0\x80"), 0u);  // a surrogate
  EXPECT_EQ(Utf8CharLength("\xf4\x8f\xbf\xbf"), 4u);
  EXPECT_TRUE(IsCleanText("line\nline\t", 20, true));
  EXPECT_FALSE(IsCleanText("line\nline", 20, false));
}

}  // namespace
}  // namespace tether::manager
