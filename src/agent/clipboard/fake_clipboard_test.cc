#include "agent/clipboard/fake_clipboard.h"

#include <gtest/gtest.h>
#include <poll.h>

namespace tether::agent {
namespace {

TEST(FakeClipboard, ReportsGuestCopiesAtDispatchWithoutEchoes) {
  FakeClipboard clipboard;
  std::vector<std::string> got;
  clipboard.SetTextHandler([&](std::string t) { got.push_back(std::move(t)); });
  ASSERT_TRUE(clipboard.SetText("from host").ok());
  EXPECT_EQ(clipboard.text(), "from host");

  clipboard.CopyFromGuest("from host");  // the same text again: not reported
  clipboard.CopyFromGuest("guest text");
  pollfd p{clipboard.EventFd(), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 0), 1) << "the descriptor wakes the owner";
  ASSERT_TRUE(clipboard.Dispatch().ok());
  EXPECT_EQ(got, std::vector<std::string>{"guest text"});
  EXPECT_EQ(poll(&p, 1, 0), 0);
}

TEST(FakeClipboard, RefusesWhatTheRealOneRefuses) {
  FakeClipboard clipboard;
  EXPECT_EQ(clipboard.SetText(std::string(kMaxClipboardTextBytes + 1, 'x')).error().code, "too_large");
  EXPECT_EQ(clipboard.SetText("\xFF").error().code, "validation");
  EXPECT_TRUE(clipboard.set_texts().empty());
  clipboard.LoseDisplay();
  EXPECT_FALSE(clipboard.Dispatch().ok());
}

}  // namespace
}  // namespace tether::agent
