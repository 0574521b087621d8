#include "agent/app/agent_config.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>

#include "base/crypto.h"
#include "testing/temp_dir.h"

namespace tether::agent {
namespace {

class AgentTrustTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitCrypto(); }
  std::filesystem::path Write(const std::string& name, const std::string& text, mode_t mode = 0644) {
    auto p = tmp_.path() / name;
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  AgentConfig Sample() {
    AgentConfig c;
    c.relay = "127.0.0.1:8041";
    c.pin = "sha256/" + std::string(43, 'A') + "=";
    c.session_id = "abc";
    c.session_name = "s";
    c.join_token = std::string(43, 't');
    c.issued_at = 1'700'000'000;
    c.expires_at = 1'700'000'600;
    return c;
  }
  tether::testing::TempDir tmp_;
  Ed25519KeyPair server_ = Ed25519KeyPair::Generate();
  Ed25519KeyPair other_ = Ed25519KeyPair::Generate();
  std::string server_b64_ = Ed25519PublicKeyBase64(server_.PublicKey());
};

TEST_F(AgentTrustTest, TrustFileHasKeysLabelsAndComments) {
  auto keys = ParseTrustFile("# comment\n\n  " + server_b64_ + " tetherd support.example.com\r\n" +
                                 Ed25519PublicKeyBase64(other_.PublicKey()) + "\n",
                             "trust.pub");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0], server_.PublicKey());
  auto bad = ParseTrustFile("# ok\nnot-a-key\n", "trust.pub");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("trust.pub:2"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(ParseTrustFile("# nothing here\n", "trust.pub").ok());
}

TEST_F(AgentTrustTest, SourcesInOrderAndAClearMessageWithoutAny) {
  auto file = Write("trust.pub", server_b64_ + "\n");
  auto other_file = Write("other.pub", Ed25519PublicKeyBase64(other_.PublicKey()) + "\n");
  TrustSource s;
  s.default_file = (tmp_.path() / "missing-default.pub").string();
  auto none = LoadTrustedKeys(s);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "no_trust");
  for (const char* hint : {"--trust-key", "--trust-file", "TETHER_AGENT_TRUST", "/etc/tether/agent-trust.pub",
                           "/api/v1/guest/signing-key"}) {
    EXPECT_NE(none.error().message.find(hint), std::string::npos) << hint;
  }
  s.default_file = other_file.string();
  EXPECT_EQ((*LoadTrustedKeys(s))[0], other_.PublicKey());
  s.environment = file.string();
  EXPECT_EQ((*LoadTrustedKeys(s))[0], server_.PublicKey());
  s.trust_file = other_file.string();
  EXPECT_EQ((*LoadTrustedKeys(s))[0], other_.PublicKey());
  s.trust_key = server_b64_;
  EXPECT_EQ((*LoadTrustedKeys(s))[0], server_.PublicKey());
  s.trust_key = "AAAA";
  EXPECT_FALSE(LoadTrustedKeys(s).ok());
  // A named file that does not exist is an error, not a silent fallback.
  TrustSource missing;
  missing.trust_file = (tmp_.path() / "nope.pub").string();
  missing.default_file = file.string();
  auto r = LoadTrustedKeys(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("nope.pub"), std::string::npos);
}

TEST_F(AgentTrustTest, TrustFileOthersCanChangeIsRefused) {
  TrustSource s;
  s.trust_file = Write("shared.pub", server_b64_ + "\n", 0666).string();
  auto r = LoadTrustedKeys(s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("other users"), std::string::npos) << r.error().message;
}

TEST_F(AgentTrustTest, LoadsAndVerifiesAFile) {
  std::vector<Ed25519PublicKey> trusted = {server_.PublicKey()};
  auto good = Write("good.tether", SignAgentConfig(Sample(), server_));
  auto c = LoadAgentConfig(good, trusted, 1'700'000'100);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->relay, "127.0.0.1:8041");
  EXPECT_EQ(LoadAgentConfig(Write("other.tether", SignAgentConfig(Sample(), other_)), trusted, 1'700'000'100)
                .error().code, "untrusted_key");
  EXPECT_EQ(LoadAgentConfig(good, trusted, 1'700'001'000).error().code, "expired");
  EXPECT_EQ(LoadAgentConfig(Write("big.tether", std::string(1 << 20, ' ')), trusted, 1'700'000'100).error().code,
            "too_large");
  EXPECT_EQ(LoadAgentConfig(tmp_.path() / "absent.tether", trusted, 1'700'000'100).error().code, "not_found");
}

}  // namespace
}  // namespace tether::agent
