#pragma once
// GtkGuestWindow: the real guest window, GTK 3 on the X display the agent shares. A small
// window kept above the others in the bottom-right corner of the screen: who is connected, the
// consent prompt (Allow / Deny with the seconds left), Stop sharing and End session. GTK runs on
// a thread of its own (its main loop); Update() hands snapshots over with g_idle_add, and the
// handlers are called on the GTK thread. The window never takes the keyboard focus by itself
// and Allow is never a default button, so nobody allows a technician by typing Return.
// The layout is fixed (docs/guest.md gives the button positions the tests click).
#include <memory>
#include <string>

#include "agent/ui/guest_ui.h"
#include "base/result.h"

namespace tether::agent {

// Fixed geometry of the window, in pixels (shared with docs/guest.md and the tests).
struct GuestWindowLayout {
  static constexpr int kWidth = 440;
  static constexpr int kHeight = 230;
  static constexpr int kMargin = 16;  // from the screen's bottom-right corner
  // Buttons: x, y, width, height inside the window.
  static constexpr int kDeny[4] = {224, 148, 96, 32};
  static constexpr int kAllow[4] = {328, 148, 96, 32};
  static constexpr int kStopSharing[4] = {16, 186, 128, 32};
  static constexpr int kEndSession[4] = {296, 186, 128, 32};
};

class GtkGuestWindow final : public GuestUi {
 public:
  // Starts GTK on `display` (empty: $DISPLAY) and shows the window. Null, with the reason in
  // *err, when GTK cannot open the display.
  static std::unique_ptr<GtkGuestWindow> Create(const std::string& display, Status* err);
  ~GtkGuestWindow() override;  // closes the window and stops the GTK thread

  void SetHandlers(GuestUiHandlers handlers) override;
  void Update(const GuestUiState& state) override;

  struct Impl;

 private:
  explicit GtkGuestWindow(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tether::agent
