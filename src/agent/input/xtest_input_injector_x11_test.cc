// Real-X tests of the XTest injector: a private Xvfb per test; results read back with
// xdotool, Xlib and a real xterm.
#include "agent/input/xtest_input_injector_x11.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "testing/temp_dir.h"
#include "testing/xvfb.h"

// X11 last: Xlib's `#define Status int` would hide tether::Status.
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>

#include "agent/capture/x11_error_trap_x11.h"
#undef Status

namespace tether::agent {
namespace {

using namespace std::chrono_literals;

tether::v1::KeyEvent KeyEvent(uint32_t keysym, const std::string& code, bool down) {
  tether::v1::KeyEvent e;
  e.set_keysym(keysym);
  e.set_code(code);
  e.set_down(down);
  return e;
}

tether::v1::PointerEvent PointerEvent(int x, int y, uint32_t buttons = 0, int wheel_y = 0) {
  tether::v1::PointerEvent e;
  e.set_x(x);
  e.set_y(y);
  e.set_buttons(buttons);
  e.set_wheel_y(wheel_y);
  return e;
}

// Output of a shell command (for xdotool).
std::string RunCommand(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  return out;
}

class XTestInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(xvfb_.Start(1280, 800)) << xvfb_.error();
    display_ = XOpenDisplay(xvfb_.display().c_str());
    ASSERT_NE(display_, nullptr);
    X11ErrorTrap::Watch(display_);
    Status error;
    injector_ = CreateXTestInputInjector(xvfb_.display(), &error);
    ASSERT_NE(injector_, nullptr) << error.error().message;
  }
  void TearDown() override {
    injector_.reset();
    if (display_) X11ErrorTrap::Close(display_);
  }

  // Types each (keysym, code) as a press and a release.
  void Type(const std::vector<std::pair<uint32_t, std::string>>& keys) {
    for (const auto& [keysym, code] : keys) {
      ASSERT_TRUE(injector_->Key(KeyEvent(keysym, code, true)).ok()) << keysym;
      ASSERT_TRUE(injector_->Key(KeyEvent(keysym, code, false)).ok()) << keysym;
    }
  }

  std::vector<KeyCode> KeysDown() {
    char keys[32];
    XQueryKeymap(display_, keys);
    std::vector<KeyCode> down;
    for (int i = 0; i < 256; ++i) {
      if (keys[i / 8] & (1 << (i % 8))) down.push_back(static_cast<KeyCode>(i));
    }
    return down;
  }

