#pragma once
// The XTest implementation of InputInjector. It owns its own Display connection, so it may
// live on any one thread (the agent's input thread). This header exposes no Xlib types; it is
// what agent/app includes.
#include <memory>
#include <string>

#include "agent/input/input_injector.h"

namespace tether::agent {

// Connects to the display (empty: $DISPLAY). Returns nullptr and sets *error (if given) when
// the display cannot be opened or lacks the XTEST extension. The injector releases what it
// holds and unbinds the keycodes it borrowed when destroyed.
std::unique_ptr<InputInjector> CreateXTestInputInjector(const std::string& display,
                                                        Status* error);

}  // namespace tether::agent
