#include "server/manager/validation.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "server/manager/types.h"

namespace tether::manager {

Status CheckProperties(const std::map<std::string, std::string>& properties) {
  constexpr size_t kMaxPropertyBytes = 128;
  for (const auto& [key, value] : properties) {
    if (!IsPropertyKey(key)) {
      return MakeError("validation", "unknown property '" + TruncateUtf8(key, 32) +
                                         "' (properties are company, site, department, tag)");
    }
    if (!IsCleanText(value, kMaxPropertyBytes)) {
      return MakeError("validation", "property '" + key + "' must be at most 128 printable characters");
    }
  }
  return {};
}

size_t Utf8CharLength(std::string_view s) {
  if (s.empty()) return 0;
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
  else return 0;
  if (s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i) & 0x3F);
  }
  // Overlong forms, surrogates and values above U+10FFFF are invalid.
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

}  // namespace

bool IsValidSessionName(std::string_view name) {
  return !name.empty() && IsCleanText(name, 128);
}

bool IsValidJoinCode(std::string_view code) {
  if (code.size() < 4 || code.size() > 32) return false;
  for (unsigned char c : code) {
    if (!std::isalnum(c) && c != '-') return false;
  }
  return true;
}

bool IsCleanText(std::string_view text, size_t max_bytes, bool allow_newlines) {
  if (text.size() > max_bytes) return false;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (IsControl(c) && !(allow_newlines && (c == '\n' || c == '\t'))) return false;
      ++i;
      continue;
    }
    size_t n = Utf8CharLength(text.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string CleanText(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (size_t i = 0; i < text.size() && out.size() < max_bytes;) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : Utf8CharLength(text.substr(i));
    if (n == 0 || (n == 1 && IsControl(c))) {
      out.push_back('?');
      ++i;
      continue;
    }
    if (out.size() + n > max_bytes) break;
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

}  // namespace tether::manager
