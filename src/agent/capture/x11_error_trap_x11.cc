#include "agent/capture/x11_error_trap_x11.h"

#include <algorithm>
#include <mutex>
#include <vector>

namespace tether::agent {
namespace {

struct Watched {
  Display* display;
  int first_error;
  bool lost;
};

// Recursive: Close() holds it across XCloseDisplay, which may call the handlers.
std::recursive_mutex& Mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}
std::vector<Watched>& Table() {
  static std::vector<Watched> table;
  return table;
}
XErrorHandler previous_error_handler = nullptr;
XIOErrorHandler previous_io_handler = nullptr;

Watched* Find(Display* display) {
  for (Watched& w : Table()) {
    if (w.display == display) return &w;
  }
  return nullptr;
}

int OnError(Display* display, XErrorEvent* event) {
  {
    std::lock_guard lock(Mutex());
    if (Watched* w = Find(display)) {
      if (w->first_error == 0) w->first_error = event->error_code;
      return 0;
    }
  }
  return previous_error_handler ? previous_error_handler(display, event) : 0;
}

int OnIoError(Display* display) {
  {
    std::lock_guard lock(Mutex());
    if (Watched* w = Find(display)) {
      w->lost = true;
      return 0;
    }
  }
  return previous_io_handler ? previous_io_handler(display) : 0;
}

// Called after OnIoError for a watched display: returning keeps the process alive (Xlib
// then fails every further request on that display).
void OnIoErrorExit(Display*, void*) {}

void InstallLocked() {
  XErrorHandler old = XSetErrorHandler(OnError);
  if (old != OnError) previous_error_handler = old;
  XIOErrorHandler old_io = XSetIOErrorHandler(OnIoError);
  if (old_io != OnIoError) previous_io_handler = old_io;
}

}  // namespace

void X11ErrorTrap::Watch(Display* display) {
  std::lock_guard lock(Mutex());
  InstallLocked();
  if (Watched* w = Find(display)) {
    *w = Watched{display, 0, false};
  } else {
    Table().push_back(Watched{display, 0, false});
  }
  XSetIOErrorExitHandler(display, OnIoErrorExit, nullptr);
}

void X11ErrorTrap::Close(Display* display) {
  std::lock_guard lock(Mutex());
  XCloseDisplay(display);
  auto& table = Table();
  table.erase(std::remove_if(table.begin(), table.end(),
                             [display](const Watched& w) { return w.display == display; }),
              table.end());
}

int X11ErrorTrap::Take(Display* display) {
  std::lock_guard lock(Mutex());
  Watched* w = Find(display);
  if (!w) return 0;
  const int code = w->first_error;
  w->first_error = 0;
  return code;
}

int X11ErrorTrap::SyncAndTake(Display* display) {
  XSync(display, False);
  return Take(display);
}

bool X11ErrorTrap::Lost(Display* display) {
  std::lock_guard lock(Mutex());
  Watched* w = Find(display);
  return w && w->lost;
}

}  // namespace tether::agent
