#include "agent/input/key_mapping.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace tether::agent {
namespace {

struct CodeKeysym {
  std::string_view code;
  uint32_t keysym;
};

// Sorted by code (key_mapping_test checks). Keysym values are those of X11/keysymdef.h and
// XF86keysym.h, named in the comments.
constexpr CodeKeysym kTable[] = {
    {"AltLeft", 0xffe9},               // Alt_L
    {"AltRight", 0xffea},              // Alt_R (AltGr layouts send keysym ISO_Level3_Shift)
    {"ArrowDown", 0xff54},             // Down
    {"ArrowLeft", 0xff51},             // Left
    {"ArrowRight", 0xff53},            // Right
    {"ArrowUp", 0xff52},               // Up
    {"AudioVolumeDown", 0x1008ff11},   // XF86AudioLowerVolume
    {"AudioVolumeMute", 0x1008ff12},   // XF86AudioMute
    {"AudioVolumeUp", 0x1008ff13},     // XF86AudioRaiseVolume
    {"Backquote", 0x0060},             // grave
    {"Backslash", 0x005c},             // backslash
    {"Backspace", 0xff08},             // BackSpace
    {"BracketLeft", 0x005b},           // bracketleft
    {"BracketRight", 0x005d},          // bracketright
    {"CapsLock", 0xffe5},              // Caps_Lock
    {"Comma", 0x002c},                 // comma
    {"ContextMenu", 0xff67},           // Menu
    {"ControlLeft", 0xffe3},           // Control_L
    {"ControlRight", 0xffe4},          // Control_R
    {"Delete", 0xffff},                // Delete
    {"Digit0", 0x0030}, {"Digit1", 0x0031}, {"Digit2", 0x0032}, {"Digit3", 0x0033},
    {"Digit4", 0x0034}, {"Digit5", 0x0035}, {"Digit6", 0x0036}, {"Digit7", 0x0037},
    {"Digit8", 0x0038}, {"Digit9", 0x0039},
    {"End", 0xff57},                   // End
    {"Enter", 0xff0d},                 // Return
    {"Equal", 0x003d},                 // equal
    {"Escape", 0xff1b},                // Escape
    {"F1", 0xffbe}, {"F10", 0xffc7}, {"F11", 0xffc8}, {"F12", 0xffc9}, {"F13", 0xffca},
    {"F14", 0xffcb}, {"F15", 0xffcc}, {"F16", 0xffcd}, {"F17", 0xffce}, {"F18", 0xffcf},
    {"F19", 0xffd0}, {"F2", 0xffbf}, {"F20", 0xffd1}, {"F21", 0xffd2}, {"F22", 0xffd3},
    {"F23", 0xffd4}, {"F24", 0xffd5}, {"F3", 0xffc0}, {"F4", 0xffc1}, {"F5", 0xffc2},
    {"F6", 0xffc3}, {"F7", 0xffc4}, {"F8", 0xffc5}, {"F9", 0xffc6},
    {"Help", 0xff6a},                  // Help
    {"Home", 0xff50},                  // Home
    {"Insert", 0xff63},                // Insert
    {"IntlBackslash", 0x003c},         // less (the extra key of ISO keyboards)
    {"KeyA", 0x61}, {"KeyB", 0x62}, {"KeyC", 0x63}, {"KeyD", 0x64}, {"KeyE", 0x65},
    {"KeyF", 0x66}, {"KeyG", 0x67}, {"KeyH", 0x68}, {"KeyI", 0x69}, {"KeyJ", 0x6a},
    {"KeyK", 0x6b}, {"KeyL", 0x6c}, {"KeyM", 0x6d}, {"KeyN", 0x6e}, {"KeyO", 0x6f},
    {"KeyP", 0x70}, {"KeyQ", 0x71}, {"KeyR", 0x72}, {"KeyS", 0x73}, {"KeyT", 0x74},
    {"KeyU", 0x75}, {"KeyV", 0x76}, {"KeyW", 0x77}, {"KeyX", 0x78}, {"KeyY", 0x79},
    {"KeyZ", 0x7a},
    {"MediaPlayPause", 0x1008ff14},    // XF86AudioPlay
    {"MediaStop", 0x1008ff15},         // XF86AudioStop
    {"MediaTrackNext", 0x1008ff17},    // XF86AudioNext
    {"MediaTrackPrevious", 0x1008ff16},  // XF86AudioPrev
    {"MetaLeft", 0xffeb},              // Super_L
    {"MetaRight", 0xffec},             // Super_R
    {"Minus", 0x002d},                 // minus
    {"NumLock", 0xff7f},               // Num_Lock
    {"Numpad0", 0xffb0}, {"Numpad1", 0xffb1}, {"Numpad2", 0xffb2}, {"Numpad3", 0xffb3},
    {"Numpad4", 0xffb4}, {"Numpad5", 0xffb5}, {"Numpad6", 0xffb6}, {"Numpad7", 0xffb7},
    {"Numpad8", 0xffb8}, {"Numpad9", 0xffb9},
    {"NumpadAdd", 0xffab},             // KP_Add
    {"NumpadComma", 0xffac},           // KP_Separator
    {"NumpadDecimal", 0xffae},         // KP_Decimal
    {"NumpadDivide", 0xffaf},          // KP_Divide
    {"NumpadEnter", 0xff8d},           // KP_Enter
    {"NumpadEqual", 0xffbd},           // KP_Equal
    {"NumpadMultiply", 0xffaa},        // KP_Multiply
    {"NumpadSubtract", 0xffad},        // KP_Subtract
    {"OSLeft", 0xffeb},                // Super_L (older browsers)
    {"OSRight", 0xffec},               // Super_R
    {"PageDown", 0xff56},              // Next
    {"PageUp", 0xff55},                // Prior
    {"Pause", 0xff13},                 // Pause
    {"Period", 0x002e},                // period
    {"PrintScreen", 0xff61},           // Print
    {"Quote", 0x0027},                 // apostrophe
    {"ScrollLock", 0xff14},            // Scroll_Lock
    {"Semicolon", 0x003b},             // semicolon
    {"ShiftLeft", 0xffe1},             // Shift_L
    {"ShiftRight", 0xffe2},            // Shift_R
    {"Slash", 0x002f},                 // slash
    {"Space", 0x0020},                 // space
    {"Tab", 0xff09},                   // Tab
};

}  // namespace

uint32_t KeysymForCode(std::string_view code) {
  const auto it = std::lower_bound(std::begin(kTable), std::end(kTable), code,
                                   [](const CodeKeysym& e, std::string_view c) { return e.code < c; });
  return it != std::end(kTable) && it->code == code ? it->keysym : 0;
}

bool IsModifierKeysym(uint32_t keysym) {
  // Shift_L .. Hyper_R, the lock keys, ISO_Level3/5 shifts and Mode_switch.
  return (keysym >= 0xffe1 && keysym <= 0xffee) || keysym == 0xff7f || keysym == 0xff14 ||
         keysym == 0xff7e || (keysym >= 0xfe01 && keysym <= 0xfe13);
}

bool KeyTableSortedForTest() {
  return std::is_sorted(std::begin(kTable), std::end(kTable),
                        [](const CodeKeysym& a, const CodeKeysym& b) { return a.code < b.code; });
}

}  // namespace tether::agent
