// ClipboardPump on a one-thread pool (as the agent's input thread) with a FakeClipboard:
// guest copies become clipboard frames, host text becomes the clipboard, nothing echoes back,
// and stopping cancels every wait so the pool can be joined.
#include "agent/session/clipboard_pump.h"

#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "agent/clipboard/fake_clipboard.h"
#include "wire/control.h"
#include "wire/frame.h"

namespace tether::agent {
namespace {

using namespace std::chrono_literals;

class ClipboardPumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = std::make_unique<FakeClipboard>();
    fake_ = fake.get();
    pump_ = std::make_unique<ClipboardPump>(std::move(fake), pool_.get_executor(), [this](std::string f) {
      std::lock_guard lock(mu_);
      frames_.push_back(std::move(f));
      cv_.notify_all();
    });
    pump_->Start();
  }
  void TearDown() override {
    pump_->Stop();
    pool_.join();  // would hang if a wait were left pending
    pump_.reset();
  }

  // The texts of the clipboard frames sent so far, waiting until there are `n` (at most 5 s).
  std::vector<std::string> SentTexts(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 5s, [&] { return frames_.size() >= n; });
    std::vector<std::string> texts;
    for (const std::string& f : frames_) {
      EXPECT_GE(f.size(), wire::kHeaderSize);
      std::array<uint8_t, wire::kHeaderSize> head{};
      std::copy_n(reinterpret_cast<const uint8_t*>(f.data()), wire::kHeaderSize, head.begin());
      auto header = wire::DecodeHeader(head);
      EXPECT_TRUE(header.ok());
      EXPECT_EQ(header->channel, wire::Channel::kClipboard);
      EXPECT_EQ(header->length, f.size() - wire::kHeaderSize);
      auto msg = wire::DecodeClipboard(std::span<const uint8_t>(
          reinterpret_cast<const uint8_t*>(f.data()) + wire::kHeaderSize, f.size() - wire::kHeaderSize));
      EXPECT_TRUE(msg.ok());
      if (msg.ok()) texts.push_back(msg->text().text());
    }
    return texts;
  }

  template <class Pred>
  bool Eventually(Pred pred) {
    for (int i = 0; i < 500; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  boost::asio::thread_pool pool_{1};
  FakeClipboard* fake_ = nullptr;  // owned by the pump
  std::unique_ptr<ClipboardPump> pump_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> frames_;
};

TEST_F(ClipboardPumpTest, GuestCopiesBecomeClipboardFrames) {
  fake_->CopyFromGuest("first ✓");
  EXPECT_EQ(SentTexts(1), std::vector<std::string>{"first ✓"});
  fake_->CopyFromGuest("second");
  EXPECT_EQ(SentTexts(2), (std::vector<std::string>{"first ✓", "second"}));
}

TEST_F(ClipboardPumpTest, HostTextBecomesTheClipboardAndIsNotSentBack) {
  pump_->SetText("from the host");
  ASSERT_TRUE(Eventually([&] { return fake_->set_texts().size() == 1; }));
  EXPECT_EQ(fake_->text(), "from the host");
  fake_->CopyFromGuest("from the host");
  fake_->CopyFromGuest("then the guest's");
  EXPECT_EQ(SentTexts(1), std::vector<std::string>{"then the guest's"});
}

TEST_F(ClipboardPumpTest, OversizeHostTextIsRefused) {
  pump_->SetText(std::string(kMaxClipboardTextBytes + 1, 'x'));
  pump_->SetText("fits");
  ASSERT_TRUE(Eventually([&] { return fake_->set_texts().size() == 1; }));
  EXPECT_EQ(fake_->set_texts()[0], "fits");
}

TEST_F(ClipboardPumpTest, StopsWhenTheDisplayGoesAway) {
  fake_->LoseDisplay();
  // The pump closes (and destroys) the clipboard on its thread; a later text is ignored.
  std::this_thread::sleep_for(50ms);
  fake_ = nullptr;
  pump_->SetText("ignored");
  std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(SentTexts(0).empty());
}

}  // namespace
}  // namespace tether::agent
