// SQLite implementation of SettingsRepository: one key/value table.
#include "server/store/sqlite_store.h"

namespace tether::store {
namespace {

class SqliteSettings final : public manager::SettingsRepository {
 public:
  explicit SqliteSettings(SqliteDb& db) : db_(db) {}

  std::optional<std::string> Get(const std::string& key) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "SELECT value FROM settings WHERE key = ?1");
    st.Bind(1, key);
    if (!st.Step()) return std::nullopt;
    return st.Text(0);
  }

  Status Put(const std::string& key, const std::string& value) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)");
    st.Bind(1, key).Bind(2, value);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    return {};
  }

 private:
  SqliteDb& db_;
};

}  // namespace

std::unique_ptr<manager::SettingsRepository> MakeSqliteSettings(SqliteDb& db) {
  return std::make_unique<SqliteSettings>(db);
}

}  // namespace tether::store
