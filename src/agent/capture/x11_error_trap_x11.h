#pragma once
// X11ErrorTrap: records X protocol errors and connection loss of the agent's own Display
// connections instead of letting Xlib's default handlers print and exit the process.
// Process-wide handlers, installed on first use (and again if someone replaced them); errors
// of displays not watched here go to the handler that was installed before. Thread-safe.
#include <X11/Xlib.h>

namespace tether::agent {

class X11ErrorTrap {
 public:
  // Starts recording errors of `display` (call right after XOpenDisplay).
  static void Watch(Display* display);
  // XCloseDisplay, then stops recording (atomically: a display opened meanwhile at the same
  // address is not affected). Use instead of XCloseDisplay for watched displays.
  static void Close(Display* display);
  // The first error code recorded since the last call (0: none), cleared. Call XSync first
  // to collect the errors of requests already sent.
  static int Take(Display* display);
  // XSync, then Take().
  static int SyncAndTake(Display* display);
  // True once the connection to the X server broke; every later call on it fails.
  static bool Lost(Display* display);
};

}  // namespace tether::agent
