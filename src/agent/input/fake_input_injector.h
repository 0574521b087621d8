#pragma once
// FakeInputInjector: records every event for tests of the agent's input path and keeps the
// held keys and buttons the way the real injector does. Single-threaded.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/input/input_injector.h"

namespace tether::agent {

class FakeInputInjector final : public InputInjector {
 public:
  struct Event {
    enum class Kind { kPointer, kKey, kReleaseAll } kind = Kind::kPointer;
    tether::v1::PointerEvent pointer;
    MonitorInfo monitor;
    int32_t root_x = 0;  // pointer position on the virtual screen after clamping
    int32_t root_y = 0;
    tether::v1::KeyEvent key;
    uint32_t keysym = 0;  // the keysym played (from event.code when event.keysym is 0)
  };

  Status Pointer(const tether::v1::PointerEvent& event, const MonitorInfo& monitor) override;
  Status Key(const tether::v1::KeyEvent& event) override;
  void ReleaseAll() override;

  const std::vector<Event>& events() const { return events_; }
  void Clear() { events_.clear(); }
  uint32_t held_buttons() const { return held_buttons_; }
  const std::set<uint32_t>& held_keysyms() const { return held_keysyms_; }
  // The next call fails with this error, once (and records nothing).
  void FailNext(Error error) { fail_next_ = std::move(error); }

 private:
  std::vector<Event> events_;
  uint32_t held_buttons_ = 0;
  std::set<uint32_t> held_keysyms_;
  std::optional<Error> fail_next_;
};

}  // namespace tether::agent
