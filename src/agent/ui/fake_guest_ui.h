#pragma once
// FakeGuestUi: a GuestUi for tests. Keeps every state it was shown and lets a test press the
// buttons (the handlers run on the test's thread). Thread-safe.
#include <mutex>
#include <vector>

#include "agent/ui/guest_ui.h"

namespace tether::agent {

class FakeGuestUi final : public GuestUi {
 public:
  void SetHandlers(GuestUiHandlers handlers) override;
  void Update(const GuestUiState& state) override;

  GuestUiState Last();
  size_t Updates();
  // Presses a button, as the guest would.
  void Answer(uint64_t id, bool allow);
  void StopSharing();
  void EndSession();

 private:
  std::mutex mu_;
  GuestUiHandlers handlers_;
  std::vector<GuestUiState> states_;
};

}  // namespace tether::agent
