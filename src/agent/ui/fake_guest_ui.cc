#include "agent/ui/fake_guest_ui.h"

namespace tether::agent {

void FakeGuestUi::SetHandlers(GuestUiHandlers handlers) {
  std::lock_guard lock(mu_);
  handlers_ = std::move(handlers);
}

void FakeGuestUi::Update(const GuestUiState& state) {
  std::lock_guard lock(mu_);
  states_.push_back(state);
}

GuestUiState FakeGuestUi::Last() {
  std::lock_guard lock(mu_);
  return states_.empty() ? GuestUiState{} : states_.back();
}

size_t FakeGuestUi::Updates() {
  std::lock_guard lock(mu_);
  return states_.size();
}

void FakeGuestUi::Answer(uint64_t id, bool allow) {
  GuestUiHandlers h;
  {
    std::lock_guard lock(mu_);
    h = handlers_;
  }
  if (h.answer) h.answer(id, allow);
}

void FakeGuestUi::StopSharing() {
  GuestUiHandlers h;
  {
    std::lock_guard lock(mu_);
    h = handlers_;
  }
  if (h.stop_sharing) h.stop_sharing();
}

void FakeGuestUi::EndSession() {
  GuestUiHandlers h;
  {
    std::lock_guard lock(mu_);
    h = handlers_;
  }
  if (h.end_session) h.end_session();
}

}  // namespace tether::agent
