#pragma once
// Clipboard: the guest desktop's clipboard text, in both directions. The hosts' text becomes
// the guest's clipboard (SetText); text another guest application puts on the clipboard is
// reported to the handler. Implementations: X11 (x11_clipboard_x11.h), FakeClipboard (tests).
// Not thread-safe: one thread (the agent's input thread) makes every call, and the handler is
// called on it, from inside Dispatch(). Event-driven: the owner of the object waits until
// EventFd() is readable or the delay Dispatch() returned has passed, then calls Dispatch().
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "base/result.h"

namespace tether::agent {

// ClipboardText.text is at most this many bytes of UTF-8 (docs/protocol.md, section 3.4).
constexpr size_t kMaxClipboardTextBytes = 256 * 1024;

class Clipboard {
 public:
  // Receives the guest's new clipboard text: valid UTF-8, 1 to kMaxClipboardTextBytes bytes.
  using TextHandler = std::function<void(std::string text)>;

  virtual ~Clipboard() = default;

  // Who hears of the guest's new text. Never called for text given to SetText, nor for the
  // same text again (so a host's text is not sent back to the hosts).
  virtual void SetTextHandler(TextHandler handler) = 0;

  // Makes `text` the guest's clipboard. Refuses text that is longer than
  // kMaxClipboardTextBytes ("too_large") or not valid UTF-8 ("validation"), keeping the
  // clipboard as it was. After it, call Dispatch() before waiting on EventFd() again.
  virtual Status SetText(std::string text) = 0;

  // A descriptor that becomes readable when events arrive (-1: none, as in the fake).
  virtual int EventFd() const = 0;

  // Handles every waiting event without blocking. Returns how long to wait at most before
  // calling again when nothing arrives (a transfer in progress has a deadline), or nullopt
  // for "only when EventFd() is readable". An error means the clipboard is gone for good
  // (the display closed): stop calling.
  virtual Result<std::optional<std::chrono::milliseconds>> Dispatch() = 0;
};

}  // namespace tether::agent
