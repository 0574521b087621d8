// ParseFilter: the recursive-descent parser of the session filter language.
//
//   filter     = [ or_expr ] ;
//   or_expr    = and_expr { "OR" and_expr } ;
//   and_expr   = unary { "AND" unary } ;
//   unary      = "NOT" unary | primary ;
//   primary    = "(" or_expr ")" | comparison ;
//   comparison = field [ operator value ] ;      (a bare field only for true/false fields)
//
// docs/control-panel.md has the full grammar, the fields and the meaning of each operator.
#include <optional>

#include "server/manager/filter_lexer.h"
#include "server/manager/session_filter.h"
#include "server/manager/validation.h"

namespace tether::manager {
namespace {

using Tok = FilterToken::Kind;

bool IEquals(std::string_view a, std::string_view b) { return AsciiLower(a) == AsciiLower(b); }

bool IsKeyword(const FilterToken& t, std::string_view kw) {
  return t.kind == Tok::kWord && IEquals(t.text, kw);
}

std::optional<FilterOp> OpOf(const std::string& text) {
  if (text == "=" || text == "==") return FilterOp::kEq;
  if (text == "!=" || text == "<>") return FilterOp::kNe;
  if (text == "~") return FilterOp::kContains;
  if (text == "!~") return FilterOp::kNotContains;
  if (text == "<") return FilterOp::kLt;
  if (text == "<=") return FilterOp::kLe;
  if (text == ">") return FilterOp::kGt;
  if (text == ">=") return FilterOp::kGe;
  return std::nullopt;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "YYYY-MM-DD", optionally "THH:MM" or "THH:MM:SS", optionally "Z"; UTC.
std::optional<int64_t> ParseDate(std::string_view s) {
  auto num = [&](size_t at, size_t len) -> std::optional<int64_t> {
    if (at + len > s.size()) return std::nullopt;
    int64_t v = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.remove_suffix(1);
  if (s.size() != 10 && s.size() != 16 && s.size() != 19) return std::nullopt;
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2);
  if (!y || !mo || !d || s[4] != '-' || s[7] != '-') return std::nullopt;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*y < 1970 || *mo < 1 || *mo > 12 || *d < 1 || *d > kDays[*mo - 1]) return std::nullopt;
  const bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  if (*mo == 2 && *d == 29 && !leap) return std::nullopt;
  int64_t h = 0, mi = 0, sec = 0;
  if (s.size() > 10) {
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
    auto hh = num(11, 2), mm = num(14, 2);
    if (!hh || !mm || s[13] != ':' || *hh > 23 || *mm > 59) return std::nullopt;
    h = *hh;
    mi = *mm;
    if (s.size() == 19) {
      auto ss = num(17, 2);
      if (!ss || s[16] != ':' || *ss > 59) return std::nullopt;
      sec = *ss;
    }
  }
  return DaysFromCivil(*y, *mo, *d) * 86400 + h * 3600 + mi * 60 + sec;
}

std::string FieldList() {
  std::string out;
  for (const auto& f : FilterFields()) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

std::string Describe(const FilterToken& t) {
  switch (t.kind) {
    case Tok::kEnd: return "the end of the filter";
    case Tok::kString: return "a string";
    case Tok::kLParen: return "'('";
    case Tok::kRParen: return "')'";
    default: return "'" + TruncateUtf8(t.text, 40) + "'";
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), lexer_(text) { Advance(); }

  std::optional<FilterNode> Parse() {
    if (tok_.kind == Tok::kEnd) return FilterNode{FilterNode::Kind::kAnd};  // empty: match all
    auto node = OrExpr(0);
    if (!node) return std::nullopt;
    if (tok_.kind == Tok::kError) return Fail(tok_.text);
    if (tok_.kind != Tok::kEnd) {
      return Fail(tok_.kind == Tok::kRParen ? "unmatched ')'"
                                            : "expected AND, OR or the end of the filter, found " + Describe(tok_));
    }
    return node;
  }
  const FilterSyntaxError& error() const { return error_; }

 private:
  void Advance() {
    if (tok_.kind == Tok::kError) return;
    tok_ = lexer_.Next();
  }

  std::nullopt_t Fail(std::string message, std::optional<size_t> offset = std::nullopt) {
    if (error_.message.empty()) {
      error_.position = CharPosition(text_, offset.value_or(tok_.offset));
      error_.message = std::move(message);
    }
    return std::nullopt;
  }

  // Nodes of one kind are flattened: a OR b OR c is one kOr node with three children.
  std::optional<FilterNode> Chain(FilterNode::Kind kind, const char* keyword, int depth,
                                  std::optional<FilterNode> (Parser::*next)(int)) {
    auto first = (this->*next)(depth);
    if (!first) return std::nullopt;
    if (!IsKeyword(tok_, keyword)) return first;
    FilterNode chain{kind};
    chain.children.push_back(std::move(*first));
    while (IsKeyword(tok_, keyword)) {
      Advance();
      auto more = (this->*next)(depth);
      if (!more) return std::nullopt;
      chain.children.push_back(std::move(*more));
    }
    return chain;
  }

  std::optional<FilterNode> OrExpr(int depth) { return Chain(FilterNode::Kind::kOr, "OR", depth, &Parser::AndExpr); }
  std::optional<FilterNode> AndExpr(int depth) { return Chain(FilterNode::Kind::kAnd, "AND", depth, &Parser::Unary); }

  std::optional<FilterNode> Unary(int depth) {
    if (tok_.kind == Tok::kError) return Fail(tok_.text);
    if (IsKeyword(tok_, "NOT")) {
      if (depth + 1 > Filter::kMaxDepth) return Fail("nested too deeply (at most 32 levels)");
      Advance();
      auto inner = Unary(depth + 1);
      if (!inner) return std::nullopt;
      FilterNode node{FilterNode::Kind::kNot};
      node.children.push_back(std::move(*inner));
      return node;
    }
    if (tok_.kind == Tok::kLParen) {
      if (depth + 1 > Filter::kMaxDepth) return Fail("nested too deeply (at most 32 levels)");
      const size_t open = tok_.offset;
      Advance();
      auto inner = OrExpr(depth + 1);
      if (!inner) return std::nullopt;
      if (tok_.kind != Tok::kRParen) {
        if (tok_.kind == Tok::kError) return Fail(tok_.text);
        if (tok_.kind == Tok::kEnd) return Fail("'(' is never closed", open);
        return Fail("expected ')', AND or OR, found " + Describe(tok_));
      }
      Advance();
      return inner;
    }
    return Comparison();
  }

  std::optional<FilterNode> Comparison() {
    if (tok_.kind != Tok::kWord || IsKeyword(tok_, "AND") || IsKeyword(tok_, "OR")) {
      return Fail("expected a field name, found " + Describe(tok_));
    }
    const FieldInfo* info = FindFilterField(tok_.text);
    if (!info) return Fail("unknown field '" + TruncateUtf8(tok_.text, 40) + "'; fields are " + FieldList());
    if (++comparisons_ > Filter::kMaxComparisons) return Fail("too many comparisons (at most 64)");
    FilterNode node;
    node.field = info->field;
    const std::string field_name = info->name;
    Advance();
    if (tok_.kind == Tok::kError) return Fail(tok_.text);
    if (tok_.kind != Tok::kOp) {
      if (info->kind == FieldKind::kBool) {  // "online" means "online = true"
        node.value.kind = FilterValue::Kind::kBool;
        node.value.boolean = true;
        return node;
      }
      return Fail("expected an operator (= != ~ !~ < <= > >=) after '" + field_name + "', found " + Describe(tok_));
    }
    const FilterToken op_tok = tok_;
    node.op = *OpOf(op_tok.text);
    const bool ordering = node.op == FilterOp::kLt || node.op == FilterOp::kLe ||
                          node.op == FilterOp::kGt || node.op == FilterOp::kGe;
    const bool contains = node.op == FilterOp::kContains || node.op == FilterOp::kNotContains;
    if ((info->kind == FieldKind::kBool && (ordering || contains)) ||
        (info->kind == FieldKind::kTime && contains) ||
        (info->field == FilterField::kType && (ordering || contains))) {
      return Fail("'" + op_tok.text + "' does not apply to '" + field_name + "'" +
                  (info->kind == FieldKind::kTime ? "; compare times with = != < <= > >=" : "; use = or !="));
    }
    Advance();
    if (tok_.kind == Tok::kError) return Fail(tok_.text);
    if (tok_.kind == Tok::kEnd || tok_.kind == Tok::kOp || tok_.kind == Tok::kLParen ||
        tok_.kind == Tok::kRParen || IsKeyword(tok_, "AND") || IsKeyword(tok_, "OR") || IsKeyword(tok_, "NOT")) {
      return Fail("expected a value after '" + op_tok.text + "', found " + Describe(tok_));
    }
    if (!Value(*info, node.value)) return std::nullopt;
    return node;
  }

  // Reads the value token(s) for a field of `info`'s kind into `v`.
  bool Value(const FieldInfo& info, FilterValue& v) {
    const FilterToken t = tok_;
    Advance();
    switch (info.kind) {
      case FieldKind::kBool:
        if (t.kind == Tok::kWord && (IEquals(t.text, "true") || IEquals(t.text, "false"))) {
          v.kind = FilterValue::Kind::kBool;
          v.boolean = IEquals(t.text, "true");
          return true;
        }
        Fail("'" + std::string(info.name) + "' is true or false, not " + Describe(t), t.offset);
        return false;
      case FieldKind::kTime:
        return TimeValue(info, t, v);
      case FieldKind::kText:
        break;
    }
    if (t.kind == Tok::kWord && IEquals(t.text, "me")) {
      v.kind = FilterValue::Kind::kMe;
      return true;
    }
    v.kind = FilterValue::Kind::kText;
    v.text = t.text;
    if (info.field == FilterField::kType) {
      v.text = AsciiLower(v.text);
      if (!ParseSessionType(v.text)) {
        Fail("type is support, meeting or access, not " + Describe(t), t.offset);
        return false;
      }
    }
    return true;
  }

  bool TimeValue(const FieldInfo& info, const FilterToken& t, FilterValue& v) {
    if (t.kind == Tok::kNumber) {
      if (IsKeyword(tok_, "ago")) {
        Fail("'" + t.text + "' needs a unit before 'ago' (s, m, h, d or w), as in '" + t.text + "d ago'", t.offset);
        return false;
      }
      v.kind = FilterValue::Kind::kTime;
      v.seconds = t.number;
      return true;
    }
    if (t.kind == Tok::kDuration) {
      if (!IsKeyword(tok_, "ago")) {
        Fail("a duration needs 'ago' after it, as in '" + std::string(info.name) + " < " + t.text + " ago'", tok_.offset);
        return false;
      }
      Advance();
      v.kind = FilterValue::Kind::kAgo;
      v.seconds = t.number;
      return true;
    }
    if (t.kind == Tok::kWord && IEquals(t.text, "now")) {
      v.kind = FilterValue::Kind::kNow;
      return true;
    }
    if (t.kind == Tok::kWord || t.kind == Tok::kString) {
      if (auto date = ParseDate(t.text)) {
        v.kind = FilterValue::Kind::kTime;
        v.seconds = *date;
        return true;
      }
    }
    Fail("expected a time for '" + std::string(info.name) +
             "' (30d ago, now, a date such as 2024-05-01 or 2024-05-01T13:30:00Z, or Unix seconds), found " +
             Describe(t),
         t.offset);
    return false;
  }

  std::string_view text_;
  FilterLexer lexer_;
  FilterToken tok_;
  int comparisons_ = 0;
  FilterSyntaxError error_;
};

// The first byte that is not valid UTF-8 or is a control character (other than whitespace).
std::optional<size_t> FirstBadByte(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != ' ' && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return i;
      ++i;
      continue;
    }
    size_t n = Utf8CharLength(text.substr(i));
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

}  // namespace

Result<Filter> ParseFilter(std::string_view text, FilterSyntaxError* error_out) {
  FilterSyntaxError error;
  std::optional<FilterNode> root;
  if (text.size() > Filter::kMaxBytes) {
    error = {1, "the filter is longer than 2048 bytes"};
  } else if (auto bad = FirstBadByte(text)) {
    error = {CharPosition(text, *bad), "invalid UTF-8 or control character"};
  } else {
    Parser parser(text);
    root = parser.Parse();
    if (!root) error = parser.error();
  }
  if (!root) {
    if (error_out) *error_out = error;
    return MakeError("validation", "filter: at position " + std::to_string(error.position) + ": " + error.message);
  }
  if (root->kind == FilterNode::Kind::kAnd && root->children.empty()) return Filter();
  return Filter(std::move(*root));
}

}  // namespace tether::manager
