#pragma once
// Checks and clean-ups for text that users and agents put into sessions. Pure functions.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

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
// Custom properties as a session or an installer gets them: keys from kPropertyKeys, values of
// at most 128 printable characters; "validation" naming the first offender otherwise.
Status CheckProperties(const std::map<std::string, std::string>& properties);
// Length in bytes of the valid UTF-8 character at the start of `s`, or 0 when it is invalid.
size_t Utf8CharLength(std::string_view s);

}  // namespace tether::manager