  // The injector's requests travel on its own connection: poll until the server shows them.
  template <class Predicate>
  bool Eventually(Predicate done) {
    for (int i = 0; i < 200; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  unsigned PointerMask() {
    ::Window root, child;
    int rx, ry, wx, wy;
    unsigned mask = 0;
    XQueryPointer(display_, DefaultRootWindow(display_), &root, &child, &rx, &ry, &wx, &wy, &mask);
    return mask;
  }

  testing::Xvfb xvfb_;
  Display* display_ = nullptr;
  std::unique_ptr<InputInjector> injector_;
  const MonitorInfo right_{1, 640, 0, 640, 800, false, "right"};
};

TEST_F(XTestInputTest, PointerLandsOnTheMonitorAndIsClamped) {
  const std::string env = "DISPLAY=" + xvfb_.display() + " ";
  ASSERT_TRUE(injector_->Pointer(PointerEvent(100, 200), right_).ok());
  std::string where;
  EXPECT_TRUE(Eventually([&] {
    where = RunCommand(env + "xdotool getmouselocation");
    return where.find("x:740 y:200 ") != std::string::npos;
  })) << "xdotool says: " << where << " (empty: xdotool is not installed)";
  ASSERT_TRUE(injector_->Pointer(PointerEvent(5000, -20), right_).ok());
  EXPECT_TRUE(Eventually([&] {
    where = RunCommand(env + "xdotool getmouselocation");
    return where.find("x:1279 y:0 ") != std::string::npos;
  })) << where;
}

TEST_F(XTestInputTest, ButtonsFollowTheBitsAndWheelClicks) {
  // A window that records button presses.
  ::Window w = XCreateSimpleWindow(display_, DefaultRootWindow(display_), 0, 0, 400, 400, 0, 0, 0);
  XSelectInput(display_, w, ButtonPressMask | ButtonReleaseMask);
  XMapRaised(display_, w);
  XSync(display_, False);
  const MonitorInfo all{0, 0, 0, 1280, 800, true, "all"};
  ASSERT_TRUE(injector_->Pointer(PointerEvent(50, 50, tether::v1::POINTER_BUTTON_LEFT), all).ok());
  EXPECT_TRUE(Eventually([&] { return PointerMask() & Button1Mask; }));
  ASSERT_TRUE(injector_->Pointer(PointerEvent(60, 50, tether::v1::POINTER_BUTTON_LEFT |
                                                          tether::v1::POINTER_BUTTON_RIGHT), all)
                  .ok());
  EXPECT_TRUE(Eventually([&] { return PointerMask() & Button3Mask; }));
  ASSERT_TRUE(injector_->Pointer(PointerEvent(60, 50, tether::v1::POINTER_BUTTON_RIGHT), all).ok());
  EXPECT_TRUE(Eventually([&] { return !(PointerMask() & Button1Mask); }));
  injector_->ReleaseAll();
  EXPECT_TRUE(Eventually([&] { return !(PointerMask() & (Button1Mask | Button2Mask | Button3Mask)); }));
  ASSERT_TRUE(injector_->Pointer(PointerEvent(60, 50, 0, 3), all).ok());
  ASSERT_TRUE(injector_->Pointer(PointerEvent(60, 50, 0, -1), all).ok());
  std::vector<unsigned> presses;
  Eventually([&] {
    XSync(display_, False);
    while (XPending(display_)) {
      XEvent e;
      XNextEvent(display_, &e);
      if (e.type == ButtonPress) presses.push_back(e.xbutton.button);
    }
    return presses.size() >= 6;
  });
  EXPECT_EQ(presses, (std::vector<unsigned>{1, 3, 5, 5, 5, 4}));
}

TEST_F(XTestInputTest, TypesIntoARealXterm) {
  tether::testing::TempDir dir;
  const std::string file = (dir.path() / "typed.txt").string();
  testing::ChildProcess xterm;
  ASSERT_TRUE(xterm.Start({"xterm", "-u8", "-geometry", "80x10+0+0", "-e", "sh", "-c",
                           "cat > '" + file + "'"},
                          {"DISPLAY=" + xvfb_.display(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8"}))
      << "xterm is not installed";
  // Wait for the window, then put the pointer over it (no window manager: focus follows it).
  const std::string env = "DISPLAY=" + xvfb_.display() + " ";
  std::string window;
  for (int i = 0; i < 300 && window.empty(); ++i) {
    window = RunCommand(env + "xdotool search --onlyvisible --class xterm 2>/dev/null");
    if (window.empty()) std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(window.empty()) << "xterm did not map a window";
  std::this_thread::sleep_for(300ms);  // let it start `cat`
  const MonitorInfo all{0, 0, 0, 1280, 800, true, "all"};
  ASSERT_TRUE(injector_->Pointer(PointerEvent(100, 60), all).ok());
  // "Hi, World! é@" then Enter: upper case, symbols that need Shift, and é which has no key
  // in the default US map (it gets a spare keycode).
  Type({{'H', "KeyH"}, {'i', "KeyI"}, {',', "Comma"}, {' ', "Space"}, {'W', "KeyW"},
        {'o', "KeyO"}, {'r', "KeyR"}, {'l', "KeyL"}, {'d', "KeyD"}, {'!', "Digit1"},
        {' ', "Space"}, {0x00e9, "Quote"}, {'@', "Digit2"}, {0, "Enter"}});
  std::string content;
  for (int i = 0; i < 250 && content.find('\n') == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    content = ss.str();
  }
  EXPECT_EQ(content, "Hi, World! \xc3\xa9@\n");
  EXPECT_TRUE(Eventually([&] { return KeysDown().empty(); })) << "a key stayed down";
}

TEST_F(XTestInputTest, ModifiersAreOnlyHeldForThePress) {
  // A focused window that reads what each key press means.
  ::Window w = XCreateSimpleWindow(display_, DefaultRootWindow(display_), 0, 0, 300, 300, 0, 0, 0);
  XSelectInput(display_, w, KeyPressMask);
  XMapRaised(display_, w);
  XSync(display_, False);
  XSetInputFocus(display_, w, RevertToParent, CurrentTime);
  XSync(display_, False);
  // Host holds Shift and types '1' (its layout differs): Shift must be lifted for the press.
  ASSERT_TRUE(injector_->Key(KeyEvent(XK_Shift_L, "ShiftLeft", true)).ok());
  Type({{'1', "Digit1"}, {'Q', "KeyQ"}});
  ASSERT_TRUE(injector_->Key(KeyEvent(XK_Shift_L, "ShiftLeft", false)).ok());
  Type({{'a', "KeyA"}, {'A', "KeyA"}, {'~', "Backquote"}, {0x20ac, ""}});  // € (EuroSign)
  XSync(display_, False);
  std::string typed;
  std::vector<KeySym> keysyms;
  for (int i = 0; i < 100 && keysyms.size() < 6; ++i) {
    while (XPending(display_)) {
      XEvent e;
      XNextEvent(display_, &e);
      if (e.type != KeyPress) continue;
      char buf[8];
      KeySym sym = NoSymbol;
      const int n = XLookupString(&e.xkey, buf, sizeof buf, &sym, nullptr);
      if (!IsModifierKey(sym)) keysyms.push_back(sym);
      if (n == 1) typed += buf[0];
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(typed, "1QaA~");
  ASSERT_EQ(keysyms.size(), 6u);
  EXPECT_EQ(keysyms[5], 0x20acu);
  EXPECT_TRUE(Eventually([&] { return KeysDown().empty(); }));
}

TEST_F(XTestInputTest, ReleaseAllLiftsEverythingHeld) {
  ASSERT_TRUE(injector_->Key(KeyEvent(XK_Control_L, "ControlLeft", true)).ok());
  ASSERT_TRUE(injector_->Key(KeyEvent('x', "KeyX", true)).ok());
  ASSERT_TRUE(injector_->Key(KeyEvent(0, "F5", true)).ok());
  ASSERT_TRUE(injector_->Key(KeyEvent(0x00e9, "", true)).ok());
  const MonitorInfo all{0, 0, 0, 1280, 800, true, "all"};
  ASSERT_TRUE(injector_->Pointer(PointerEvent(5, 5, tether::v1::POINTER_BUTTON_MIDDLE), all).ok());
  EXPECT_TRUE(Eventually([&] { return KeysDown().size() == 4; }));
  EXPECT_TRUE(Eventually([&] { return (PointerMask() & Button2Mask) != 0; }));
  EXPECT_TRUE(PointerMask() & ControlMask);
  injector_->ReleaseAll();
  EXPECT_TRUE(Eventually([&] { return KeysDown().empty(); }));
  EXPECT_EQ(PointerMask() & (Button2Mask | ControlMask), 0u);
  // Releasing a key nobody holds is harmless.
  EXPECT_TRUE(injector_->Key(KeyEvent('x', "KeyX", false)).ok());
  EXPECT_FALSE(injector_->Key(KeyEvent(0, "NoSuchKey", true)).ok());
}

TEST_F(XTestInputTest, BorrowedKeycodesAreGivenBackAndReused) {
  // More unmapped keysyms than spare keycodes: the least recently used binding is reused.
  std::vector<uint32_t> letters;
  for (uint32_t cp = 0x3b1; cp < 0x3b1 + 24; ++cp) letters.push_back(0x01000000 | cp);  // Greek
  for (uint32_t keysym : letters) {
    ASSERT_TRUE(injector_->Key(KeyEvent(keysym, "", true)).ok());
    ASSERT_TRUE(injector_->Key(KeyEvent(keysym, "", false)).ok());
  }
  EXPECT_TRUE(Eventually([&] { return KeysDown().empty(); }));
  injector_.reset();
  // Our connection's mapping cache needs the server's MappingNotify events first.
  XSync(display_, False);
  while (XPending(display_)) {
    XEvent e;
    XNextEvent(display_, &e);
    if (e.type == MappingNotify) XRefreshKeyboardMapping(&e.xmapping);
  }
  EXPECT_EQ(XKeysymToKeycode(display_, 0x00e9), 0);
  EXPECT_EQ(XKeysymToKeycode(display_, letters.back()), 0);
}

TEST(XTestInputErrors, MissingDisplayIsReported) {
  Status error;
  EXPECT_EQ(CreateXTestInputInjector(":986", &error), nullptr);
  EXPECT_EQ(error.error().code, "display_unavailable");
}

}  // namespace
}  // namespace tether::agent
