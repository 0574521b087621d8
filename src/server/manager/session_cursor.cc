#include "server/manager/session_cursor.h"

namespace tether::manager {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int Sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::string Encode64(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

std::optional<std::string> Decode64(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = Sextet(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::string EncodeCursor(const SessionCursor& c) {
  return Encode64("v1:" + std::to_string(c.created_at) + ":" + c.id);
}

std::optional<SessionCursor> DecodeCursor(std::string_view text) {
  if (text.empty() || text.size() > 160) return std::nullopt;
  auto raw = Decode64(text);
  if (!raw || raw->rfind("v1:", 0) != 0) return std::nullopt;
  std::string_view rest = std::string_view(*raw).substr(3);
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 18) return std::nullopt;
  SessionCursor c;
  for (char ch : rest.substr(0, colon)) {
    if (ch < '0' || ch > '9') return std::nullopt;
    c.created_at = c.created_at * 10 + (ch - '0');
  }
  std::string_view id = rest.substr(colon + 1);
  if (id.empty() || id.size() > 64) return std::nullopt;
  for (char ch : id) {
    if (!IsIdChar(ch)) return std::nullopt;
  }
  c.id = std::string(id);
  // Only the canonical spelling is accepted, so every cursor has exactly one form.
  if (EncodeCursor(c) != text) return std::nullopt;
  return c;
}

}  // namespace tether::manager
