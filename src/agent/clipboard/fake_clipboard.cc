#include "agent/clipboard/fake_clipboard.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "agent/clipboard/text_encoding.h"

namespace tether::agent {

FakeClipboard::FakeClipboard() : event_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

FakeClipboard::~FakeClipboard() {
  if (event_fd_ >= 0) close(event_fd_);
}

void FakeClipboard::SetTextHandler(TextHandler handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

Status FakeClipboard::SetText(std::string text) {
  if (text.size() > kMaxClipboardTextBytes) return MakeError("too_large", "clipboard text is too long");
  if (!IsValidUtf8(text)) return MakeError("validation", "clipboard text is not valid UTF-8");
  std::lock_guard lock(mu_);
  text_ = text;
  last_text_ = text;
  set_texts_.push_back(std::move(text));
  return {};
}

Result<std::optional<std::chrono::milliseconds>> FakeClipboard::Dispatch() {
  std::vector<std::string> copied;
  TextHandler handler;
  {
    std::lock_guard lock(mu_);
    if (lost_) return MakeError("display_lost", "the fake display went away");
    uint64_t count;
    if (event_fd_ >= 0) (void)!read(event_fd_, &count, sizeof count);
    copied.swap(copied_);
    handler = handler_;
  }
  for (std::string& text : copied) {
    {
      std::lock_guard lock(mu_);
      if (text.empty() || text.size() > kMaxClipboardTextBytes) continue;
      if (last_text_ && *last_text_ == text) continue;
      last_text_ = text;
    }
    if (handler) handler(std::move(text));
  }
  return std::optional<std::chrono::milliseconds>();
}

void FakeClipboard::CopyFromGuest(std::string text) {
  std::lock_guard lock(mu_);
  text_ = text;
  copied_.push_back(RepairUtf8(text));
  const uint64_t one = 1;
  if (event_fd_ >= 0) (void)!write(event_fd_, &one, sizeof one);
}

std::string FakeClipboard::text() const {
  std::lock_guard lock(mu_);
  return text_;
}

std::vector<std::string> FakeClipboard::set_texts() const {
  std::lock_guard lock(mu_);
  return set_texts_;
}

void FakeClipboard::LoseDisplay() {
  std::lock_guard lock(mu_);
  lost_ = true;
  const uint64_t one = 1;
  if (event_fd_ >= 0) (void)!write(event_fd_, &one, sizeof one);
}

}  // namespace tether::agent
