#include "base/agent_config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <sodium.h>

#include "base/crypto.h"

namespace tether {
namespace {

using nlohmann::json;
constexpr int64_t kNow = 1'700'000'000;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Ed25519KeyPair KeyFromByte(uint8_t b) {
  std::array<uint8_t, 32> seed{};
  seed.fill(b);
  return std::move(*Ed25519KeyPair::FromSeed(seed));
}

AgentConfig Sample() {
  AgentConfig c;
  c.relay = "support.example.com:8041";
  std::array<uint8_t, 32> pin{};
  pin.fill(1);
  c.pin = "sha256/" + Base64(pin);
  c.session_id = "AbCdEfGhIjKlMnOpQrStUv";
  c.session_name = "Printer at reception";
  c.join_token = "tok_0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
  c.issued_at = kNow;
  c.expires_at = kNow + 600;
  return c;
}

// An envelope made with libsodium directly, field by field, not through SignAgentConfig: the
// format is what the docs say, not whatever the signer happens to do.
std::string HandMadeEnvelope(const std::string& payload, const std::array<uint8_t, 32>& seed,
                             const std::string& format = "tether-agent-config/1") {
  uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, seed.data());
  const std::string message = "tether-agent-config/1\n" + payload;
  uint8_t sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const uint8_t*>(message.data()), message.size(), sk);
  return json{{"format", format},
              {"payload", Base64(Bytes(payload))},
              {"signature", Base64(std::span<const uint8_t>(sig, sizeof sig))},
              {"key", Base64(std::span<const uint8_t>(pk, sizeof pk))}}
      .dump();
}

class AgentConfigTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitCrypto(); }
  Ed25519KeyPair server_ = KeyFromByte(7);
  Ed25519KeyPair other_ = KeyFromByte(9);
  std::vector<Ed25519PublicKey> trusted_ = {server_.PublicKey()};

  Result<AgentConfig> Verify(const std::string& file, int64_t now = kNow) {
    return VerifyAgentConfig(file, trusted_, now);
  }
  static std::string Code(const Result<AgentConfig>& r) { return r.ok() ? "ok" : r.error().code; }
};

TEST_F(AgentConfigTest, SignedFileVerifiesAndRoundTrips) {
  std::string file = SignAgentConfig(Sample(), server_);
  auto r = Verify(file);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Sample());
  EXPECT_LT(file.size(), 1024u);
  // The envelope names the format and the signing key.
  json env = json::parse(file);
  EXPECT_EQ(env["format"], "tether-agent-config/1");
  EXPECT_EQ(env["key"], Ed25519PublicKeyBase64(server_.PublicKey()));
}

TEST_F(AgentConfigTest, HandMadeEnvelopeFromTheDocumentedFormatVerifies) {
  std::array<uint8_t, 32> seed{};
  seed.fill(7);
  auto r = Verify(HandMadeEnvelope(EncodeAgentConfigPayload(Sample()), seed));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->session_name, "Printer at reception");
}

TEST_F(AgentConfigTest, FileSignedByAnotherImplementationVerifies) {
  // tests/fuzz/corpus/agent_config/signed was made with Node's crypto (OpenSSL's Ed25519), key
  // seed 32 x 0x2a: both implementations agree on the signed message.
  std::ifstream in(std::string(TETHER_SOURCE_DIR) + "/tests/fuzz/corpus/agent_config/signed");
  std::stringstream ss;
  ss << in.rdbuf();
  trusted_ = {KeyFromByte(0x2a).PublicKey()};
  auto r = Verify(ss.str(), kNow + 100);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, Sample());
}

TEST_F(AgentConfigTest, SignatureCoversTheDomainSeparatedMessage) {
  // A signature over the bare payload (no "tether-agent-config/1\n" prefix) is not accepted.
  std::string payload = EncodeAgentConfigPayload(Sample());
  Ed25519Signature bare = server_.Sign(payload);
  json env = json::parse(SignAgentConfig(Sample(), server_));
  env["signature"] = Base64(bare);
  EXPECT_EQ(Code(Verify(env.dump())), "bad_signature");
}

TEST_F(AgentConfigTest, UnsignedIsRefused) {
  json env = json::parse(SignAgentConfig(Sample(), server_));
  env.erase("signature");
  auto r = Verify(env.dump());
  EXPECT_EQ(Code(r), "unsigned");
  EXPECT_NE(r.error().message.find("not signed"), std::string::npos);
  env["signature"] = "";
  EXPECT_EQ(Code(Verify(env.dump())), "unsigned");
  // A bare payload, not even an envelope.
  EXPECT_EQ(Code(Verify(EncodeAgentConfigPayload(Sample()))), "malformed");
}

