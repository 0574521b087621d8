#include "agent/input/xtest_input_injector_x11.h"

#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>

#include <algorithm>
#include <string>
#include <vector>

#include "agent/capture/x11_error_trap_x11.h"
#include "agent/input/key_mapping.h"
#include "agent/input/x11_keyboard_x11.h"

// Xlib's `#define Status int` would hide tether::Status.
#undef Status

namespace tether::agent {
namespace {

constexpr int kMaxWheelNotches = 32;  // per event; bounds the work one message can cause
constexpr KeySym kMaxKeysym = 0x1fffffff;

// PointerButton bit -> X button number.
constexpr struct {
  uint32_t bit;
  unsigned button;
} kButtons[] = {{1, 1}, {2, 2}, {4, 3}, {8, 8}, {16, 9}};

// Owns an X connection: closes it last, after everything that uses it.
struct OwnedDisplay {
  explicit OwnedDisplay(Display* d) : display(d) {}
  ~OwnedDisplay() {
    X11ErrorTrap::Close(display);
  }
  OwnedDisplay(const OwnedDisplay&) = delete;
  OwnedDisplay& operator=(const OwnedDisplay&) = delete;
  Display* display;
};

// Injects a host's input into one X display with XTest. Input thread only; owns the Display.
class XTestInputInjector final : public InputInjector {
 public:
  explicit XTestInputInjector(Display* display)
      : owned_(display), display_(display), keyboard_(display) {}
  ~XTestInputInjector() override;

  Status Pointer(const tether::v1::PointerEvent& event, const MonitorInfo& monitor) override;
  Status Key(const tether::v1::KeyEvent& event) override;
  void ReleaseAll() override;

 private:
  struct HeldKey {
    std::string id;  // KeyboardEvent.code, or "#<keysym>" without one
    KeyCode keycode;
    KeySym keysym;
  };
  void DrainEvents();
  void FakeKey(KeyCode keycode, bool down) { XTestFakeKeyEvent(display_, keycode, down, CurrentTime); }
  void Click(unsigned button, int times);
  Status Flush();
  std::vector<KeyCode> HeldKeycodes() const;
  void PressWithLevel(KeyCode keycode, const X11Keyboard::KeyPlan& plan);

