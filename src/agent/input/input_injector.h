#pragma once
// InputInjector: plays a host's pointer and keyboard events on the guest's desktop.
// Implementations: XTest (xtest_input_injector_x11.h), FakeInputInjector (tests). Not
// thread-safe: one thread (the agent's input thread) makes every call.
#include "agent/capture/geometry.h"
#include "base/result.h"
#include "tether/v1/media.pb.h"

namespace tether::agent {

class InputInjector {
 public:
  virtual ~InputInjector() = default;

  // Moves the pointer to (event.x, event.y) of `monitor` (clamped to it), then presses or
  // releases the buttons whose bits changed since the last event, then turns the wheel.
  virtual Status Pointer(const tether::v1::PointerEvent& event, const MonitorInfo& monitor) = 0;
  // Presses or releases a key given by keysym (event.code when keysym is 0), whatever the
  // guest's keyboard layout; modifiers the keysym needs are applied around the press.
  virtual Status Key(const tether::v1::KeyEvent& event) = 0;
  // Releases every key and button this injector pressed and still holds (host left, focus
  // lost, consent withdrawn). Safe to call at any time.
  virtual void ReleaseAll() = 0;
};

}  // namespace tether::agent
