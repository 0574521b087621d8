#include "agent/clipboard/text_encoding.h"

#include <gtest/gtest.h>

namespace tether::agent {
namespace {

TEST(TextEncoding, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ASCII\n"));
  EXPECT_TRUE(IsValidUtf8("Grüße ✓ \xF0\x9F\x98\x80"));  // 2, 3 and 4 bytes
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));                   // cut short
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));               // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));           // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));       // above U+10FFFF
}

TEST(TextEncoding, RepairsIllFormedBytes) {
  EXPECT_EQ(RepairUtf8("ok ✓"), "ok ✓");
  EXPECT_EQ(RepairUtf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(RepairUtf8("\xC3"), "\xEF\xBF\xBD");
  EXPECT_TRUE(IsValidUtf8(RepairUtf8("\xE2\x9C\xC0\x80")));
}

TEST(TextEncoding, ConvertsLatin1BothWays) {
  EXPECT_EQ(Latin1ToUtf8("caf\xE9 \xFF"), "café ÿ");
  EXPECT_EQ(Utf8ToLatin1("café ÿ"), "caf\xE9 \xFF");
  EXPECT_EQ(Utf8ToLatin1("✓ €"), "? ?");
  EXPECT_EQ(Utf8ToLatin1("a\xFF" "b"), "a?b");
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    EXPECT_EQ(Utf8ToLatin1(Latin1ToUtf8(one)), one) << b;
  }
}

}  // namespace
}  // namespace tether::agent
