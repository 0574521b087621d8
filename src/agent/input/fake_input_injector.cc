#include "agent/input/fake_input_injector.h"

#include <algorithm>

#include "agent/input/key_mapping.h"

namespace tether::agent {

Status FakeInputInjector::Pointer(const tether::v1::PointerEvent& event,
                                  const MonitorInfo& monitor) {
  if (fail_next_) {
    Error e = std::move(*fail_next_);
    fail_next_.reset();
    return e;
  }
  Event e;
  e.kind = Event::Kind::kPointer;
  e.pointer = event;
  e.monitor = monitor;
  const int32_t max_x = monitor.width ? static_cast<int32_t>(monitor.width - 1) : 0;
  const int32_t max_y = monitor.height ? static_cast<int32_t>(monitor.height - 1) : 0;
  e.root_x = monitor.x + std::clamp(event.x(), 0, max_x);
  e.root_y = monitor.y + std::clamp(event.y(), 0, max_y);
  held_buttons_ = event.buttons() & 0x1f;
  events_.push_back(std::move(e));
  return {};
}

Status FakeInputInjector::Key(const tether::v1::KeyEvent& event) {
  if (fail_next_) {
    Error e = std::move(*fail_next_);
    fail_next_.reset();
    return e;
  }
  const uint32_t keysym = event.keysym() ? event.keysym() : KeysymForCode(event.code());
  if (keysym == 0) return MakeError("validation", "key event without a known keysym or code");
  Event e;
  e.kind = Event::Kind::kKey;
  e.key = event;
  e.keysym = keysym;
  if (event.down()) {
    held_keysyms_.insert(keysym);
  } else {
    held_keysyms_.erase(keysym);
  }
  events_.push_back(std::move(e));
  return {};
}

void FakeInputInjector::ReleaseAll() {
  Event e;
  e.kind = Event::Kind::kReleaseAll;
  events_.push_back(std::move(e));
  held_keysyms_.clear();
  held_buttons_ = 0;
}

}  // namespace tether::agent
