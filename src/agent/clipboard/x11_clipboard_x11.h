#pragma once
// The X11 implementation of Clipboard: the CLIPBOARD selection (not PRIMARY) through a hidden
// window of its own. XFixes reports every change of owner, so nothing is polled; the text is
// read as UTF8_STRING (STRING as a fallback, INCR transfers included) and served as TARGETS,
// TIMESTAMP, UTF8_STRING, STRING and TEXT. It owns its own Display connection, so it may live
// on any one thread (the agent's input thread). This header exposes no Xlib types; it is what
// agent/app includes.
#include <cstddef>
#include <memory>
#include <string>

#include "agent/clipboard/clipboard.h"

namespace tether::agent {

struct X11ClipboardOptions {
  std::string display;  // X display name; empty: $DISPLAY
  // The largest property written in one request; 0: what the server takes (BIG-REQUESTS).
  // Tests set less to play a server without BIG-REQUESTS.
  size_t max_property_bytes = 0;
};

// Connects to the display. Returns nullptr and sets *error (if given) when the display cannot
// be opened or lacks the XFIXES extension (version 1 or later).
std::unique_ptr<Clipboard> CreateX11Clipboard(const X11ClipboardOptions& options, Status* error);

}  // namespace tether::agent
