#include "server/app/signing_key.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/crypto.h"
#include "testing/temp_dir.h"

namespace tether::app {
namespace {

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  ::lstat(p.c_str(), &st);
  return st.st_mode & 07777;
}

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SigningKeyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitCrypto(); }
  tether::testing::TempDir tmp_;
  std::filesystem::path dir_ = tmp_.path() / "signing";
  std::filesystem::path file_ = dir_ / "ed25519.key";
};

TEST_F(SigningKeyTest, CreatedOnceWithPrivateModesAndReloaded) {
  auto first = LoadOrCreateSigningKey(dir_);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->generated);
  EXPECT_EQ(first->key_file, file_);
  EXPECT_EQ(ModeOf(dir_), 0700u);
  EXPECT_EQ(ModeOf(file_), 0600u);
  auto again = LoadOrCreateSigningKey(dir_);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->generated);
  EXPECT_EQ(again->key.PublicKey(), first->key.PublicKey());
  // The public half, in the agents' trust-file format, beside it.
  std::string pub = Read(dir_ / "ed25519.pub");
  EXPECT_NE(pub.find(Ed25519PublicKeyBase64(first->key.PublicKey())), std::string::npos);
  EXPECT_EQ(ModeOf(dir_ / "ed25519.pub"), 0644u);
  // The secret seed is not in the public file.
  EXPECT_EQ(pub.find(Base64(first->key.Seed())), std::string::npos);
  // A loosened directory is tightened again.
  ::chmod(dir_.c_str(), 0755);
  ASSERT_TRUE(LoadOrCreateSigningKey(dir_).ok());
  EXPECT_EQ(ModeOf(dir_), 0700u);
}

TEST_F(SigningKeyTest, ReadableByOthersIsRefusedNamingTheFile) {
  ASSERT_TRUE(LoadOrCreateSigningKey(dir_).ok());
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
    ::chmod(file_.c_str(), mode);
    auto r = LoadOrCreateSigningKey(dir_);
    ASSERT_FALSE(r.ok()) << std::oct << mode;
    EXPECT_EQ(r.error().code, "signing_key");
    EXPECT_NE(r.error().message.find(file_.string()), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("chmod 600"), std::string::npos) << r.error().message;
  }
  ::chmod(file_.c_str(), 0400);
  EXPECT_TRUE(LoadOrCreateSigningKey(dir_).ok());
}

TEST_F(SigningKeyTest, MalformedKeyIsRefusedAndNotReplaced) {
  ASSERT_TRUE(LoadOrCreateSigningKey(dir_).ok());
  const std::string original = Read(file_);
  for (const std::string& text : {std::string(""), std::string("garbage\n"),
                                  std::string("tether-ed25519-signing-key/1\n"),
                                  std::string("tether-ed25519-signing-key/1\nAAAA\n"),
                                  std::string("tether-ed25519-signing-key/2\n") + original.substr(original.find('\n') + 1)}) {
    {
      std::ofstream out(file_, std::ios::trunc);
      out << text;
    }
    ::chmod(file_.c_str(), 0600);
    auto r = LoadOrCreateSigningKey(dir_);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().message.find("malformed"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(file_.string()), std::string::npos);
    EXPECT_EQ(Read(file_), text);  // never overwritten
  }
}

TEST_F(SigningKeyTest, SymbolicLinkIsRefused) {
  ASSERT_TRUE(LoadOrCreateSigningKey(tmp_.path() / "elsewhere").ok());
  std::filesystem::create_directories(dir_);
  std::filesystem::create_symlink(tmp_.path() / "elsewhere" / "ed25519.key", file_);
  auto r = LoadOrCreateSigningKey(dir_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("symbolic link"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace tether::app
