#pragma once
// Key mapping: KeyboardEvent.code (the physical key a browser reports) to an X11 keysym, for
// keys whose KeyEvent carries no keysym (non-character keys, or a viewer that only knows the
// code). Character keys map as on a US layout. Pure table lookups.
#include <cstdint>
#include <string_view>

namespace tether::agent {

// The keysym for a KeyboardEvent.code such as "Enter", "ArrowLeft", "F5", "ControlLeft",
// "Numpad7" or "KeyA"; 0 when the code is unknown.
uint32_t KeysymForCode(std::string_view code);

// True for Shift, Control, Alt, Meta/Super, AltGr (ISO_Level3_Shift, Mode_switch) and the lock
// keys: keys that change how other keys are read.
bool IsModifierKeysym(uint32_t keysym);

// For tests: the lookup table is sorted by code (binary search relies on it).
bool KeyTableSortedForTest();

}  // namespace tether::agent
