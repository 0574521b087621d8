#pragma once
// Text conversions for clipboard exchange: UTF-8 validation and repair, and ISO 8859-1
// (the X STRING type) to and from UTF-8. Pure functions.
#include <string>
#include <string_view>

namespace tether::agent {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD.
std::string RepairUtf8(std::string_view text);

// ISO 8859-1 bytes to UTF-8.
std::string Latin1ToUtf8(std::string_view latin1);

// UTF-8 to ISO 8859-1; code points above U+00FF become '?'. Ill-formed input is repaired first.
std::string Utf8ToLatin1(std::string_view utf8);

}  // namespace tether::agent
