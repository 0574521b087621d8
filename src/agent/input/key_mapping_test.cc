#include "agent/input/key_mapping.h"

#include <gtest/gtest.h>

namespace tether::agent {
namespace {

TEST(KeyMapping, TableIsSorted) { EXPECT_TRUE(KeyTableSortedForTest()); }

TEST(KeyMapping, NonCharacterKeys) {
  EXPECT_EQ(KeysymForCode("Enter"), 0xff0du);
  EXPECT_EQ(KeysymForCode("Tab"), 0xff09u);
  EXPECT_EQ(KeysymForCode("Escape"), 0xff1bu);
  EXPECT_EQ(KeysymForCode("Backspace"), 0xff08u);
  EXPECT_EQ(KeysymForCode("Delete"), 0xffffu);
  EXPECT_EQ(KeysymForCode("ArrowLeft"), 0xff51u);
  EXPECT_EQ(KeysymForCode("ArrowUp"), 0xff52u);
  EXPECT_EQ(KeysymForCode("ArrowRight"), 0xff53u);
  EXPECT_EQ(KeysymForCode("ArrowDown"), 0xff54u);
  EXPECT_EQ(KeysymForCode("Home"), 0xff50u);
  EXPECT_EQ(KeysymForCode("End"), 0xff57u);
  EXPECT_EQ(KeysymForCode("PageUp"), 0xff55u);
  EXPECT_EQ(KeysymForCode("PageDown"), 0xff56u);
  EXPECT_EQ(KeysymForCode("Insert"), 0xff63u);
  EXPECT_EQ(KeysymForCode("PrintScreen"), 0xff61u);
  EXPECT_EQ(KeysymForCode("Pause"), 0xff13u);
  EXPECT_EQ(KeysymForCode("ContextMenu"), 0xff67u);
  EXPECT_EQ(KeysymForCode("CapsLock"), 0xffe5u);
}

TEST(KeyMapping, FunctionKeysF1ToF24AreConsecutive) {
  for (int i = 1; i <= 24; ++i) {
    EXPECT_EQ(KeysymForCode("F" + std::to_string(i)), 0xffbeu + i - 1) << "F" << i;
  }
  EXPECT_EQ(KeysymForCode("F25"), 0u);
}

TEST(KeyMapping, ModifiersLeftAndRight) {
  EXPECT_EQ(KeysymForCode("ShiftLeft"), 0xffe1u);
  EXPECT_EQ(KeysymForCode("ShiftRight"), 0xffe2u);
  EXPECT_EQ(KeysymForCode("ControlLeft"), 0xffe3u);
  EXPECT_EQ(KeysymForCode("ControlRight"), 0xffe4u);
  EXPECT_EQ(KeysymForCode("AltLeft"), 0xffe9u);
  EXPECT_EQ(KeysymForCode("AltRight"), 0xffeau);
  EXPECT_EQ(KeysymForCode("MetaLeft"), 0xffebu);
  EXPECT_EQ(KeysymForCode("MetaRight"), 0xffecu);
  for (const char* code : {"ShiftLeft", "ControlRight", "AltLeft", "MetaLeft", "CapsLock"}) {
    EXPECT_TRUE(IsModifierKeysym(KeysymForCode(code))) << code;
  }
}

TEST(KeyMapping, NumpadAndCharacters) {
  for (int i = 0; i <= 9; ++i) {
    EXPECT_EQ(KeysymForCode("Numpad" + std::to_string(i)), 0xffb0u + i);
    EXPECT_EQ(KeysymForCode("Digit" + std::to_string(i)), 0x30u + i);
  }
  EXPECT_EQ(KeysymForCode("NumpadEnter"), 0xff8du);
  EXPECT_EQ(KeysymForCode("NumpadAdd"), 0xffabu);
  EXPECT_EQ(KeysymForCode("NumpadDecimal"), 0xffaeu);
  EXPECT_EQ(KeysymForCode("KeyA"), uint32_t{'a'});
  EXPECT_EQ(KeysymForCode("KeyZ"), uint32_t{'z'});
  EXPECT_EQ(KeysymForCode("Space"), 0x20u);
  EXPECT_EQ(KeysymForCode("Slash"), uint32_t{'/'});
}

TEST(KeyMapping, UnknownCodes) {
  EXPECT_EQ(KeysymForCode(""), 0u);
  EXPECT_EQ(KeysymForCode("enter"), 0u);
  EXPECT_EQ(KeysymForCode("Fn"), 0u);
  EXPECT_EQ(KeysymForCode("ZZZ"), 0u);
}

TEST(KeyMapping, ModifierKeysyms) {
  EXPECT_TRUE(IsModifierKeysym(0xffe1));  // Shift_L
  EXPECT_TRUE(IsModifierKeysym(0xffe3));  // Control_L
  EXPECT_TRUE(IsModifierKeysym(0xfe03));  // ISO_Level3_Shift
  EXPECT_TRUE(IsModifierKeysym(0xff7e));  // Mode_switch
  EXPECT_FALSE(IsModifierKeysym('a'));
  EXPECT_FALSE(IsModifierKeysym(0xff0d));
}

}  // namespace
}  // namespace tether::agent
