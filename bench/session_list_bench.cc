// Session list benchmark, in-process half (bench/session_list.sh runs it):
//   session_list_bench populate DB N   fills a fresh database with N sessions (one transaction)
//   session_list_bench measure DB      times each list scenario three ways and prints ms:
//     keyset  - what GET /api/v1/sessions does: SessionCatalog::ListSessions (filter compiled to
//               SQL with bound parameters, keyset paging over the (created_at, id) index);
//     offset  - the same SQL with LIMIT/OFFSET instead of a cursor (the usual shortcut);
//     naive   - the baseline: read every session, filter in memory with FilterMatches, sort,
//               skip to the page.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/crypto.h"
#include "server/manager/session_manager.h"
#include "server/store/session_filter_sql.h"
#include "server/store/sqlite_store.h"

namespace {

using namespace tether;
using namespace tether::manager;

constexpr int kPage = 50;

const char* kOs[] = {"Debian GNU/Linux 12", "Ubuntu 24.04 LTS", "Fedora 40", "Windows 11 Pro", "macOS 14", "Debian GNU/Linux 11"};

int Populate(const std::string& path, int n) {
  {
    auto store = store::SqliteStore::Open(path);  // creates the schema
    if (!store) return std::fprintf(stderr, "%s\n", store.error().message.c_str()), 1;
  }
  auto db = store::SqliteDb::Open(path);
  if (!db) return std::fprintf(stderr, "%s\n", db.error().message.c_str()), 1;
  auto lock = (*db)->Lock();
  store::Transaction tx(**db);
  const int64_t now = RealClock().NowUnix();
  std::srand(42);
  for (int i = 0; i < n; ++i) {
    const int r = std::rand();
    const char* type = i % 10 < 4 ? "support" : (i % 10 == 4 ? "meeting" : "access");
    const int64_t created = now - 365 * 86400 + static_cast<int64_t>(i) * (365 * 86400 / n);
    const bool ended = std::string(type) != "access" && r % 10 < 3;
    const bool online = !ended && r % 10 == 9;
    const int64_t seen = r % 7 == 0 ? 0 : now - (r % (90 * 86400));
    char code[16], machine[32], user[32], address[32];
    std::snprintf(code, sizeof code, "%06d", 100000 + i);
    std::snprintf(machine, sizeof machine, "ws-%05d", i);
    std::snprintf(user, sizeof user, "user%d", r % 500);
    std::snprintf(address, sizeof address, "10.%d.%d.%d", r % 4, (i / 250) % 250, i % 250);
    store::Statement st((*db)->Handle(),
        "INSERT INTO sessions (id, type, name, code, created_by, created_at, ended_at, company, site, "
        "department, tag, guest_machine, guest_os, guest_user, guest_address, agent_version, guest_online, "
        "last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
    st.Bind(1, "bench" + std::to_string(i)).Bind(2, std::string(type))
        .Bind(3, std::string(type) == "access" ? std::string(machine) : "Ticket " + std::to_string(40000 + i));
    if (std::string(type) == "support") st.Bind(4, std::string(code)); else st.BindNull(4);
    st.Bind(5, "tech" + std::to_string(i % 8)).Bind(6, created).Bind(7, ended ? created + 3600 : 0)
        .Bind(8, "Company " + std::to_string(1 + (i * 7) % 60)).Bind(9, "Site " + std::to_string(1 + i % 12))
        .Bind(10, i % 3 ? "IT" : "Sales").Bind(11, i % 11 == 0 ? "vip" : "").Bind(12, std::string(machine))
        .Bind(13, std::string(kOs[r % 6])).Bind(14, std::string(user)).Bind(15, std::string(address))
        .Bind(16, "0.1." + std::to_string(r % 5)).Bind(17, int64_t{online}).Bind(18, seen);
    st.Step();
    if (!st.Ok()) return std::fprintf(stderr, "insert: %s\n", st.ErrorMessage().c_str()), 1;
  }
  if (auto c = tx.Commit(); !c) return std::fprintf(stderr, "%s\n", c.error().message.c_str()), 1;
  (void)(*db)->Exec("ANALYZE");
  std::printf("populated %s with %d sessions\n", path.c_str(), n);
  return 0;
}

struct Scenario {
  const char* name;
  SessionListRequest request;
  std::string naive_filter;  // the same selection as filter text, for the baseline
  int page = 0;              // page number (0 = first)
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

std::vector<double> Time(int n, const std::function<size_t()>& f, size_t& rows) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    rows = f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return ms;
}

constexpr const char* kColumns =
    "id, type, name, COALESCE(code, ''), created_by, created_at, ended_at, company, site, department, "
    "tag, guest_machine, guest_os, guest_user, guest_address, agent_version, guest_online, last_seen";

// Every row of `st` as a Session (the columns of kColumns).
std::vector<Session> ReadSessions(store::Statement& st) {
  std::vector<Session> out;
  while (st.Step()) {
    Session s;
    s.id = st.Text(0);
    s.type = ParseSessionType(st.Text(1)).value_or(SessionType::kSupport);
    s.name = st.Text(2);
    s.code = st.Text(3);
    s.created_by = st.Text(4);
    s.created_at = st.Int(5);
    s.ended_at = st.Int(6);
    const char* keys[] = {"company", "site", "department", "tag"};
    for (int k = 0; k < 4; ++k) {
      if (std::string v = st.Text(7 + k); !v.empty()) s.properties[keys[k]] = v;
    }
    s.guest = {st.Text(11), st.Text(12), st.Text(13), st.Text(14), st.Text(15), st.Int(16) != 0, st.Int(17)};
    out.push_back(std::move(s));
  }
  return out;
}

// The baseline: every row read and turned into a Session, then filtered, sorted and sliced.
std::vector<Session> NaiveList(store::SqliteDb& db, const Filter& filter, const FilterContext& ctx, int page) {
  std::vector<Session> all;
  {
    auto lock = db.Lock();
    store::Statement st(db.Handle(), (std::string("SELECT ") + kColumns + " FROM sessions").c_str());
    all = ReadSessions(st);
  }
  std::vector<Session> hits;
  for (auto& s : all) {
    if (FilterMatches(filter, s, ctx)) hits.push_back(std::move(s));
  }
  std::sort(hits.begin(), hits.end(), [](const Session& a, const Session& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
  });
  const size_t from = std::min(hits.size(), static_cast<size_t>(page) * kPage);
  return std::vector<Session>(hits.begin() + static_cast<long>(from),
                              hits.begin() + static_cast<long>(std::min(hits.size(), from + kPage)));
}

// LIMIT/OFFSET over the same compiled WHERE clause, reading the same columns.
size_t OffsetList(store::SqliteDb& db, const Filter& filter, const FilterContext& ctx, int page) {
  store::SqlParams params;
  const std::string sql = std::string("SELECT ") + kColumns + " FROM sessions WHERE " +
                          store::CompileFilter(filter, ctx, params) +
                          " ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET " + std::to_string(page * kPage);
  auto lock = db.Lock();
  store::Statement st(db.Handle(), sql.c_str());
  params.BindTo(st);
  return ReadSessions(st).size();
}

int Measure(const std::string& path, int repeat) {
  auto store = store::SqliteStore::Open(path);
  auto raw = store::SqliteDb::Open(path);
  if (!store || !raw) return std::fprintf(stderr, "cannot open %s\n", path.c_str()), 1;
  RealClock clock;
  ManagerOptions opts;
  SessionManager manager(**store, clock, opts);
  const Actor actor{"tech1", "bench", kRoleAdministrator, 1};
  int64_t by_company = 0, offline = 0;
  auto groups = manager.Catalog().ListGroups(std::nullopt, actor);
  for (const auto& g : *groups) {
    if (g.name == "By company") by_company = g.id;
    if (g.name == "Offline for 30 days") offline = g.id;
  }
  const std::string offline_filter =
      "type = access AND NOT ended AND NOT online AND last_seen < 30d ago AND created_at < 30d ago";
  std::vector<Scenario> scenarios;
  auto add = [&](const char* name, SessionListRequest r, std::string naive, int page = 0) {
    r.limit = kPage;
    scenarios.push_back({name, std::move(r), std::move(naive), page});
  };
  SessionListRequest access;
  access.type = SessionType::kAccess;
  add("first page (access)", access, "type = access AND NOT ended");
  add("deep page (access, cursor): page", access, "type = access AND NOT ended", 80);
  SessionListRequest group = access;
  group.group_id = offline;
  add("group: Offline for 30 days", group, offline_filter);
  SessionListRequest sub = access;
  sub.group_id = by_company;
  sub.subgroup = "Company 7";
  add("sub-group: company = Company 7", sub, "type = access AND NOT ended AND company = 'Company 7'");
  SessionListRequest search = access;
  search.q = "ws-0123";
  add("search q=ws-0123", search,
      "type = access AND NOT ended AND (name ~ ws-0123 OR code ~ ws-0123 OR company ~ ws-0123 OR "
      "machine ~ ws-0123 OR user ~ ws-0123)");
  SessionListRequest custom;
  custom.filter = "os ~ debian AND tag = vip AND (site = 'Site 3' OR site = 'Site 4')";
  add("filter: os ~ debian AND tag = vip AND ...", custom,
      "NOT ended AND os ~ debian AND tag = vip AND (site = 'Site 3' OR site = 'Site 4')");

  std::printf("%-42s %8s %8s | %8s %8s | %8s %8s | %6s\n", "scenario (ms, in process)", "keyset50",
              "keyset95", "offset50", "offset95", "naive50", "naive95", "naive/keyset");
  for (auto& sc : scenarios) {
    // Walk to the page with cursors, as a client does (stopping at the last page).
    for (int p = 0; p < sc.page; ++p) {
      auto page = manager.Catalog().ListSessions(sc.request, actor);
      if (page->next_cursor.empty()) {
        sc.page = p;
        break;
      }
      sc.request.cursor = page->next_cursor;
    }
    std::string label = sc.name;
    if (sc.page > 0) label += " " + std::to_string(sc.page);
    const FilterContext ctx{clock.NowUnix(), actor.name};
    auto filter = ParseFilter(sc.naive_filter);
    if (!filter) return std::fprintf(stderr, "%s: %s\n", sc.name, filter.error().message.c_str()), 1;
    size_t rows_keyset = 0, rows_offset = 0, rows_naive = 0;
    auto keyset = Time(repeat, [&] { return manager.Catalog().ListSessions(sc.request, actor)->sessions.size(); }, rows_keyset);
    auto offset = Time(repeat, [&] { return OffsetList(**raw, *filter, ctx, sc.page); }, rows_offset);
    auto naive = Time(repeat, [&] { return NaiveList(**raw, *filter, ctx, sc.page).size(); }, rows_naive);
    if (rows_keyset != rows_naive || rows_offset != rows_naive) {
      std::fprintf(stderr, "%s: row counts differ (keyset %zu, offset %zu, naive %zu)\n", label.c_str(), rows_keyset,
                   rows_offset, rows_naive);
      return 1;
    }
    std::printf("%-42s %8.3f %8.3f | %8.3f %8.3f | %8.3f %8.3f | %6.1fx\n", label.c_str(), Percentile(keyset, 0.5),
                Percentile(keyset, 0.95), Percentile(offset, 0.5), Percentile(offset, 0.95), Percentile(naive, 0.5),
                Percentile(naive, 0.95), Percentile(naive, 0.5) / Percentile(keyset, 0.5));
  }
  size_t n = 0;
  auto counts = Time(repeat, [&] { return manager.Catalog().ListSubgroups(by_company, access, actor)->values.size(); }, n);
  std::printf("%-42s %8.3f %8.3f   (%zu companies)\n", "sub-group counts: By company (access)",
              Percentile(counts, 0.5), Percentile(counts, 0.95), n);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  InitCrypto();
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "populate" && argc == 4) return Populate(argv[2], std::atoi(argv[3]));
  if (cmd == "measure" && argc >= 3) return Measure(argv[2], argc > 3 ? std::atoi(argv[3]) : 200);
  std::fprintf(stderr, "usage: session_list_bench populate DB N | measure DB [REPEAT]\n");
  return 2;
}
