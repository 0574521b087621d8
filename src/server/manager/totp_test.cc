#include "server/manager/totp.h"

#include <gtest/gtest.h>

#include "base/crypto.h"

namespace tether::manager {
namespace {

class TotpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitCrypto(); }
};

// RFC 6238 appendix B: 8-digit codes; the seed is the ASCII digits repeated to the hash's size.
TEST_F(TotpTest, Rfc6238TestVectors) {
  const std::string sha1 = "12345678901234567890";
  const std::string sha256 = "12345678901234567890123456789012";
  const std::string sha512 = "1234567890123456789012345678901234567890123456789012345678901234";
  struct Row { int64_t time; const char* c1; const char* c256; const char* c512; };
  const Row rows[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const auto& r : rows) {
    const int64_t step = TotpStep(r.time);
    EXPECT_EQ(TotpCode(sha1, step, 8, TotpHash::kSha1), r.c1) << r.time;
    EXPECT_EQ(TotpCode(sha256, step, 8, TotpHash::kSha256), r.c256) << r.time;
    EXPECT_EQ(TotpCode(sha512, step, 8, TotpHash::kSha512), r.c512) << r.time;
  }
  // Six digits are the last six of the eight.
  EXPECT_EQ(TotpCode(sha1, TotpStep(59)), "287082");
}

TEST_F(TotpTest, AcceptsOneStepEitherSideAndNeverTheSameStepTwice) {
  const std::string secret = "12345678901234567890";
  const int64_t now = 1111111111;
  const int64_t step = TotpStep(now);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step), now, 0), step);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step - 1), now, 0), step - 1);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step + 1), now, 0), step + 1);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step + 2), now, 0), std::nullopt);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step - 2), now, 0), std::nullopt);
  // Replay: a step at or before the last one used is refused, even inside the window.
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step), now, step), std::nullopt);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step - 1), now, step), std::nullopt);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step + 1), now, step), step + 1);
  EXPECT_EQ(MatchTotp(secret, "12345", now, 0), std::nullopt);
  EXPECT_EQ(MatchTotp(secret, "", now, 0), std::nullopt);
}

TEST_F(TotpTest, Base32RoundTripsAndRejectsForeignCharacters) {
  EXPECT_EQ(Base32Encode("12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(*Base32Decode("mzxw6ytboi======"), "foobar");
  EXPECT_EQ(*Base32Decode("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"), "12345678901234567890");
  EXPECT_EQ(Base32Decode("MZXW1"), std::nullopt);
  EXPECT_EQ(Base32Decode("MZ!W"), std::nullopt);
}

TEST_F(TotpTest, UriNamesIssuerAccountAndSecret) {
  EXPECT_EQ(TotpUri("Tether", "alice smith", "12345678901234567890"),
            "otpauth://totp/Tether:alice%20smith?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Tether&algorithm=SHA1&digits=6&period=30");
}

TEST_F(TotpTest, SealedSecretsOpenOnlyWithTheirKeyAndUnaltered) {
  SealKey key{}, other{};
  key[0] = 1;
  other[0] = 2;
  const std::string sealed = Seal(key, "secret bytes");
  EXPECT_EQ(sealed.find("secret"), std::string::npos);
  EXPECT_EQ(Unseal(key, sealed), "secret bytes");
  EXPECT_EQ(Unseal(other, sealed), std::nullopt);
  std::string altered = sealed;
  altered[30] = altered[30] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Unseal(key, altered), std::nullopt);
  EXPECT_EQ(Unseal(key, "not base64"), std::nullopt);
  EXPECT_NE(Seal(key, "same"), Seal(key, "same"));  // a fresh nonce each time
}

}  // namespace
}  // namespace tether::manager
