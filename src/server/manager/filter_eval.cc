// The field table of the filter language, in-memory evaluation, and built filters.
#include <algorithm>

#include "server/manager/session_filter.h"

namespace tether::manager {
namespace {

int Compare(const std::string& a, const std::string& b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool Ordered(FilterOp op, int cmp) {
  switch (op) {
    case FilterOp::kEq: return cmp == 0;
    case FilterOp::kNe: return cmp != 0;
    case FilterOp::kLt: return cmp < 0;
    case FilterOp::kLe: return cmp <= 0;
    case FilterOp::kGt: return cmp > 0;
    case FilterOp::kGe: return cmp >= 0;
    default: return false;
  }
}

bool BoolField(const Session& s, FilterField f) {
  return f == FilterField::kOnline ? s.guest.online : s.ended_at != 0;
}

int64_t TimeField(const Session& s, FilterField f) {
  switch (f) {
    case FilterField::kLastSeen: return s.guest.last_seen;
    case FilterField::kCreatedAt: return s.created_at;
    default: return s.ended_at;
  }
}

bool Eval(const FilterNode& n, const Session& s, const FilterContext& ctx) {
  switch (n.kind) {
    case FilterNode::Kind::kAnd:
      return std::all_of(n.children.begin(), n.children.end(), [&](const FilterNode& c) { return Eval(c, s, ctx); });
    case FilterNode::Kind::kOr:
      return std::any_of(n.children.begin(), n.children.end(), [&](const FilterNode& c) { return Eval(c, s, ctx); });
    case FilterNode::Kind::kNot:
      return !Eval(n.children.front(), s, ctx);
    case FilterNode::Kind::kCompare:
      break;
  }
  switch (InfoOf(n.field).kind) {
    case FieldKind::kBool: {
      const bool equal = BoolField(s, n.field) == n.value.boolean;
      return n.op == FilterOp::kNe ? !equal : equal;
    }
    case FieldKind::kTime: {
      const int64_t a = TimeField(s, n.field), b = ResolveTime(n.value, ctx);
      return Ordered(n.op, a < b ? -1 : (a > b ? 1 : 0));
    }
    case FieldKind::kText: {
      const std::string field = AsciiLower(FieldText(s, n.field));
      const std::string value = AsciiLower(ResolveText(n.value, ctx));
      if (n.op == FilterOp::kContains) return field.find(value) != std::string::npos;
      if (n.op == FilterOp::kNotContains) return field.find(value) == std::string::npos;
      return Ordered(n.op, Compare(field, value));
    }
  }
  return false;
}

FilterNode Leaf(FilterField field, FilterOp op, std::string_view text) {
  FilterNode n;
  n.field = field;
  n.op = op;
  n.value.kind = FilterValue::Kind::kText;
  n.value.text = std::string(text);
  return n;
}

}  // namespace

const std::vector<FieldInfo>& FilterFields() {
  static const std::vector<FieldInfo> kFields = {
      {FilterField::kName, "name", FieldKind::kText},
      {FilterField::kCode, "code", FieldKind::kText},
      {FilterField::kType, "type", FieldKind::kText},
      {FilterField::kCompany, "company", FieldKind::kText},
      {FilterField::kSite, "site", FieldKind::kText},
      {FilterField::kDepartment, "department", FieldKind::kText},
      {FilterField::kTag, "tag", FieldKind::kText},
      {FilterField::kMachine, "machine", FieldKind::kText},
      {FilterField::kOs, "os", FieldKind::kText},
      {FilterField::kUser, "user", FieldKind::kText},
      {FilterField::kAddress, "address", FieldKind::kText},
      {FilterField::kVersion, "version", FieldKind::kText},
      {FilterField::kCreatedBy, "created_by", FieldKind::kText},
      {FilterField::kOnline, "online", FieldKind::kBool},
      {FilterField::kEnded, "ended", FieldKind::kBool},
      {FilterField::kLastSeen, "last_seen", FieldKind::kTime},
      {FilterField::kCreatedAt, "created_at", FieldKind::kTime},
      {FilterField::kEndedAt, "ended_at", FieldKind::kTime},
  };
  return kFields;
}

const FieldInfo& InfoOf(FilterField field) { return FilterFields()[static_cast<size_t>(field)]; }

const FieldInfo* FindFilterField(std::string_view name) {
  const std::string lower = AsciiLower(name);
  for (const auto& f : FilterFields()) {
    if (lower == f.name) return &f;
  }
  return nullptr;
}

bool IsSubgroupField(FilterField field) { return InfoOf(field).kind == FieldKind::kText; }

const char* FilterOpText(FilterOp op) {
  switch (op) {
    case FilterOp::kEq: return "=";
    case FilterOp::kNe: return "!=";
    case FilterOp::kContains: return "~";
    case FilterOp::kNotContains: return "!~";
    case FilterOp::kLt: return "<";
    case FilterOp::kLe: return "<=";
    case FilterOp::kGt: return ">";
    case FilterOp::kGe: return ">=";
  }
  return "=";
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string FieldText(const Session& s, FilterField field) {
  auto prop = [&](const char* key) {
    auto it = s.properties.find(key);
    return it == s.properties.end() ? std::string() : it->second;
  };
  switch (field) {
    case FilterField::kName: return s.name;
    case FilterField::kCode: return s.code;
    case FilterField::kType: return SessionTypeName(s.type);
    case FilterField::kCompany: return prop("company");
    case FilterField::kSite: return prop("site");
    case FilterField::kDepartment: return prop("department");
    case FilterField::kTag: return prop("tag");
    case FilterField::kMachine: return s.guest.machine;
    case FilterField::kOs: return s.guest.os;
    case FilterField::kUser: return s.guest.user;
    case FilterField::kAddress: return s.guest.address;
    case FilterField::kVersion: return s.guest.agent_version;
    case FilterField::kCreatedBy: return s.created_by;
    default: return {};
  }
}

int64_t ResolveTime(const FilterValue& v, const FilterContext& context) {
  switch (v.kind) {
    case FilterValue::Kind::kAgo: return context.now - v.seconds;
    case FilterValue::Kind::kNow: return context.now;
    default: return v.seconds;
  }
}

const std::string& ResolveText(const FilterValue& v, const FilterContext& context) {
  return v.kind == FilterValue::Kind::kMe ? context.me : v.text;
}

bool FilterMatches(const Filter& filter, const Session& session, const FilterContext& context) {
  return filter.empty() || Eval(*filter.root(), session, context);
}

Filter SearchFilter(std::string_view q) {
  FilterNode any{FilterNode::Kind::kOr};
  for (FilterField f : {FilterField::kName, FilterField::kCode, FilterField::kCompany,
                        FilterField::kMachine, FilterField::kUser}) {
    any.children.push_back(Leaf(f, FilterOp::kContains, q));
  }
  return Filter(std::move(any));
}

Filter EqualsFilter(FilterField field, std::string_view value) {
  return Filter(Leaf(field, FilterOp::kEq, value));
}

}  // namespace tether::manager
