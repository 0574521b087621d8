#pragma once
// SessionCatalog: how hosts find sessions — the paged, filtered and searched session list, and
// the session groups (saved filters, with optional sub-groups) that organise it. Owned by the
// SessionManager (SessionManager::Catalog()); every call is authorised by its Authorizer.
// Pure domain logic over the Store; thread-safe. The Store, Clock and Authorizer must outlive it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "server/manager/authorizer.h"
#include "server/manager/repositories.h"
#include "server/manager/session_filter.h"

namespace tether::manager {

struct Actor;

// One page of the session list (GET /api/v1/sessions).
struct SessionListRequest {
  std::optional<SessionType> type;
  bool include_ended = false;
  int limit = 100;                      // clamped to 1-1000
  std::optional<int64_t> group_id;      // a session group whose filter applies
  std::optional<std::string> subgroup;  // a value of that group's sub-group field ("" = none)
  std::string filter;                   // filter language text
  std::string q;                        // search: name, code, company, machine or user contains it
  std::string cursor;                   // next_cursor of the previous page; "" for the first
};

struct SessionPage {
  std::vector<Session> sessions;
  std::string next_cursor;  // "" on the last page
};

struct SubgroupList {
  std::string field;
  std::vector<SubgroupCount> values;
  bool truncated = false;  // more distinct values than kMaxSubgroups
};

// A new group (name and filter required) or a change to one (absent fields stay).
struct SessionGroupSpec {
  std::optional<std::string> name;
  std::optional<std::string> filter;
  std::optional<std::string> subgroup_by;
  std::optional<std::string> session_type;
  std::optional<int64_t> position;
};

class SessionCatalog {
 public:
  static constexpr size_t kMaxSearchBytes = 128;
  static constexpr int kMaxSubgroups = 500;
  static constexpr int64_t kMaxGroups = 200;

  SessionCatalog(Store& store, const Clock& clock, const Authorizer& authorizer)
      : store_(store), clock_(clock), authorizer_(authorizer) {}

  // A bad filter fills `filter_error` (when given) and answers "validation"; an unknown group
  // is "not_found"; a bad cursor, search or sub-group is "validation".
  Result<SessionPage> ListSessions(const SessionListRequest& request, const Actor& actor,
                                   FilterSyntaxError* filter_error = nullptr);
  // The distinct values of the group's sub-group field with their counts, among the sessions
  // the request selects (its cursor and limit are ignored).
  Result<SubgroupList> ListSubgroups(int64_t group_id, const SessionListRequest& request,
                                     const Actor& actor, FilterSyntaxError* filter_error = nullptr);

  // Groups shown on the tab of `type` (those for every tab and those for that type), in order.
  Result<std::vector<SessionGroup>> ListGroups(std::optional<SessionType> type, const Actor& actor);
  Result<SessionGroup> GetGroup(int64_t id, const Actor& actor);
  Result<SessionGroup> CreateGroup(const SessionGroupSpec& spec, const Actor& actor,
                                   FilterSyntaxError* filter_error = nullptr);
  Result<SessionGroup> UpdateGroup(int64_t id, const SessionGroupSpec& spec, const Actor& actor,
                                   FilterSyntaxError* filter_error = nullptr);
  Status DeleteGroup(int64_t id, const Actor& actor);

 private:
  // Builds the store query shared by ListSessions and ListSubgroups. `owned` keeps the parsed
  // filters alive while the query borrows them.
  Status BuildQuery(const SessionListRequest& request, const Actor& actor,
                    std::optional<SessionGroup>& group, std::vector<Filter>& owned,
                    SessionQuery& query, FilterSyntaxError* filter_error);
  Status CheckGroup(const SessionGroup& group, FilterSyntaxError* filter_error) const;
  void Audit(const std::string& kind, const Actor& actor, const std::string& detail);

  Store& store_;
  const Clock& clock_;
  const Authorizer& authorizer_;
};

}  // namespace tether::manager
