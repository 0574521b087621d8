#pragma once
// Compiles a session filter (server/manager/session_filter.h) to a SQL boolean expression over
// the `sessions` table. The SQL text is assembled only from fixed fragments: field names map
// through a fixed table to column expressions, operators through a fixed table, and every
// literal becomes a numbered placeholder whose value is bound later. No text from the filter
// ever becomes SQL. Pure; used by the SQLite repository under its lock.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "server/manager/session_filter.h"
#include "server/store/sqlite_db.h"

namespace tether::store {

// Values for the placeholders ?1, ?2, ... of one statement, in order.
class SqlParams {
 public:
  // Adds a value and returns its placeholder, e.g. "?3".
  std::string Add(int64_t v);
  std::string Add(std::string v);
  void BindTo(Statement& st) const;
  size_t size() const { return values_.size(); }

 private:
  std::vector<std::variant<int64_t, std::string>> values_;
};

// The column expression of a field (fixed table).
const char* ColumnOf(manager::FilterField field);

// A parenthesised SQL boolean expression for `filter`; "1" for the empty filter.
std::string CompileFilter(const manager::Filter& filter, const manager::FilterContext& context,
                          SqlParams& params);

}  // namespace tether::store
