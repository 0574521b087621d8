#include "server/manager/filter_lexer.h"

#include "server/manager/session_filter.h"

namespace tether::manager {
namespace {

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '@' || c == ':' || c == '/' || c >= 0x80;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

constexpr int64_t kMaxNumber = 999'999'999'999;  // 12 digits: any Unix time or count we need

int64_t UnitSeconds(std::string_view unit) {
  struct Unit { const char* name; int64_t seconds; };
  static constexpr Unit kUnits[] = {
      {"s", 1}, {"sec", 1}, {"secs", 1}, {"second", 1}, {"seconds", 1},
      {"m", 60}, {"min", 60}, {"mins", 60}, {"minute", 60}, {"minutes", 60},
      {"h", 3600}, {"hour", 3600}, {"hours", 3600},
      {"d", 86400}, {"day", 86400}, {"days", 86400},
      {"w", 7 * 86400}, {"week", 7 * 86400}, {"weeks", 7 * 86400},
  };
  for (const auto& u : kUnits) {
    if (unit == u.name) return u.seconds;
  }
  return 0;
}

FilterToken Error(size_t offset, std::string message) {
  FilterToken t;
  t.kind = FilterToken::Kind::kError;
  t.offset = offset;
  t.text = std::move(message);
  return t;
}

}  // namespace

size_t CharPosition(std::string_view text, size_t offset) {
  size_t chars = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++chars;
  }
  return chars + 1;
}

FilterToken FilterLexer::Next() {
  while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r')) {
    ++pos_;
  }
  FilterToken t;
  t.offset = pos_;
  if (pos_ >= in_.size()) return t;  // kEnd
  const char c = in_[pos_];
  const char next = pos_ + 1 < in_.size() ? in_[pos_ + 1] : '\0';
  auto op = [&](size_t len) {
    t.kind = FilterToken::Kind::kOp;
    t.text = std::string(in_.substr(pos_, len));
    pos_ += len;
    return t;
  };
  switch (c) {
    case '(': ++pos_; t.kind = FilterToken::Kind::kLParen; return t;
    case ')': ++pos_; t.kind = FilterToken::Kind::kRParen; return t;
    case '=': return op(next == '=' ? 2 : 1);  // "==" is accepted as "="
    case '~': return op(1);
    case '!':
      if (next == '=' || next == '~') return op(2);
      return Error(pos_, "'!' must be followed by '=' or '~' (use NOT to negate)");
    case '<':
      if (next == '>') return op(2);  // "<>" is accepted as "!="
      return op(next == '=' ? 2 : 1);
    case '>': return op(next == '=' ? 2 : 1);
    case '"':
    case '\'': return Quoted(pos_);
    default: break;
  }
  if (IsWordByte(static_cast<unsigned char>(c))) return Word(pos_);
  if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Error(pos_, "control character in the filter");
  return Error(pos_, std::string("unexpected character '") + c + "'");
}

FilterToken FilterLexer::Word(size_t start) {
  size_t end = start;
  while (end < in_.size() && IsWordByte(static_cast<unsigned char>(in_[end]))) ++end;
  pos_ = end;
  FilterToken t;
  t.offset = start;
  t.text = std::string(in_.substr(start, end - start));
  if (t.text.size() > Filter::kMaxLiteralBytes) return Error(start, "word longer than 256 bytes");
  size_t digits = 0;
  while (digits < t.text.size() && IsDigit(t.text[digits])) ++digits;
  if (digits == 0) {
    t.kind = FilterToken::Kind::kWord;
    return t;
  }
  std::string_view rest = std::string_view(t.text).substr(digits);
  const int64_t unit = UnitSeconds(rest);
  if (!rest.empty() && unit == 0) {
    t.kind = FilterToken::Kind::kWord;  // e.g. 10.0.0.1, 2024-05-01, 3rd
    return t;
  }
  if (digits > 12 || std::stoll(t.text.substr(0, digits)) > kMaxNumber) {
    return Error(start, "number too large");
  }
  t.number = std::stoll(t.text.substr(0, digits));
  if (rest.empty()) {
    t.kind = FilterToken::Kind::kNumber;
  } else {
    // At most about a century of seconds fits comfortably in int64.
    if (t.number > 36500 * 86400LL / unit) return Error(start, "duration too long (at most 100 years)");
    t.kind = FilterToken::Kind::kDuration;
    t.number *= unit;
  }
  return t;
}

FilterToken FilterLexer::Quoted(size_t start) {
  const char quote = in_[start];
  std::string value;
  size_t i = start + 1;
  while (true) {
    if (i >= in_.size()) return Error(start, "unterminated string (missing closing " + std::string(1, quote) + ")");
    char c = in_[i];
    if (c == quote) break;
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Error(i, "control character in a string");
    if (c == '\\') {
      if (i + 1 >= in_.size()) return Error(start, "unterminated string (missing closing " + std::string(1, quote) + ")");
      char e = in_[i + 1];
      if (e != '"' && e != '\'' && e != '\\') return Error(i, "unknown escape; only \\\" \\' and \\\\ are allowed");
      value.push_back(e);
      i += 2;
    } else {
      value.push_back(c);
      ++i;
    }
    if (value.size() > Filter::kMaxLiteralBytes) return Error(start, "string longer than 256 bytes");
  }
  pos_ = i + 1;
  FilterToken t;
  t.kind = FilterToken::Kind::kString;
  t.offset = start;
  t.text = std::move(value);
  return t;
}

}  // namespace tether::manager
