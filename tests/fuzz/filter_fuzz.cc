// Fuzzes the session filter language (server/manager/session_filter.h). Every input must either
// fail with a position inside the input, or parse into a filter whose compiled SQL runs without
// error against a real SQLite database and selects exactly the sessions the in-memory
// evaluation selects.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "server/manager/session_filter.h"
#include "server/store/session_filter_sql.h"
#include "server/store/sqlite_store.h"

namespace {

using namespace tether;
using namespace tether::manager;

struct World {
  World() {
    char templ[] = "/tmp/tether-filter-fuzz-XXXXXX";
    dir = ::mkdtemp(templ);
    store = std::move(*store::SqliteStore::Open(dir / "f.db"));
    const char* companies[] = {"Acme", "acme corp", "", "M\xc3\xbcller", "O'Brien", "100%_x"};
    for (int i = 0; i < 12; ++i) {
      Session s;
      s.id = "s" + std::to_string(i);
      s.type = static_cast<SessionType>(i % 3);
      s.name = i % 2 ? "Printer " + std::to_string(i) : "PC-" + std::to_string(i);
      s.code = s.type == SessionType::kSupport ? std::to_string(100000 + i) : "";
      s.created_by = i % 4 ? "alice" : "bob";
      s.created_at = 1000 + 100 * i;
      if (*companies[i % 6]) s.properties["company"] = companies[i % 6];
      if (i % 5 == 0) s.properties["tag"] = "vip";
      (void)store->Sessions().Create(s, {0, s.id, "created", s.created_by, "", s.created_at});
      GuestInfo g{i % 3 ? "ws-" + std::to_string(i) : "", i % 2 ? "Debian 12" : "Ubuntu", "jo",
                  "10.0.0." + std::to_string(i), "0.1." + std::to_string(i % 4), i % 4 == 1, 500 * i};
      (void)store->Sessions().UpdateGuest(s.id, g);
      if (i % 7 == 3) (void)store->Sessions().End(s.id, {0, s.id, "ended", "bob", "", 2000 + i});
      sessions.push_back(*store->Sessions().Find(s.id));
    }
    db = std::move(*store::SqliteDb::Open(dir / "f.db"));
  }
  ~World() {
    db.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::path dir;
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<store::SqliteDb> db;
  std::vector<Session> sessions;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  const std::string text(reinterpret_cast<const char*>(data), size);
  FilterSyntaxError error;
  auto filter = ParseFilter(text, &error);
  if (!filter.ok()) {
    size_t chars = 0;
    for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
    if (error.position < 1 || (size <= Filter::kMaxBytes && error.position > chars + 1) ||
        error.message.empty() || filter.error().code != "validation") {
      __builtin_trap();
    }
    return 0;
  }
  const FilterContext ctx{3000, "alice"};
  store::SqlParams params;
  const std::string sql = "SELECT id FROM sessions WHERE " + store::CompileFilter(*filter, ctx, params);
  std::set<std::string> by_sql, in_memory;
  {
    auto lock = world.db->Lock();
    store::Statement st(world.db->Handle(), sql.c_str());
    params.BindTo(st);
    while (st.Step()) by_sql.insert(st.Text(0));
    if (!st.Ok()) __builtin_trap();  // the compiler produced SQL that SQLite refuses
  }
  for (const auto& s : world.sessions) {
    if (FilterMatches(*filter, s, ctx)) in_memory.insert(s.id);
  }
  if (by_sql != in_memory) __builtin_trap();
  return 0;
}
