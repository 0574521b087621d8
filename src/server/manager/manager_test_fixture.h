#pragma once
// The base of the Session Manager's unit tests: a real SQLite store in a temporary directory, a
// fake clock, and a SessionManager over them with fast password hashing. Tests that need more
// (an AccessAgents, a LocalApi, a first session) override SetUp and call this one first.
#include <gtest/gtest.h>

#include <memory>

#include "base/clock.h"
#include "base/crypto.h"
#include "server/manager/session_manager.h"
#include "server/store/sqlite_store.h"
#include "testing/temp_dir.h"

namespace tether::manager {

class ManagerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitCrypto(); }
  void SetUp() override {
    store_ = std::move(*store::SqliteStore::Open(dir_.path() / "t.db"));
    ManagerOptions opts;
    opts.hash = {1, 8 * 1024 * 1024};  // fast for tests
    manager_ = std::make_unique<SessionManager>(*store_, clock_, opts);
  }

  tether::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<SessionManager> manager_;
};

}  // namespace tether::manager
