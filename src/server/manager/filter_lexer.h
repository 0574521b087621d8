#pragma once
// FilterLexer: splits filter text into tokens for the parser (session_filter.h). Pure; one
// instance per parse.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tether::manager {

struct FilterToken {
  enum class Kind {
    kEnd,
    kWord,      // bare word: letters, digits, _ - . @ : / and non-ASCII characters
    kString,    // "..." or '...' with \" \' \\ escapes; `text` is the unescaped value
    kNumber,    // digits only; `number`
    kDuration,  // digits with a unit (s, m, h, d, w, or min, hours, days, ...); `number` in seconds
    kOp,        // = != ~ !~ < <= > >=; `text` is the operator
    kLParen,
    kRParen,
    kError,     // `text` says what is wrong
  };
  Kind kind = Kind::kEnd;
  std::string text;  // words and operators as written; strings unescaped
  int64_t number = 0;
  size_t offset = 0;  // byte offset of the token in the input
};

class FilterLexer {
 public:
  explicit FilterLexer(std::string_view input) : in_(input) {}
  FilterToken Next();

 private:
  FilterToken Word(size_t start);
  FilterToken Quoted(size_t start);
  std::string_view in_;
  size_t pos_ = 0;
};

// The 1-based character position of byte `offset` in `text` (UTF-8).
size_t CharPosition(std::string_view text, size_t offset);

}  // namespace tether::manager
