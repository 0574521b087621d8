#include "agent/input/x11_keyboard_x11.h"

#include <X11/Xutil.h>
#include <X11/keysym.h>

#include <algorithm>

#include "agent/capture/x11_error_trap_x11.h"

namespace tether::agent {
namespace {

bool Contains(const std::vector<KeyCode>& v, KeyCode k) {
  return std::find(v.begin(), v.end(), k) != v.end();
}

}  // namespace

X11Keyboard::X11Keyboard(Display* display) : display_(display) {}

X11Keyboard::~X11Keyboard() {
  if (bindings_.empty() || X11ErrorTrap::Lost(display_)) return;
  for (const Binding& b : bindings_) {
    KeySym none = NoSymbol;
    XChangeKeyboardMapping(display_, b.keycode, 1, &none, 1);
  }
  XSync(display_, False);
}

KeySym X11Keyboard::At(KeyCode keycode, int index) const {
  if (keycode < min_keycode_ || keycode > max_keycode_ || index >= per_keycode_) return NoSymbol;
  return map_[size_t(keycode - min_keycode_) * per_keycode_ + index];
}

KeyCode X11Keyboard::FindPlain(KeySym keysym) const {
  for (int kc = min_keycode_; kc <= max_keycode_; ++kc) {
    if (At(static_cast<KeyCode>(kc), 0) == keysym) return static_cast<KeyCode>(kc);
  }
  return 0;
}

void X11Keyboard::Load() {
  XDisplayKeycodes(display_, &min_keycode_, &max_keycode_);
  int per = 0;
  KeySym* syms = XGetKeyboardMapping(display_, static_cast<KeyCode>(min_keycode_),
                                     max_keycode_ - min_keycode_ + 1, &per);
  map_.clear();
  per_keycode_ = 0;
  if (syms) {
    per_keycode_ = per;
    map_.assign(syms, syms + size_t(max_keycode_ - min_keycode_ + 1) * per);
    XFree(syms);
  }
  shift_keycode_ = FindPlain(XK_Shift_L);
  if (!shift_keycode_) shift_keycode_ = FindPlain(XK_Shift_R);
  level3_keycode_ = FindPlain(XK_ISO_Level3_Shift);
  if (!level3_keycode_) level3_keycode_ = FindPlain(XK_Mode_switch);
  is_modifier_.assign(256, false);
  level3_mask_ = 0;
  if (XModifierKeymap* mods = XGetModifierMapping(display_)) {
    for (int mod = 0; mod < 8; ++mod) {
      for (int k = 0; k < mods->max_keypermod; ++k) {
        const KeyCode kc = mods->modifiermap[mod * mods->max_keypermod + k];
        if (!kc) continue;
        is_modifier_[kc] = true;
        if (kc == level3_keycode_) level3_mask_ = 1u << mod;
      }
    }
    XFreeModifiermap(mods);
  }
  if (!level3_mask_) level3_keycode_ = 0;  // an AltGr key that sets no modifier is no use
  // Forget bindings someone else overwrote (setxkbmap, another layout).
  bindings_.erase(std::remove_if(bindings_.begin(), bindings_.end(),
                                 [this](const Binding& b) { return At(b.keycode, 0) != b.keysym; }),
                  bindings_.end());
  cache_.clear();
  loaded_ = true;
}

std::optional<X11Keyboard::KeyPlan> X11Keyboard::Plan(KeySym keysym,
                                                      const std::vector<KeyCode>& busy) {
  if (!loaded_) Load();
  std::optional<KeyPlan> found;
  if (auto it = cache_.find(keysym); it != cache_.end()) {
    found = it->second;
  } else {
    int best_score = 99;
    for (int code = min_keycode_; code <= max_keycode_; ++code) {
      const auto kc = static_cast<KeyCode>(code);
      KeySym l0 = At(kc, 0), l1 = At(kc, 1), l2 = At(kc, 4), l3 = At(kc, 5);
      if (l0 == NoSymbol && l1 == NoSymbol && l2 == NoSymbol && l3 == NoSymbol) continue;
      KeySym lower = NoSymbol, upper = NoSymbol;
      XConvertCase(l0, &lower, &upper);
      if (l1 == NoSymbol) l1 = (lower == l0 && upper != l0) ? upper : l0;  // core rule
      const bool alphabetic = lower == l0 && upper != lower && l1 == upper;
      if (l2 == NoSymbol && l3 == NoSymbol) {
        l2 = l0;  // AltGr does nothing on a key without a third level
        l3 = l1;
      } else if (l3 == NoSymbol) {
        l3 = l2;
      }
      uint8_t levels = (l0 == keysym ? 1 : 0) | (l1 == keysym ? 2 : 0);
      if (level3_keycode_) levels |= (l2 == keysym ? 4 : 0) | (l3 == keysym ? 8 : 0);
      if (!levels) continue;
      const int score = (levels & 1) ? 0 : (levels & 2) ? 1 : 2;
      if (score < best_score) {
        best_score = score;
        found = KeyPlan{kc, levels, alphabetic};
        if (score == 0) break;
      }
    }
    if (!found) return Bind(keysym, busy);
    cache_[keysym] = *found;
  }
  for (Binding& b : bindings_) {
    if (b.keycode == found->keycode) b.last_use = ++use_counter_;
  }
  return found;
}

std::optional<X11Keyboard::KeyPlan> X11Keyboard::Bind(KeySym keysym,
                                                      const std::vector<KeyCode>& busy) {
  auto bound = [this](KeyCode kc) {
    return std::any_of(bindings_.begin(), bindings_.end(),
                       [kc](const Binding& b) { return b.keycode == kc; });
  };
  KeyCode spare = 0;
  // Unused keycodes from the top (the lowest keycode is often special to clients).
  for (int code = max_keycode_; code > min_keycode_ && !spare; --code) {
    const auto kc = static_cast<KeyCode>(code);
    if (is_modifier_[kc] || bound(kc) || Contains(busy, kc)) continue;
    bool empty = true;
    for (int i = 0; i < per_keycode_ && empty; ++i) empty = At(kc, i) == NoSymbol;
    if (empty) spare = kc;
  }
  if (!spare) {
    auto lru = bindings_.end();
    for (auto it = bindings_.begin(); it != bindings_.end(); ++it) {
      if (Contains(busy, it->keycode)) continue;
      if (lru == bindings_.end() || it->last_use < lru->last_use) lru = it;
    }
    if (lru == bindings_.end()) return std::nullopt;
    spare = lru->keycode;
    cache_.erase(lru->keysym);
    bindings_.erase(lru);
  }
  KeySym syms[2] = {keysym, keysym};
  XChangeKeyboardMapping(display_, spare, 2, syms, 1);
  XSync(display_, False);
  for (int i = 0; i < per_keycode_; ++i) {
    map_[size_t(spare - min_keycode_) * per_keycode_ + i] = i < 2 ? keysym : NoSymbol;
  }
  bindings_.push_back(Binding{keysym, spare, ++use_counter_});
  const KeyPlan plan{spare, 0x0f, false};
  cache_[keysym] = plan;
  return plan;
}

KeyCode X11Keyboard::shift_keycode() {
  if (!loaded_) Load();
  return shift_keycode_;
}

KeyCode X11Keyboard::level3_keycode() {
  if (!loaded_) Load();
  return level3_keycode_;
}

unsigned X11Keyboard::level3_mask() {
  if (!loaded_) Load();
  return level3_mask_;
}

}  // namespace tether::agent
