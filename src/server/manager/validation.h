#pragma once
// Checks and clean-ups for text that users and agents put into sessions. Pure functions.
#include <cstddef>
#include <string>
#include <string_view>

namespace tether::manager {

// 1-128 bytes, no control characters.
bool IsValidSessionName(std::string_view name);
// 4-32 letters, digits or '-'.
bool IsValidJoinCode(std::string_view code);
// At most `max_bytes`, valid UTF-8, no control characters (with `allow_newlines`: \n and \t
// are allowed).
bool IsCleanText(std::string_view text, size_t max_bytes, bool allow_newlines = false);
// Untrusted text made safe to store and show: invalid UTF-8 and control characters become
// '?', then cut to at most `max_bytes` on a character boundary.
std::string CleanText(std::string_view text, size_t max_bytes);
// Cuts to at most `max_bytes` without splitting a UTF-8 character.
std::string TruncateUtf8(std::string_view text, size_t max_bytes);
// Length in bytes of the valid UTF-8 character at the start of `s`, or 0 when it is invalid.
size_t Utf8CharLength(std::string_view s);

}  // namespace tether::manager
