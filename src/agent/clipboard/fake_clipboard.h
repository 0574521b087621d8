#pragma once
// FakeClipboard: the guest clipboard for tests of the agent's clipboard path, with the
// behaviour of the X11 one (limits, loop prevention) and no display. CopyFromGuest() plays
// another guest application copying text; it may be called from any thread, and makes
// EventFd() readable until the next Dispatch() reports the text. Everything else follows the
// Clipboard contract (one thread).
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/clipboard/clipboard.h"

namespace tether::agent {

class FakeClipboard final : public Clipboard {
 public:
  FakeClipboard();
  ~FakeClipboard() override;

  void SetTextHandler(TextHandler handler) override;
  Status SetText(std::string text) override;
  int EventFd() const override { return event_fd_; }
  Result<std::optional<std::chrono::milliseconds>> Dispatch() override;

  // Another guest application puts `text` on the clipboard (any thread).
  void CopyFromGuest(std::string text);
  // The clipboard's text now (from SetText or CopyFromGuest), and every text SetText took.
  std::string text() const;
  std::vector<std::string> set_texts() const;
  // Dispatch() fails from now on, as when the display goes away (any thread).
  void LoseDisplay();

 private:
  mutable std::mutex mu_;
  int event_fd_ = -1;
  TextHandler handler_;
  std::string text_;
  std::vector<std::string> set_texts_;
  std::vector<std::string> copied_;  // waiting for Dispatch()
  std::optional<std::string> last_text_;
  bool lost_ = false;
};

}  // namespace tether::agent
