#pragma once
// X11Keyboard: knows the guest's keyboard mapping — which keycode and shift level type a
// keysym — and binds keysyms that no key produces to spare keycodes (kept bound and reused
// least-recently-used, since clients read the mapping after the key event arrives). Borrows
// the injector's Display; restores the keycodes it bound on destruction. Injector thread only.
#include <X11/Xlib.h>

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace tether::agent {

class X11Keyboard {
 public:
  // Levels: 0 plain, 1 Shift, 2 AltGr (ISO_Level3_Shift), 3 AltGr+Shift.
  struct KeyPlan {
    KeyCode keycode = 0;
    uint8_t levels = 0;       // bit n set: the key types the keysym at level n
    bool alphabetic = false;  // Caps Lock swaps levels 0 and 1
  };

  explicit X11Keyboard(Display* display);
  ~X11Keyboard();
  X11Keyboard(const X11Keyboard&) = delete;
  X11Keyboard& operator=(const X11Keyboard&) = delete;

  // The server's mapping changed (MappingNotify): re-read it before the next lookup.
  void Invalidate() { loaded_ = false; }
  // The key that types `keysym`; binds a spare keycode when none does (never one in `busy`,
  // the keycodes currently held). nullopt: no key and no spare keycode left.
  std::optional<KeyPlan> Plan(KeySym keysym, const std::vector<KeyCode>& busy);

  KeyCode shift_keycode();   // 0 when the layout has no Shift key
  KeyCode level3_keycode();  // 0 when the layout has no AltGr key
  unsigned level3_mask();    // the modifier bit AltGr sets (e.g. Mod5Mask), 0 if none
  size_t bound_count() const { return bindings_.size(); }

 private:
  struct Binding {
    KeySym keysym;
    KeyCode keycode;
    uint64_t last_use;
  };
  void Load();
  KeySym At(KeyCode keycode, int index) const;
  KeyCode FindPlain(KeySym keysym) const;
  std::optional<KeyPlan> Bind(KeySym keysym, const std::vector<KeyCode>& busy);

  Display* display_;
  bool loaded_ = false;
  int min_keycode_ = 8;
  int max_keycode_ = 255;
  int per_keycode_ = 0;
  std::vector<KeySym> map_;          // XGetKeyboardMapping, per_keycode_ per keycode
  std::vector<bool> is_modifier_;    // keycode appears in the modifier map
  KeyCode shift_keycode_ = 0;
  KeyCode level3_keycode_ = 0;
  unsigned level3_mask_ = 0;
  std::unordered_map<KeySym, KeyPlan> cache_;
  std::vector<Binding> bindings_;
  uint64_t use_counter_ = 0;
};

}  // namespace tether::agent
