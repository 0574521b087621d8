#include "server/manager/local_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "server/store/sqlite_store.h"
#include "server/manager/manager_test_fixture.h"

namespace tether::manager {
namespace {

using nlohmann::json;

class LocalApiTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    api_ = std::make_unique<LocalApi>(*manager_);
  }
  json Call(const std::string& line) { return json::parse(api_->Handle(line, {0, 1})); }

  std::unique_ptr<LocalApi> api_;
};

TEST_F(LocalApiTest, MalformedRequestsGetClearErrors) {
  for (const char* bad : {"", "{", "[]", "{\"op\":1}", "{\"op\":\"status\",\"args\":[]}", "\xff\xfe"}) {
    auto r = Call(bad);
    EXPECT_FALSE(r["ok"].get<bool>()) << bad;
    EXPECT_EQ(r["error"], "validation") << bad;
  }
  EXPECT_EQ(Call(R"({"op":"nope"})")["error"], "validation");
  EXPECT_EQ(Call(std::string(LocalApi::kMaxRequestBytes + 1, ' '))["error"], "too_large");
  EXPECT_EQ(Call(std::string(LocalApi::kMaxRequestBytes, ' '))["error"], "validation");  // read, then refused as not JSON
  EXPECT_EQ(Call(R"({"op":"user.add","args":{"username":"x"}})")["message"],
            "missing string argument 'role'");
}

TEST_F(LocalApiTest, SetupUsersAndSessions) {
  EXPECT_TRUE(Call(R"({"op":"status"})")["result"]["setup_required"].get<bool>());
  auto setup = Call(R"({"op":"setup","args":{"username":"root","password":"Correct-Horse-9-Battery"}})");
  ASSERT_TRUE(setup["ok"].get<bool>()) << setup.dump();
  EXPECT_FALSE(Call(R"({"op":"setup","args":{"username":"again","password":"Correct-Horse-9-Battery"}})")["ok"].get<bool>());
  ASSERT_TRUE(Call(R"({"op":"user.add","args":{"username":"bob","role":"Host","password":"Correct-Horse-9-Battery"}})")["ok"].get<bool>());
  auto list = Call(R"({"op":"user.list"})");
  ASSERT_EQ(list["result"]["users"].size(), 2u);
  EXPECT_FALSE(list.dump().find("argon2") != std::string::npos) << "hashes must not leave the server";
  auto created = Call(R"({"op":"session.create","args":{"type":"support","name":"Help"}})");
  ASSERT_TRUE(created["ok"].get<bool>());
  std::string id = created["result"]["session"]["id"];
  EXPECT_EQ(Call(R"({"op":"session.list"})")["result"]["sessions"].size(), 1u);
  EXPECT_TRUE(Call(R"({"op":"session.end","args":{"id":")" + id + R"("}})")["ok"].get<bool>());
  EXPECT_EQ(Call(R"({"op":"session.list"})")["result"]["sessions"].size(), 0u);
}

}  // namespace
}  // namespace tether::manager
