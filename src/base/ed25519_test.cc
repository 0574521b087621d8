#include "base/ed25519.h"

#include <gtest/gtest.h>

#include "base/crypto.h"

namespace tether {
namespace {

class Ed25519Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitCrypto(); }
};

TEST_F(Ed25519Test, RfcTestVectorOne) {
  // RFC 8032 section 7.1, TEST 1 (empty message).
  auto seed = *Base64Decode("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=");
  auto kp = Ed25519KeyPair::FromSeed(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(seed.data()), 32));
  ASSERT_TRUE(kp.ok());
  EXPECT_EQ(Ed25519PublicKeyBase64(kp->PublicKey()), "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  auto sig = kp->Sign("");
  EXPECT_EQ(ToHex(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(Ed25519Verify(kp->PublicKey(), "", sig));
  EXPECT_FALSE(Ed25519Verify(kp->PublicKey(), "x", sig));
}

TEST_F(Ed25519Test, SeedRoundTripsAndWrongLengthsAreRefused) {
  auto kp = Ed25519KeyPair::Generate();
  auto again = Ed25519KeyPair::FromSeed(kp.Seed());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->PublicKey(), kp.PublicKey());
  std::array<uint8_t, 31> short_seed{};
  EXPECT_EQ(Ed25519KeyPair::FromSeed(short_seed).error().code, "malformed");
  auto sig = kp.Sign("message");
  EXPECT_FALSE(Ed25519Verify(kp.PublicKey(), "message", std::span<const uint8_t>(sig.data(), 63)));
  // Derived keys depend on the context and differ from the seed.
  EXPECT_NE(kp.DeriveKey("a"), kp.DeriveKey("b"));
  EXPECT_EQ(kp.DeriveKey("a"), again->DeriveKey("a"));
}

TEST_F(Ed25519Test, Base64DecodingIsStrict) {
  EXPECT_EQ(*Base64Decode("aGk="), "hi");
  EXPECT_EQ(*Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("aGk"));     // no padding
  EXPECT_FALSE(Base64Decode("aGl="));    // stray low bits: a second spelling of "hi"
  EXPECT_FALSE(Base64Decode("aG k="));   // whitespace
  EXPECT_FALSE(Base64Decode("aGk_"));    // URL-safe alphabet
  EXPECT_FALSE(Base64Decode("aGk=aGk="));
  EXPECT_FALSE(ParseEd25519PublicKey("aGk="));
}

}  // namespace
}  // namespace tether
