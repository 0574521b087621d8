#include "server/store/session_filter_sql.h"

namespace tether::store {
namespace {

using manager::FieldKind;
using manager::FilterField;
using manager::FilterNode;
using manager::FilterOp;

const char* SqlOp(FilterOp op) {
  switch (op) {
    case FilterOp::kEq: return " = ";
    case FilterOp::kNe: return " <> ";
    case FilterOp::kLt: return " < ";
    case FilterOp::kLe: return " <= ";
    case FilterOp::kGt: return " > ";
    case FilterOp::kGe: return " >= ";
    default: return " = ";  // ~ and !~ are compiled separately
  }
}

std::string Compile(const FilterNode& n, const manager::FilterContext& ctx, SqlParams& params) {
  switch (n.kind) {
    case FilterNode::Kind::kAnd:
    case FilterNode::Kind::kOr: {
      const char* joiner = n.kind == FilterNode::Kind::kAnd ? " AND " : " OR ";
      std::string out = "(";
      for (size_t i = 0; i < n.children.size(); ++i) {
        if (i) out += joiner;
        out += Compile(n.children[i], ctx, params);
      }
      return out.size() == 1 ? std::string(n.kind == FilterNode::Kind::kAnd ? "1" : "0") : out + ")";
    }
    case FilterNode::Kind::kNot:
      return "(NOT " + Compile(n.children.front(), ctx, params) + ")";
    case FilterNode::Kind::kCompare:
      break;
  }
  const std::string column = ColumnOf(n.field);
  switch (manager::InfoOf(n.field).kind) {
    case FieldKind::kBool:
      return "(" + column + SqlOp(n.op) + params.Add(int64_t{n.value.boolean}) + ")";
    case FieldKind::kTime:
      return "(" + column + SqlOp(n.op) + params.Add(manager::ResolveTime(n.value, ctx)) + ")";
    case FieldKind::kText:
      break;
  }
  const std::string& text = manager::ResolveText(n.value, ctx);
  if (n.op == FilterOp::kContains || n.op == FilterOp::kNotContains) {
    // instr() on ASCII-lowered text: no LIKE wildcards to escape.
    return "(instr(lower(" + column + "), " + params.Add(manager::AsciiLower(text)) + ")" +
           (n.op == FilterOp::kContains ? " > 0)" : " = 0)");
  }
  return "(" + column + SqlOp(n.op) + params.Add(text) + " COLLATE NOCASE)";
}

}  // namespace

std::string SqlParams::Add(int64_t v) {
  values_.emplace_back(v);
  return "?" + std::to_string(values_.size());
}

std::string SqlParams::Add(std::string v) {
  values_.emplace_back(std::move(v));
  return "?" + std::to_string(values_.size());
}

void SqlParams::BindTo(Statement& st) const {
  for (size_t i = 0; i < values_.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    if (const auto* n = std::get_if<int64_t>(&values_[i])) st.Bind(index, *n);
    else st.Bind(index, std::get<std::string>(values_[i]));
  }
}

const char* ColumnOf(FilterField field) {
  switch (field) {
    case FilterField::kName: return "name";
    case FilterField::kCode: return "COALESCE(code, '')";
    case FilterField::kType: return "type";
    case FilterField::kCompany: return "company";
    case FilterField::kSite: return "site";
    case FilterField::kDepartment: return "department";
    case FilterField::kTag: return "tag";
    case FilterField::kMachine: return "guest_machine";
    case FilterField::kOs: return "guest_os";
    case FilterField::kUser: return "guest_user";
    case FilterField::kAddress: return "guest_address";
    case FilterField::kVersion: return "agent_version";
    case FilterField::kCreatedBy: return "created_by";
    case FilterField::kOnline: return "guest_online";
    case FilterField::kEnded: return "(ended_at <> 0)";
    case FilterField::kLastSeen: return "last_seen";
    case FilterField::kCreatedAt: return "created_at";
    case FilterField::kEndedAt: return "ended_at";
  }
  return "name";
}

std::string CompileFilter(const manager::Filter& filter, const manager::FilterContext& context,
                          SqlParams& params) {
  if (filter.empty()) return "1";
  return Compile(*filter.root(), context, params);
}

}  // namespace tether::store
