#pragma once
// GuestUi: what the guest sees and presses while the agent runs — the consent prompt naming the
// technician (Allow / Deny, with the time left before it denies by itself), who is connected,
// Stop sharing and End session. The agent's session pushes whole snapshots with Update() from
// any thread; the window calls the handlers on its own thread, and they must only hand work
// over (the session posts it to its io thread). Implementations: GtkGuestWindow (GTK 3, the
// real window) and FakeGuestUi (tests).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tether::agent {

struct GuestUiState {
  enum class Link {
    kConnecting,    // not in the session yet
    kConnected,     // in the session
    kReconnecting,  // the connection broke; coming back by itself
    kEnding,        // End session was pressed; waiting for the server
  };
  struct Host {
    uint64_t id = 0;    // the host's endpoint id in the session
    std::string name;   // the technician's user name
    bool sees = false;  // the guest allowed this host: it sees and controls the screen
    bool operator==(const Host&) const = default;
  };
  struct Prompt {
    uint64_t id = 0;
    std::string technician;
    std::chrono::steady_clock::time_point deadline;  // denied by itself after this
    bool operator==(const Prompt&) const = default;
  };

  Link link = Link::kConnecting;
  std::string session_name;
  std::vector<Host> hosts;        // technicians connected now
  std::optional<Prompt> prompt;   // the question on screen (the oldest one open)
  size_t prompts_waiting = 0;     // further questions after this one
  bool operator==(const GuestUiState&) const = default;
};

struct GuestUiHandlers {
  std::function<void(uint64_t id, bool allow)> answer;  // Allow or Deny on the prompt `id`
  std::function<void()> stop_sharing;                   // withdraw consent from every host
  std::function<void()> end_session;                    // end the session for everyone
};

class GuestUi {
 public:
  virtual ~GuestUi() = default;
  // Set once, before the first Update.
  virtual void SetHandlers(GuestUiHandlers handlers) = 0;
  // Shows `state`. Thread-safe; never blocks on the window.
  virtual void Update(const GuestUiState& state) = 0;
};

// What the window says about the connected technicians, e.g. "alice can see and control this
// screen." Shared by the real window and tests.
std::string DescribeHosts(const GuestUiState& state);

}  // namespace tether::agent