TEST_F(AgentConfigTest, AlteredPayloadIsRefused) {
  json env = json::parse(SignAgentConfig(Sample(), server_));
  AgentConfig evil = Sample();
  evil.relay = "attacker.example:8041";
  env["payload"] = Base64(Bytes(EncodeAgentConfigPayload(evil)));
  auto r = Verify(env.dump());
  EXPECT_EQ(Code(r), "bad_signature");
  EXPECT_NE(r.error().message.find("altered"), std::string::npos);
  // One flipped bit anywhere in the payload bytes.
  std::string payload = EncodeAgentConfigPayload(Sample());
  for (size_t i = 0; i < payload.size(); i += 7) {
    std::string flipped = payload;
    flipped[i] ^= 0x01;
    env["payload"] = Base64(Bytes(flipped));
    EXPECT_EQ(Code(Verify(env.dump())), "bad_signature") << "byte " << i;
  }
}

TEST_F(AgentConfigTest, AlteredSignatureIsRefused) {
  json env = json::parse(SignAgentConfig(Sample(), server_));
  auto sig = *Base64Decode(env["signature"].get<std::string>());
  for (size_t i = 0; i < sig.size(); i += 5) {
    std::string bad = sig;
    bad[i] ^= 0x20;
    env["signature"] = Base64(Bytes(bad));
    EXPECT_EQ(Code(Verify(env.dump())), "bad_signature") << "byte " << i;
  }
  env["signature"] = Base64(Bytes(sig.substr(0, 63)));
  EXPECT_EQ(Code(Verify(env.dump())), "bad_signature");
  env["signature"] = "not base64!";
  EXPECT_EQ(Code(Verify(env.dump())), "bad_signature");
}

TEST_F(AgentConfigTest, KeyTheAgentDoesNotTrustIsRefused) {
  // Correctly signed, but by another key: the key in the file is not a reason to trust it.
  auto r = Verify(SignAgentConfig(Sample(), other_));
  EXPECT_EQ(Code(r), "untrusted_key");
  EXPECT_NE(r.error().message.find("does not trust"), std::string::npos);
  // Signed by another key while naming the trusted one.
  json env = json::parse(SignAgentConfig(Sample(), other_));
  env["key"] = Ed25519PublicKeyBase64(server_.PublicKey());
  EXPECT_EQ(Code(Verify(env.dump())), "bad_signature");
  // Several trusted keys: the file's key selects one.
  trusted_ = {other_.PublicKey(), server_.PublicKey()};
  EXPECT_EQ(Code(Verify(SignAgentConfig(Sample(), other_))), "ok");
  EXPECT_EQ(Code(Verify(SignAgentConfig(Sample(), server_))), "ok");
  // Nothing trusted: nothing verifies.
  trusted_.clear();
  EXPECT_EQ(Code(Verify(SignAgentConfig(Sample(), server_))), "untrusted_key");
}

TEST_F(AgentConfigTest, ExpiredAndNotYetValidAreRefusedBeyondTheSkew) {
  std::string file = SignAgentConfig(Sample(), server_);
  const int64_t skew = kAgentConfigClockSkewSeconds;
  EXPECT_EQ(Code(Verify(file, kNow + 600)), "ok");
  EXPECT_EQ(Code(Verify(file, kNow + 600 + skew)), "ok");
  auto expired = Verify(file, kNow + 600 + skew + 1);
  EXPECT_EQ(Code(expired), "expired");
  EXPECT_NE(expired.error().message.find("2023-11-14 22:23:20 UTC"), std::string::npos) << expired.error().message;
  EXPECT_EQ(Code(Verify(file, kNow - skew)), "ok");
  auto early = Verify(file, kNow - skew - 1);
  EXPECT_EQ(Code(early), "not_yet_valid");
  EXPECT_NE(early.error().message.find("date and time"), std::string::npos);
}

TEST_F(AgentConfigTest, UnknownFormatIsRefused) {
  std::array<uint8_t, 32> seed{};
  seed.fill(7);
  const std::string payload = EncodeAgentConfigPayload(Sample());
  for (const char* format : {"tether-agent-config/2", "tether-agent-config/1 ", "", "TETHER-AGENT-CONFIG/1"}) {
    auto r = Verify(HandMadeEnvelope(payload, seed, format));
    EXPECT_EQ(Code(r), "unknown_format") << format;
  }
  json env = json::parse(SignAgentConfig(Sample(), server_));
  env["format"] = 1;
  EXPECT_EQ(Code(Verify(env.dump())), "malformed");
}

