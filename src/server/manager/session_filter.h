#pragma once
// The session-group filter language: a small expression language over session fields
// (docs/control-panel.md has the grammar). ParseFilter turns text into a Filter (an AST);
// FilterMatches evaluates one in memory; the store compiles the same AST to a parameterised
// SQL WHERE clause (server/store/session_filter_sql.h), mapping fields through a fixed table
// and binding every literal. Pure: no I/O, no clock (the caller passes "now" and "me").
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "server/manager/types.h"

namespace tether::manager {

enum class FilterField {
  kName, kCode, kType, kCompany, kSite, kDepartment, kTag,
  kMachine, kOs, kUser, kAddress, kVersion, kCreatedBy,
  kOnline, kEnded,
  kLastSeen, kCreatedAt, kEndedAt,
};
enum class FieldKind { kText, kBool, kTime };

struct FieldInfo {
  FilterField field;
  const char* name;  // as written in filters and in sub-group fields
  FieldKind kind;
};
// Every field, in a fixed order (the order of FilterField).
const std::vector<FieldInfo>& FilterFields();
const FieldInfo& InfoOf(FilterField field);
// Case-insensitive lookup by name; nullptr when unknown.
const FieldInfo* FindFilterField(std::string_view name);
// Fields a group may be sub-grouped by: the text fields.
bool IsSubgroupField(FilterField field);

enum class FilterOp { kEq, kNe, kContains, kNotContains, kLt, kLe, kGt, kGe };
const char* FilterOpText(FilterOp op);

struct FilterValue {
  enum class Kind {
    kText,  // `text` as written (compared case-insensitively)
    kMe,    // the user asking
    kBool,  // `boolean`
    kTime,  // `seconds` since the Unix epoch
    kAgo,   // now minus `seconds`
    kNow,
  };
  Kind kind = Kind::kText;
  std::string text;
  bool boolean = false;
  int64_t seconds = 0;
};

struct FilterNode {
  enum class Kind { kAnd, kOr, kNot, kCompare };
  Kind kind = Kind::kCompare;
  std::vector<FilterNode> children = {};  // kAnd, kOr: two or more; kNot: one
  // kCompare only:
  FilterField field = FilterField::kName;
  FilterOp op = FilterOp::kEq;
  FilterValue value = {};
};

// A parsed filter. An empty filter (no text, or only spaces) matches every session.
class Filter {
 public:
  static constexpr size_t kMaxBytes = 2048;
  static constexpr int kMaxDepth = 32;
  static constexpr int kMaxComparisons = 64;
  static constexpr size_t kMaxLiteralBytes = 256;

  Filter() = default;
  explicit Filter(FilterNode root) : root_(std::make_shared<const FilterNode>(std::move(root))) {}
  // nullptr for the empty filter.
  const FilterNode* root() const { return root_.get(); }
  bool empty() const { return root_ == nullptr; }

 private:
  std::shared_ptr<const FilterNode> root_;  // immutable; copies share it
};

// Where a filter is wrong: a 1-based position counted in characters (not bytes), and what.
struct FilterSyntaxError {
  size_t position = 0;
  std::string message;
};

// Parses `text`. On failure returns a "validation" error whose message reads
// "filter: at position N: ..." and, when `error` is given, fills it in.
Result<Filter> ParseFilter(std::string_view text, FilterSyntaxError* error = nullptr);

// The values a filter needs when it is evaluated.
struct FilterContext {
  int64_t now = 0;   // Unix seconds, for `now` and `ago`
  std::string me;    // the user name `me` stands for
};

// In-memory evaluation, with the same meaning as the SQL the store generates.
bool FilterMatches(const Filter& filter, const Session& session, const FilterContext& context);

// Built filters (never parsed from user text):
// `q` as a case-insensitive substring of name, code, company, machine or user.
Filter SearchFilter(std::string_view q);
// field = value (text fields; case-insensitive).
Filter EqualsFilter(FilterField field, std::string_view value);

// Helpers shared with the store's SQL compiler, so both sides agree on meaning.
std::string AsciiLower(std::string_view s);
// The text of a field of a session (text fields only).
std::string FieldText(const Session& s, FilterField field);
// A value resolved for comparison: the Unix seconds of a time value, the text of kMe.
int64_t ResolveTime(const FilterValue& v, const FilterContext& context);
const std::string& ResolveText(const FilterValue& v, const FilterContext& context);

}  // namespace tether::manager
