#include "agent/app/access_state.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "base/crypto.h"
#include "testing/temp_dir.h"

namespace tether::agent {
namespace {

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  ::lstat(p.c_str(), &st);
  return st.st_mode & 0777;
}

TEST(AccessStateTest, KeyIsMadeOncePrivateAndReadBack) {
  InitCrypto();
  tether::testing::TempDir tmp;
  const auto dir = tmp.path() / "var/lib/tether-agent";
  ASSERT_TRUE(PrepareStateDir(dir).ok());
  EXPECT_EQ(ModeOf(dir), 0700u);
  auto key = CreateIdentityKey(dir);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(ModeOf(dir / "agent.key"), 0600u);
  auto again = LoadIdentityKey(dir);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->PublicKey(), key->PublicKey());
  // A second install into the same directory is refused; the key stays.
  EXPECT_EQ(CreateIdentityKey(dir).error().code, "exists");
  // A key others can read is refused.
  ::chmod((dir / "agent.key").c_str(), 0644);
  EXPECT_FALSE(LoadIdentityKey(dir).ok());
}

TEST(AccessStateTest, StateDirMustNotBeASymlink) {
  tether::testing::TempDir tmp;
  std::filesystem::create_directories(tmp.path() / "real");
  std::filesystem::create_directory_symlink(tmp.path() / "real", tmp.path() / "link");
  EXPECT_FALSE(PrepareStateDir(tmp.path() / "link").ok());
}

TEST(AccessStateTest, EnrolmentRoundTripsAndIsParsedStrictly) {
  tether::testing::TempDir tmp;
  Enrolment e{"support.example.com:8041", "sha256/" + std::string(43, 'A') + "=", "sess1", "Reception", ":0"};
  ASSERT_TRUE(SaveEnrolment(tmp.path(), e).ok());
  EXPECT_EQ(ModeOf(tmp.path() / "enrolment.json"), 0600u);
  auto back = LoadEnrolment(tmp.path());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, e);
  EXPECT_FALSE(ParseEnrolment("[]").ok());
  EXPECT_FALSE(ParseEnrolment(R"({"relay":"h:1"})").ok());
  EXPECT_FALSE(ParseEnrolment(std::string(17 * 1024, ' ')).ok());
  EXPECT_EQ(LoadEnrolment(tmp.path() / "missing").error().code, "not_installed");
}

TEST(AccessStateTest, UnitRunsTheServiceAndKeepsTheXSocketReachable) {
  std::string unit = UnitText("/usr/bin/tether-agent", "/var/lib/tether-agent", ":0");
  EXPECT_NE(unit.find("ExecStart=\"/usr/bin/tether-agent\" service --state-dir \"/var/lib/tether-agent\" --display \":0\"\n"),
            std::string::npos)
      << unit;
  EXPECT_NE(unit.find("Restart=always\n"), std::string::npos);
  EXPECT_NE(unit.find("ReadWritePaths=\"/var/lib/tether-agent\"\n"), std::string::npos);
  EXPECT_EQ(unit.find("PrivateTmp=yes"), std::string::npos);
  EXPECT_NE(unit.find("WantedBy=multi-user.target"), std::string::npos);
}

}  // namespace
}  // namespace tether::agent