TEST_F(AgentConfigTest, EnvelopeIsParsedStrictly) {
  const std::string good = SignAgentConfig(Sample(), server_);
  json env = json::parse(good);
  EXPECT_EQ(Code(Verify(std::string(kMaxAgentConfigBytes + 1, ' '))), "too_large");
  EXPECT_EQ(Code(Verify("")), "malformed");
  EXPECT_EQ(Code(Verify("[]")), "malformed");
  EXPECT_EQ(Code(Verify(good + "x")), "malformed");
  EXPECT_EQ(Code(Verify(good.substr(0, good.size() / 2))), "malformed");
  json extra = env;
  extra["relay"] = "attacker.example:1";
  EXPECT_EQ(Code(Verify(extra.dump())), "malformed");
  json nested = env;
  nested["payload"] = json::object({{"relay", "x"}});
  EXPECT_EQ(Code(Verify(nested.dump())), "malformed");
  // A repeated key would let two readers see two different payloads.
  std::string dup = good;
  dup.insert(1, "\"payload\":\"" + Base64(Bytes(std::string("{}"))) + "\",");
  EXPECT_EQ(Code(Verify(dup)), "malformed");
  json no_key = env;
  no_key.erase("key");
  EXPECT_EQ(Code(Verify(no_key.dump())), "malformed");
  json bad_b64 = env;
  bad_b64["payload"] = env["payload"].get<std::string>() + "=";
  EXPECT_EQ(Code(Verify(bad_b64.dump())), "malformed");
}

TEST_F(AgentConfigTest, SignedButInvalidPayloadIsRefused) {
  std::array<uint8_t, 32> seed{};
  seed.fill(7);
  auto with = [&](const std::function<void(json&)>& change) {
    json p = json::parse(EncodeAgentConfigPayload(Sample()));
    change(p);
    return Code(Verify(HandMadeEnvelope(p.dump(), seed)));
  };
  EXPECT_EQ(with([](json&) {}), "ok");
  EXPECT_EQ(with([](json& p) { p["relay"] = "no-port"; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["relay"] = "host:0"; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["relay"] = "bad host:8041"; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["relay"] = "[::1]:8041"; }), "ok");
  EXPECT_EQ(with([](json& p) { p["pin"] = "sha1/abc"; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["session_id"] = "../x"; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["session_name"] = "a\nb"; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["join_token"] = "short"; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["kind"] = "access"; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["issued_at"] = "1700000000"; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["expires_at"] = 1.7e9 + 600.5; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["expires_at"] = kNow; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["expires_at"] = kNow + 2 * 86400; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["expires_at"] = -1; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p["extra"] = 1; }), "invalid_payload");
  EXPECT_EQ(with([](json& p) { p.erase("pin"); }), "invalid_payload");
}

TEST_F(AgentConfigTest, AccessInstallerCarriesPropertiesAndMayLastLonger) {
  AgentConfig c = Sample();
  c.kind = "access-install";
  c.expires_at = kNow + 30 * 86400;
  c.properties = {{"company", "Acme"}, {"site", "Berlin"}};
  auto r = Verify(SignAgentConfig(c, server_));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, c);
  // All four properties are in the payload (empty ones as ""), and only for installers.
  json p = json::parse(EncodeAgentConfigPayload(c));
  EXPECT_EQ(p["department"], "");
  EXPECT_FALSE(json::parse(EncodeAgentConfigPayload(Sample())).contains("company"));

  std::array<uint8_t, 32> seed{};
  seed.fill(7);
  auto with = [&](const std::function<void(json&)>& change) {
    json q = json::parse(EncodeAgentConfigPayload(c));
    change(q);
    return Code(Verify(HandMadeEnvelope(q.dump(), seed)));
  };
  EXPECT_EQ(with([](json&) {}), "ok");
  EXPECT_EQ(with([](json& q) { q["expires_at"] = kNow + 91 * 86400; }), "invalid_payload");
  EXPECT_EQ(with([](json& q) { q["tag"] = std::string(129, 'x'); }), "invalid_payload");
  EXPECT_EQ(with([](json& q) { q["tag"] = 5; }), "invalid_payload");
  EXPECT_EQ(with([](json& q) { q.erase("tag"); }), "invalid_payload");
  EXPECT_EQ(with([](json& q) { q["colour"] = "red"; }), "invalid_payload");
  // A guest file does not take properties, nor an installer's lifetime.
  EXPECT_EQ(with([](json& q) { q["kind"] = "support"; }), "invalid_payload");
}

TEST_F(AgentConfigTest, IdentityMessageIsDomainSeparated) {
  EXPECT_EQ(AgentIdentityMessage(std::string(32, 'b')), "tether-agent-identity/1\n" + std::string(32, 'b'));
}

}  // namespace
}  // namespace tether
