// RelayTls against a real OpenSSL client (what agents and native hosts are) over a socket
// pair: the handshake works at TLS 1.3 and 1.2, both ends export the same channel binding (the
// access agent's identity proof depends on it), TLS 1.1 and CBC-only clients are refused, and
// a key that does not belong to the certificate is refused at start with a clear message.
#include "server/relay/relay_tls.h"

#include <gnutls/gnutls.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <csignal>
#include <unistd.h>

#include <filesystem>
#include <future>

namespace tether::relay {
namespace {

struct Outcome {
  bool ok = false;
  std::string binding;
};

class RelayTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The test's blocking GnuTLS transport writes with plain send(): an alert to a client that
    // already hung up must not kill the test (the relay's own transport uses MSG_NOSIGNAL).
    ::signal(SIGPIPE, SIG_IGN);
    dir_ = std::filesystem::temp_directory_path() / ("relay_tls_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto m = net::LoadOrGenerateTlsMaterial(dir_, {"localhost"});
    ASSERT_TRUE(m) << m.error().message;
    material_ = *m;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // One handshake: the relay's GnuTLS session on one end of a socket pair, an OpenSSL client
  // with the agent's policy (optionally narrowed) on the other.
  std::pair<Outcome, Outcome> Handshake(int client_max_version, const char* tls12_ciphers = nullptr) {
    auto tls = RelayTls::Make(material_);
    EXPECT_TRUE(tls);
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    auto server = std::async(std::launch::async, [&, fd = fds[0]] {
      Outcome o;
      gnutls_session_t s = (*tls)->NewSession();
      // Blocking for the test: the relay's sessions are non-blocking with their own transport.
      gnutls_transport_set_int(s, fd);
      int r;
      do {
        r = gnutls_handshake(s);
      } while (r < 0 && !gnutls_error_is_fatal(r));
      if (r < 0) gnutls_alert_send_appropriate(s, r);
      o.ok = r == 0;
      if (o.ok) o.binding = ExportChannelBinding(s);
      gnutls_deinit(s);
      ::shutdown(fd, SHUT_RDWR);
      return o;
    });
    Outcome c;
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    EXPECT_TRUE(net::ConfigureClientContext(ctx));
    SSL_CTX_set_min_proto_version(ctx, client_max_version == TLS1_1_VERSION ? TLS1_1_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, client_max_version);
    if (client_max_version == TLS1_1_VERSION) SSL_CTX_set_security_level(ctx, 0);
    if (tls12_ciphers != nullptr) SSL_CTX_set_cipher_list(ctx, tls12_ciphers);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fds[1]);
    c.ok = SSL_connect(ssl) == 1 && net::VerifyPeerPin(ssl, material_.spki_pin);
    if (c.ok) c.binding = net::ExportChannelBinding(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fds[1]);
    Outcome s = server.get();
    ::close(fds[0]);
    return {s, c};
  }

  std::filesystem::path dir_;
  net::TlsMaterial material_;
};

TEST_F(RelayTlsTest, Tls13HandshakeExportsTheSameBindingOnBothSides) {
  auto [server, client] = Handshake(TLS1_3_VERSION);
  ASSERT_TRUE(server.ok);
  ASSERT_TRUE(client.ok);
  EXPECT_EQ(server.binding.size(), net::kChannelBindingSize);
  EXPECT_EQ(server.binding, client.binding);
  // Another connection gets another value.
  auto [server2, client2] = Handshake(TLS1_3_VERSION);
  EXPECT_NE(server2.binding, server.binding);
}

TEST_F(RelayTlsTest, Tls12HandshakeExportsTheSameBindingOnBothSides) {
  auto [server, client] = Handshake(TLS1_2_VERSION);
  ASSERT_TRUE(server.ok);
  ASSERT_TRUE(client.ok);
  EXPECT_EQ(server.binding, client.binding);
}

TEST_F(RelayTlsTest, Tls11IsRefused) {
  auto [server, client] = Handshake(TLS1_1_VERSION);
  EXPECT_FALSE(server.ok);
  EXPECT_FALSE(client.ok);
}

TEST_F(RelayTlsTest, CbcSuitesAreRefusedAtTls12) {
  auto [server, client] = Handshake(TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA");
  EXPECT_FALSE(server.ok);
  EXPECT_FALSE(client.ok);
}

TEST_F(RelayTlsTest, AKeyOfAnotherCertificateIsRefused) {
  const auto other_dir = dir_ / "other";
  std::filesystem::create_directories(other_dir);
  auto other = net::LoadOrGenerateTlsMaterial(other_dir, {"localhost"});
  ASSERT_TRUE(other);
  net::TlsMaterial mixed = material_;
  mixed.key_pem = other->key_pem;
  auto tls = RelayTls::Make(mixed);
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().code, "tls");
  EXPECT_NE(tls.error().message.find("relay"), std::string::npos) << tls.error().message;
}

}  // namespace
}  // namespace tether::relay
