#pragma once
// TLS material shared by both listeners (web and relay) and the OpenSSL policy of the web
// server and the agent; the relay applies the same policy through GnuTLS (relay_tls.h, ADR
// 0005). No Asio. Thread-safe (no shared state).
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace tether::net {

struct TlsMaterial {
  std::string cert_pem;   // leaf first, then any chain
  std::string key_pem;
  std::string spki_pin;   // "sha256/<base64 of SHA-256 over the DER SubjectPublicKeyInfo>"
  bool generated = false; // true when made by tetherd on this start
};

// Loads the operator's PEM files. Checks that the key matches the certificate.
Result<TlsMaterial> LoadTlsMaterial(const std::filesystem::path& cert_file,
                                    const std::filesystem::path& key_file);

// Loads <dir>/server.crt and server.key, generating a self-signed ECDSA P-256 pair valid for
// `names` (DNS names or IP addresses) when they do not exist. The key file is created 0600.
Result<TlsMaterial> LoadOrGenerateTlsMaterial(const std::filesystem::path& dir,
                                              const std::vector<std::string>& names);

// SPKI pin of the first certificate in `cert_pem`.
Result<std::string> SpkiPinFromPem(const std::string& cert_pem);

// Applies Tether's TLS policy to a server context: TLS 1.2 minimum (1.3 preferred), AEAD
// suites with forward secrecy only, no compression or renegotiation, and loads the material.
Status ConfigureServerContext(SSL_CTX* ctx, const TlsMaterial& material);

// Client policy for agents: the same versions and suites. The peer is authenticated by its SPKI
// pin (VerifyPeerPin after the handshake), not by a CA, so self-signed servers work safely.
Status ConfigureClientContext(SSL_CTX* ctx);

// After a client handshake: succeeds only if the server's certificate carries the public key
// named by `expected_pin` ("sha256/<base64>"). Compared in constant time.
Status VerifyPeerPin(const SSL* ssl, const std::string& expected_pin);

// After a handshake, on either side: 32 bytes of keying material exported from this connection
// (RFC 5705 / RFC 8446 section 7.5, label "EXPORTER-tether-agent-identity"). Both ends get the
// same value and no other connection does, so a signature over it cannot be replayed. Empty
// when the export fails. The relay's GnuTLS links export the same value (relay_tls.h).
inline constexpr char kChannelBindingLabel[] = "EXPORTER-tether-agent-identity";
inline constexpr size_t kChannelBindingSize = 32;
std::string ExportChannelBinding(SSL* ssl);

}  // namespace tether::net
