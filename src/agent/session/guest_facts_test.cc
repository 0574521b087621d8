// The agent's description of its machine: always acceptable to the relay (bounded, printable,
// valid UTF-8), and the OS name read from os-release the way the file format says.
#include "agent/session/guest_facts.h"

#include <gtest/gtest.h>

#include "agent/clipboard/text_encoding.h"

namespace tether::agent {
namespace {

TEST(GuestFacts, TextIsRepairedStrippedAndCutAtACharacterBoundary) {
  EXPECT_EQ(GuestFactText("ws-042"), "ws-042");
  EXPECT_EQ(GuestFactText("a\nb\x1b" "c\x7f"), "abc");
  EXPECT_TRUE(IsValidUtf8(GuestFactText("bad \xc3 byte")));
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "é";  // 2 bytes each
  long_text = "x" + long_text;                      // so a cut at 128 would split one
  std::string cut = GuestFactText(long_text);
  EXPECT_LE(cut.size(), kGuestFactBytes);
  EXPECT_EQ(cut.size(), kGuestFactBytes - 1);
  EXPECT_TRUE(IsValidUtf8(cut));
}

TEST(GuestFacts, PrettyNameFromOsRelease) {
  EXPECT_EQ(PrettyNameFromOsRelease("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n"),
            "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(PrettyNameFromOsRelease("PRETTY_NAME='Say \\\"hi\\\"'\n"), "Say \"hi\"");
  EXPECT_EQ(PrettyNameFromOsRelease("PRETTY_NAME=Plain\n"), "Plain");
  EXPECT_EQ(PrettyNameFromOsRelease("NAME=x\n"), "");
}

TEST(GuestFacts, ThisMachineIsDescribed) {
  v1::GuestInfo info = DescribeThisMachine();
  EXPECT_FALSE(info.machine().empty());
  EXPECT_FALSE(info.os().empty());
  EXPECT_FALSE(info.user().empty());
  EXPECT_EQ(info.agent_version(), TETHER_VERSION);
  for (const std::string* f : {&info.machine(), &info.os(), &info.user()}) {
    EXPECT_LE(f->size(), kGuestFactBytes);
    EXPECT_TRUE(IsValidUtf8(*f));
  }
}

}  // namespace
}  // namespace tether::agent
