#include "server/manager/password.h"

#include <gtest/gtest.h>

#include "base/crypto.h"

namespace tether::manager {
namespace {

class PasswordTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitCrypto(); }
};

TEST_F(PasswordTest, PolicyNamesEveryMissingRule) {
  PasswordPolicy p;
  auto st = p.Check("short");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("12 characters"), std::string::npos);
  EXPECT_NE(st.error().message.find("upper-case"), std::string::npos);
  EXPECT_NE(st.error().message.find("digit"), std::string::npos);
  EXPECT_NE(st.error().message.find("symbol"), std::string::npos);
  EXPECT_FALSE(p.Check("alllowercaseletters1!").ok());
  EXPECT_FALSE(p.Check("NoDigitsHere!!").ok());
  EXPECT_FALSE(p.Check("NoSymbols12345").ok());
  EXPECT_FALSE(p.Check("Sh0rt!Pass").ok());
  EXPECT_TRUE(p.Check("Correct-Horse-9-Battery").ok());
  EXPECT_FALSE(p.Check(std::string(2000, 'a') + "A1!").ok());
}

TEST_F(PasswordTest, CommonPasswordsAreRefusedEvenWhenDecorated) {
  PasswordPolicy p;
  EXPECT_TRUE(IsCommonPassword("password"));
  EXPECT_TRUE(IsCommonPassword("PassWord"));
  EXPECT_TRUE(IsCommonPassword("Password123!"));
  EXPECT_TRUE(IsCommonPassword("2024!Dragon!!"));
  EXPECT_TRUE(IsCommonPassword("Qwerty123456!"));
  EXPECT_FALSE(IsCommonPassword("Correct-Horse-9-Battery"));
  EXPECT_FALSE(IsCommonPassword("12345!!"));  // nothing left after stripping
  auto st = p.Check("Password1234!");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("common"), std::string::npos);
  EXPECT_FALSE(p.Check("Iloveyou2024#").ok());
}

TEST_F(PasswordTest, CalibrationStaysInsideItsBounds) {
  // A target no hash can meet: the memory is halved to its floor and the passes stay at 2.
  HashParams fast = CalibrateHashParams(1);
  EXPECT_EQ(fast.ops, 2u);
  EXPECT_EQ(fast.mem_bytes, 16u * 1024 * 1024);
  PasswordHasher h(fast);
  auto hash = h.Hash("Correct-Horse-9-Battery");
  ASSERT_TRUE(hash.ok());
  EXPECT_NE(hash->find("m=16384,t=2"), std::string::npos) << *hash;
}

TEST_F(PasswordTest, Argon2idHashVerifiesOnlyTheRightPassword) {
  PasswordHasher h({1, 8 * 1024 * 1024});
  auto hash = h.Hash("Correct-Horse-9-Battery");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(h.Verify(*hash, "Correct-Horse-9-Battery"));
  EXPECT_FALSE(h.Verify(*hash, "Correct-Horse-9-Batterz"));
  EXPECT_FALSE(h.Verify("", "x"));
  EXPECT_FALSE(h.NeedsRehash(*hash));
  PasswordHasher stronger({2, 8 * 1024 * 1024});
  EXPECT_TRUE(stronger.NeedsRehash(*hash));
}

TEST_F(PasswordTest, Usernames) {
  EXPECT_TRUE(IsValidUsername("alice.smith@example"));
  EXPECT_FALSE(IsValidUsername(""));
  EXPECT_FALSE(IsValidUsername("a b"));
  EXPECT_FALSE(IsValidUsername("a'; DROP TABLE users;--"));
  EXPECT_FALSE(IsValidUsername(std::string(65, 'a')));
}

}  // namespace
}  // namespace tether::manager
