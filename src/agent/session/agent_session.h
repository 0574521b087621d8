#pragma once
// AgentSession: the guest agent's connection to the relay. Connects over TLS, authenticates the
// server by its pinned key, joins the session with its code, then runs the capture pump while
// hosts watch and injects their input. Reconnects with backoff after a network break or a
// server restart; stops for good when the session ends, the code is refused or the pin does not
// match. Nothing is captured, sent or played before the guest allows a host in the guest
// window (GuestUi: consent prompt, who is connected, Stop sharing, End session). Clipboard text
// goes both ways while an allowed host is present. Run() drives an io_context on the calling
// thread; Stop() may be called from any thread. The capturer, injector, clipboard and window
// are owned (the clipboard may be null: no clipboard sharing; the window is destroyed first);
// the clock must outlive it.
#include <chrono>
#include <memory>
#include <string>

#include "agent/capture/screen_capturer.h"
#include "agent/clipboard/clipboard.h"
#include "agent/input/input_injector.h"
#include "agent/ui/guest_ui.h"
#include "base/clock.h"
#include "base/ed25519.h"

namespace tether::agent {

struct AgentOptions {
  std::string host;
  uint16_t port = 8041;
  std::string pin;        // "sha256/<base64>"
  std::string join_code;
  int max_fps = 30;
  std::chrono::seconds consent_timeout{60};  // an unanswered consent prompt denies after this
  std::string join_token = {};  // from a signed configuration (`run`); used instead of join_code
  // Access agents (`service`): the agent's own key; every Hello carries its public half and a
  // signature over the connection's TLS exporter instead of a code or token. Borrowed.
  const Ed25519KeyPair* identity = nullptr;
};

enum class AgentExit {
  kSessionEnded = 0,  // the host or guest ended it: exit 0
  kRefused = 1,       // wrong code, pin mismatch, incompatible server
  kStopped = 2,       // Stop() (signal)
};

class AgentSession {
 public:
  AgentSession(AgentOptions options, std::unique_ptr<ScreenCapturer> capturer,
               std::unique_ptr<InputInjector> injector, std::unique_ptr<Clipboard> clipboard,
               std::unique_ptr<GuestUi> ui, const Clock& clock);
  ~AgentSession();

  AgentExit Run();
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tether::agent