  OwnedDisplay owned_;  // first member: destroyed last
  Display* display_;
  X11Keyboard keyboard_;
  std::vector<HeldKey> held_keys_;
  uint32_t held_buttons_ = 0;
};

XTestInputInjector::~XTestInputInjector() {
  if (!X11ErrorTrap::Lost(display_)) ReleaseAll();
}

void XTestInputInjector::DrainEvents() {
  while (XPending(display_) > 0) {
    XEvent event;
    XNextEvent(display_, &event);
    if (event.type == MappingNotify) {
      XRefreshKeyboardMapping(&event.xmapping);
      keyboard_.Invalidate();
    }
  }
}

Status XTestInputInjector::Flush() {
  XFlush(display_);
  if (X11ErrorTrap::Lost(display_)) return MakeError("display_lost", "the X display went away");
  return {};
}

std::vector<KeyCode> XTestInputInjector::HeldKeycodes() const {
  std::vector<KeyCode> out;
  for (const HeldKey& k : held_keys_) out.push_back(k.keycode);
  return out;
}

void XTestInputInjector::Click(unsigned button, int times) {
  for (int i = 0; i < std::min(times, kMaxWheelNotches); ++i) {
    XTestFakeButtonEvent(display_, button, True, CurrentTime);
    XTestFakeButtonEvent(display_, button, False, CurrentTime);
  }
}

Status XTestInputInjector::Pointer(const tether::v1::PointerEvent& event,
                                   const MonitorInfo& monitor) {
  if (X11ErrorTrap::Lost(display_)) return MakeError("display_lost", "the X display went away");
  if (monitor.width == 0 || monitor.height == 0) {
    return MakeError("validation", "pointer event for an empty monitor");
  }
  const int x = monitor.x + std::clamp(event.x(), 0, static_cast<int32_t>(monitor.width - 1));
  const int y = monitor.y + std::clamp(event.y(), 0, static_cast<int32_t>(monitor.height - 1));
  XTestFakeMotionEvent(display_, DefaultScreen(display_), x, y, CurrentTime);
  const uint32_t buttons = event.buttons();
  for (const auto& b : kButtons) {
    const bool want = buttons & b.bit;
    const bool have = held_buttons_ & b.bit;
    if (want == have) continue;
    XTestFakeButtonEvent(display_, b.button, want, CurrentTime);
    held_buttons_ ^= b.bit;
  }
  if (event.wheel_y() > 0) Click(5, event.wheel_y());
  if (event.wheel_y() < 0) Click(4, -event.wheel_y());
  if (event.wheel_x() > 0) Click(7, event.wheel_x());
  if (event.wheel_x() < 0) Click(6, -event.wheel_x());
  return Flush();
}

// Presses `keycode` with the modifiers that select a level at which it types the keysym,
// changing Shift and AltGr only for the press and only when the current state needs it.
void XTestInputInjector::PressWithLevel(KeyCode keycode, const X11Keyboard::KeyPlan& plan) {
  XkbStateRec state{};
  XkbGetState(display_, XkbUseCoreKbd, &state);
  const unsigned l3_mask = keyboard_.level3_mask();
  bool shift = state.mods & ShiftMask;
  if (plan.alphabetic && (state.locked_mods & LockMask)) shift = !shift;
  const bool level3 = l3_mask && (state.mods & l3_mask);
  const int current = (level3 ? 2 : 0) | (shift ? 1 : 0);
  if (plan.levels & (1u << current)) {
    FakeKey(keycode, true);
    return;
  }
  int target = -1;
  for (int level = 0; level < 4; ++level) {
    if (!(plan.levels & (1u << level))) continue;
    if (target < 0 || __builtin_popcount(level ^ current) < __builtin_popcount(target ^ current)) {
      target = level;
    }
  }
  const int flip = target ^ current;
  // Shift: press it when the level needs it off->on; release the Shift keys we hold otherwise.
  std::vector<KeyCode> pressed, released;
  auto toggle = [&](int bit, KeyCode modifier_key, unsigned mask) {
    if (!(flip & bit)) return;
    const bool on_now = (bit == 1) ? (state.mods & ShiftMask) != 0 : (state.mods & mask) != 0;
    if (!on_now) {
      if (modifier_key) {
        FakeKey(modifier_key, true);
        pressed.push_back(modifier_key);
      }
      return;
    }
    for (const HeldKey& k : held_keys_) {
      const bool matches = (bit == 1) ? (k.keysym == XK_Shift_L || k.keysym == XK_Shift_R)
                                      : k.keycode == keyboard_.level3_keycode();
      if (matches) {
        FakeKey(k.keycode, false);
        released.push_back(k.keycode);
      }
    }
  };
  toggle(1, keyboard_.shift_keycode(), ShiftMask);
  toggle(2, keyboard_.level3_keycode(), l3_mask);
  FakeKey(keycode, true);
  for (auto it = pressed.rbegin(); it != pressed.rend(); ++it) FakeKey(*it, false);
  for (KeyCode k : released) FakeKey(k, true);
}

Status XTestInputInjector::Key(const tether::v1::KeyEvent& event) {
  if (X11ErrorTrap::Lost(display_)) return MakeError("display_lost", "the X display went away");
  DrainEvents();
  const KeySym keysym = event.keysym() ? event.keysym() : KeysymForCode(event.code());
  if (keysym == 0 || keysym > kMaxKeysym) {
    return MakeError("validation", "key event without a known keysym or code");
  }
  const std::string id = event.code().empty() ? "#" + std::to_string(keysym) : event.code();
  auto held = std::find_if(held_keys_.begin(), held_keys_.end(),
                           [&id](const HeldKey& k) { return k.id == id; });
  if (!event.down()) {
    if (held == held_keys_.end()) return {};  // not pressed by us: nothing to release
    FakeKey(held->keycode, false);
    held_keys_.erase(held);
    return Flush();
  }
  if (held != held_keys_.end()) {  // auto-repeat of a key we hold
    FakeKey(held->keycode, true);
    return Flush();
  }
  const auto plan = keyboard_.Plan(keysym, HeldKeycodes());
  if (!plan) return MakeError("unavailable", "no keycode free to type keysym " + std::to_string(keysym));
  if (IsModifierKeysym(static_cast<uint32_t>(keysym))) {
    FakeKey(plan->keycode, true);
  } else {
    PressWithLevel(plan->keycode, *plan);
  }
  held_keys_.push_back(HeldKey{id, plan->keycode, keysym});
  return Flush();
}

void XTestInputInjector::ReleaseAll() {
  if (X11ErrorTrap::Lost(display_)) {
    held_keys_.clear();
    held_buttons_ = 0;
    return;
  }
  for (auto it = held_keys_.rbegin(); it != held_keys_.rend(); ++it) FakeKey(it->keycode, false);
  held_keys_.clear();
  for (const auto& b : kButtons) {
    if (held_buttons_ & b.bit) XTestFakeButtonEvent(display_, b.button, False, CurrentTime);
  }
  held_buttons_ = 0;
  XFlush(display_);
}

}  // namespace

std::unique_ptr<InputInjector> CreateXTestInputInjector(const std::string& display_name,
                                                        Status* error) {
  Display* display = XOpenDisplay(display_name.empty() ? nullptr : display_name.c_str());
  if (!display) {
    if (error) {
      *error = MakeError("display_unavailable",
                         "cannot open X display '" +
                             (display_name.empty() ? std::string("$DISPLAY") : display_name) + "'");
    }
    return nullptr;
  }
  int event_base = 0, error_base = 0, major = 0, minor = 0;
  if (!XTestQueryExtension(display, &event_base, &error_base, &major, &minor)) {
    XCloseDisplay(display);
    if (error) *error = MakeError("unsupported", "the X display has no XTEST extension");
    return nullptr;
  }
  X11ErrorTrap::Watch(display);
  XTestGrabControl(display, True);  // keep injecting while another client grabs the server
  if (error) *error = Status{};
  return std::make_unique<XTestInputInjector>(display);
}

}  // namespace tether::agent
