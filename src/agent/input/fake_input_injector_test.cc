#include "agent/input/fake_input_injector.h"

#include <gtest/gtest.h>

namespace tether::agent {
namespace {

tether::v1::KeyEvent Key(uint32_t keysym, const std::string& code, bool down) {
  tether::v1::KeyEvent e;
  e.set_keysym(keysym);
  e.set_code(code);
  e.set_down(down);
  return e;
}

TEST(FakeInputInjector, RecordsPointerClampedToTheMonitor) {
  FakeInputInjector injector;
  const MonitorInfo monitor{1, 100, 50, 200, 100, false, "B"};
  tether::v1::PointerEvent e;
  e.set_x(500);
  e.set_y(-3);
  e.set_buttons(tether::v1::POINTER_BUTTON_LEFT | tether::v1::POINTER_BUTTON_RIGHT);
  ASSERT_TRUE(injector.Pointer(e, monitor).ok());
  ASSERT_EQ(injector.events().size(), 1u);
  EXPECT_EQ(injector.events()[0].root_x, 299);
  EXPECT_EQ(injector.events()[0].root_y, 50);
  EXPECT_EQ(injector.held_buttons(), 5u);
}

TEST(FakeInputInjector, KeysFromCodeAndReleaseAll) {
  FakeInputInjector injector;
  ASSERT_TRUE(injector.Key(Key(0, "Enter", true)).ok());
  ASSERT_TRUE(injector.Key(Key('A', "KeyA", true)).ok());
  EXPECT_EQ(injector.events()[0].keysym, 0xff0du);
  EXPECT_EQ(injector.held_keysyms().size(), 2u);
  EXPECT_FALSE(injector.Key(Key(0, "NoSuchKey", true)).ok());
  ASSERT_TRUE(injector.Key(Key('A', "KeyA", false)).ok());
  EXPECT_EQ(injector.held_keysyms().size(), 1u);
  injector.ReleaseAll();
  EXPECT_TRUE(injector.held_keysyms().empty());
  EXPECT_EQ(injector.events().back().kind, FakeInputInjector::Event::Kind::kReleaseAll);
  injector.FailNext(MakeError("display_lost", "gone"));
  EXPECT_FALSE(injector.Key(Key('b', "KeyB", true)).ok());
  EXPECT_TRUE(injector.Key(Key('b', "KeyB", true)).ok());
}

}  // namespace
}  // namespace tether::agent
