// Fuzzes the Session Manager's local API with arbitrary request lines against a real SQLite
// store in a temporary directory.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/crypto.h"
#include "server/manager/local_api.h"
#include "server/store/sqlite_store.h"

namespace {

struct World {
  World() {
    tether::InitCrypto();
    char templ[] = "/tmp/tether-fuzz-XXXXXX";
    dir = ::mkdtemp(templ);
    store = std::move(*tether::store::SqliteStore::Open(dir / "f.db"));
    tether::manager::ManagerOptions opts;
    opts.hash = {1, 8 * 1024};  // the fuzzer explores logic, not Argon2
    manager = std::make_unique<tether::manager::SessionManager>(*store, clock, opts);
    api = std::make_unique<tether::manager::LocalApi>(*manager);
  }
  ~World() {
    api.reset();
    manager.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::path dir;
  tether::FakeClock clock;
  std::unique_ptr<tether::store::SqliteStore> store;
  std::unique_ptr<tether::manager::SessionManager> manager;
  std::unique_ptr<tether::manager::LocalApi> api;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  std::string line(reinterpret_cast<const char*>(data), size);
  std::string out = world.api->Handle(line, {0, 1});
  if (out.empty() || out.front() != '{') __builtin_trap();
  return 0;
}
