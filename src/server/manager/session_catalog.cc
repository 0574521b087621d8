#include "server/manager/session_catalog.h"

#include <algorithm>

#include "server/manager/session_manager.h"
#include "server/manager/validation.h"

namespace tether::manager {
namespace {

constexpr size_t kMaxGroupNameBytes = 64;
constexpr size_t kMaxSubgroupValueBytes = 128;
constexpr int64_t kMaxPosition = 1'000'000'000;

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

void SessionCatalog::Audit(const std::string& kind, const Actor& actor, const std::string& detail) {
  AppendAudit(store_, clock_, kind, actor, detail);
}

// ---------------------------------------------------------------- the session list

Status SessionCatalog::BuildQuery(const SessionListRequest& request, const Actor& actor,
                                  std::optional<SessionGroup>& group, std::vector<Filter>& owned,
                                  SessionQuery& query, FilterSyntaxError* filter_error) {
  query.type = request.type;
  query.include_ended = request.include_ended;
  query.context = FilterContext{clock_.NowUnix(), actor.name};
  // Only the sessions the actor may view (their roles' ViewSessionGroup scope).
  ViewScope scope = authorizer_.ViewScopeOf(actor);
  if (scope.none) return MakeError("forbidden", "you do not have the ViewSessionGroup permission");
  if (!scope.filter.empty()) owned.push_back(std::move(scope.filter));
  if (request.group_id) {
    group = store_.Groups().Find(*request.group_id);
    if (!group) return MakeError("not_found", "no such session group");
    if (!group->session_type.empty()) owned.push_back(EqualsFilter(FilterField::kType, group->session_type));
    auto f = ParseFilter(group->filter);
    if (!f) return MakeError("validation", "the filter of group '" + group->name + "' is not valid: " + f.error().message);
    owned.push_back(*f);
    if (request.subgroup) {
      const FieldInfo* field = FindFilterField(group->subgroup_by);
      if (!field) return MakeError("validation", "group '" + group->name + "' has no sub-groups");
      if (!IsCleanText(*request.subgroup, kMaxSubgroupValueBytes)) {
        return MakeError("validation", "subgroup must be at most 128 printable characters");
      }
      owned.push_back(EqualsFilter(field->field, *request.subgroup));
    }
  } else if (request.subgroup) {
    return MakeError("validation", "subgroup needs a group");
  }
  if (!request.filter.empty()) {
    auto f = ParseFilter(request.filter, filter_error);
    if (!f) return f.error();
    owned.push_back(*f);
  }
  const std::string q = Trim(request.q);
  if (!q.empty()) {
    if (!IsCleanText(q, kMaxSearchBytes)) return MakeError("validation", "q must be at most 128 printable characters");
    owned.push_back(SearchFilter(q));
  }
  // Pointers are taken once `owned` no longer grows.
  for (const auto& f : owned) {
    if (!f.empty()) query.filters.push_back(&f);
  }
  return {};
}

Result<SessionPage> SessionCatalog::ListSessions(const SessionListRequest& request, const Actor& actor,
                                                 FilterSyntaxError* filter_error) {
  if (auto st = authorizer_.Check(actor, Permission::kViewSession); !st) return st.error();
  std::optional<SessionGroup> group;
  std::vector<Filter> owned;
  SessionQuery query;
  if (auto st = BuildQuery(request, actor, group, owned, query, filter_error); !st) return st.error();
  if (!request.cursor.empty()) {
    auto cursor = DecodeCursor(request.cursor);
    if (!cursor) return MakeError("validation", "cursor is not valid; ask for the first page again");
    query.after = *cursor;
  }
  const int limit = std::clamp(request.limit, 1, 1000);
  query.limit = limit + 1;  // one more tells whether there is a next page
  SessionPage page;
  page.sessions = store_.Sessions().List(query);
  if (page.sessions.size() > static_cast<size_t>(limit)) {
    page.sessions.resize(static_cast<size_t>(limit));
    page.next_cursor = EncodeCursor({page.sessions.back().created_at, page.sessions.back().id});
  }
  return page;
}

Result<SubgroupList> SessionCatalog::ListSubgroups(int64_t group_id, const SessionListRequest& request,
                                                   const Actor& actor, FilterSyntaxError* filter_error) {
  if (auto st = authorizer_.Check(actor, Permission::kViewSession); !st) return st.error();
  SessionListRequest r = request;
  r.group_id = group_id;
  r.subgroup.reset();
  std::optional<SessionGroup> group;
  std::vector<Filter> owned;
  SessionQuery query;
  if (auto st = BuildQuery(r, actor, group, owned, query, filter_error); !st) return st.error();
  const FieldInfo* field = FindFilterField(group->subgroup_by);
  if (!field) return MakeError("validation", "group '" + group->name + "' has no sub-groups");
  SubgroupList out;
  out.field = field->name;
  out.values = store_.Sessions().CountBy(query, field->field, kMaxSubgroups + 1);
  if (out.values.size() > static_cast<size_t>(kMaxSubgroups)) {
    out.values.resize(kMaxSubgroups);
    out.truncated = true;
  }
  return out;
}

// ---------------------------------------------------------------- session groups

Status SessionCatalog::CheckGroup(const SessionGroup& g, FilterSyntaxError* filter_error) const {
  if (g.name.empty() || !IsCleanText(g.name, kMaxGroupNameBytes)) {
    return MakeError("validation", "a group name must be 1-64 printable characters");
  }
  if (auto f = ParseFilter(g.filter, filter_error); !f) return f.error();
  if (!g.subgroup_by.empty()) {
    const FieldInfo* field = FindFilterField(g.subgroup_by);
    if (!field || !IsSubgroupField(field->field)) {
      return MakeError("validation", "subgroup_by must be empty or a text field (name, code, type, company, "
                                     "site, department, tag, machine, os, user, address, version, created_by)");
    }
  }
  if (!g.session_type.empty() && !ParseSessionType(g.session_type)) {
    return MakeError("validation", "session_type must be empty, support, meeting or access");
  }
  if (g.position < 0 || g.position > kMaxPosition) {
    return MakeError("validation", "position must be from 0 to 1000000000");
  }
  return {};
}

Result<std::vector<SessionGroup>> SessionCatalog::ListGroups(std::optional<SessionType> type,
                                                             const Actor& actor) {
  if (auto st = authorizer_.Check(actor, Permission::kViewSession); !st) return st.error();
  std::vector<SessionGroup> out;
  for (auto& g : store_.Groups().List()) {
    if (!type || g.session_type.empty() || g.session_type == SessionTypeName(*type)) out.push_back(std::move(g));
  }
  return out;
}

Result<SessionGroup> SessionCatalog::GetGroup(int64_t id, const Actor& actor) {
  if (auto st = authorizer_.Check(actor, Permission::kViewSession); !st) return st.error();
  auto g = store_.Groups().Find(id);
  if (!g) return MakeError("not_found", "no such session group");
  return *g;
}

namespace {

// Applies the present fields of `spec`; field names are stored in their canonical spelling.
void Apply(const SessionGroupSpec& spec, SessionGroup& g) {
  if (spec.name) g.name = Trim(*spec.name);
  if (spec.filter) g.filter = *spec.filter;
  if (spec.subgroup_by) {
    const FieldInfo* field = FindFilterField(*spec.subgroup_by);
    g.subgroup_by = field ? field->name : *spec.subgroup_by;
  }
  if (spec.session_type) g.session_type = AsciiLower(*spec.session_type);
  if (spec.position) g.position = *spec.position;
}

}  // namespace

Result<SessionGroup> SessionCatalog::CreateGroup(const SessionGroupSpec& spec, const Actor& actor,
                                                 FilterSyntaxError* filter_error) {
  if (auto st = authorizer_.Check(actor, Permission::kManageSessionGroups); !st) return st.error();
  if (!spec.name) return MakeError("validation", "a group needs a name");
  SessionGroup g;
  Apply(spec, g);
  if (auto st = CheckGroup(g, filter_error); !st) return st.error();
  if (store_.Groups().Count() >= kMaxGroups) return MakeError("conflict", "there are already 200 session groups");
  g.created_by = actor.name;
  g.created_at = g.updated_at = clock_.NowUnix();
  auto created = store_.Groups().Create(g);
  if (created) Audit("session_group.created", actor, std::to_string(created->id) + " \"" + created->name + "\"");
  return created;
}

Result<SessionGroup> SessionCatalog::UpdateGroup(int64_t id, const SessionGroupSpec& spec, const Actor& actor,
                                                 FilterSyntaxError* filter_error) {
  if (auto st = authorizer_.Check(actor, Permission::kManageSessionGroups); !st) return st.error();
  auto g = store_.Groups().Find(id);
  if (!g) return MakeError("not_found", "no such session group");
  Apply(spec, *g);
  if (auto st = CheckGroup(*g, filter_error); !st) return st.error();
  g->updated_at = clock_.NowUnix();
  if (auto st = store_.Groups().Update(*g); !st) return st.error();
  Audit("session_group.updated", actor, std::to_string(id) + " \"" + g->name + "\"");
  return *g;
}

Status SessionCatalog::DeleteGroup(int64_t id, const Actor& actor) {
  if (auto st = authorizer_.Check(actor, Permission::kManageSessionGroups); !st) return st;
  auto g = store_.Groups().Find(id);
  if (!g) return MakeError("not_found", "no such session group");
  // A role entry scoped to the group would lose its meaning (a Deny would stop denying).
  if (auto roles = store_.Roles().RolesUsingGroup(id); !roles.empty()) {
    return MakeError("conflict", "the session group is used by the role '" + roles.front() + "'");
  }
  if (auto st = store_.Groups().Delete(id); !st) return st;
  Audit("session_group.deleted", actor, std::to_string(id) + " \"" + g->name + "\"");
  return {};
}

}  // namespace tether::manager
