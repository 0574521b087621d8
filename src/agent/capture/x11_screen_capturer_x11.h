#pragma once
// The X11 implementation of ScreenCapturer: XRandR monitors, MIT-SHM grabs (XGetImage without
// it), XDamage change tracking (a full tile compare without it), XFixes cursor. The capturer
// owns its own Display connection, so it may live on any one thread (the capture thread).
// This header exposes no Xlib types; it is what agent/app includes.
#include <memory>
#include <string>

#include "agent/capture/screen_capturer.h"

namespace tether::agent {

struct X11CaptureOptions {
  std::string display;        // X display name; empty: $DISPLAY
  bool use_shm = true;        // false: always XGetImage (tests of the fallback)
  bool use_damage = true;     // false: compare full frames in tiles (tests of the fallback)
};

// Connects to the display and selects the primary monitor. Returns nullptr and sets *error
// (if given) when the display cannot be opened or is unusable (not 24/32-bit TrueColor).
std::unique_ptr<ScreenCapturer> CreateX11ScreenCapturer(const std::string& display,
                                                        Status* error);
std::unique_ptr<ScreenCapturer> CreateX11ScreenCapturer(const X11CaptureOptions& options,
                                                        Status* error);

}  // namespace tether::agent
