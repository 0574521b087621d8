#pragma once
// RelayTls: the relay listener's TLS server configuration, on GnuTLS (ADR 0005): the
// certificate and key of net::TlsMaterial and Tether's TLS policy — TLS 1.2 minimum (1.3
// preferred), AEAD suites with forward secrecy only, no compression, no renegotiation, no
// session tickets. The relay carries many small records over thousands of connections; GnuTLS
// costs about half as much CPU per record there as OpenSSL 3.0 (bench/relay.sh). Immutable
// after Make, shared by every TlsFrameLink of one listener (thread-safe).
#include <memory>
#include <string>

#include "base/result.h"
#include "net/tls.h"

typedef struct gnutls_session_int* gnutls_session_t;
typedef struct gnutls_certificate_credentials_st* gnutls_certificate_credentials_t;
typedef struct gnutls_priority_st* gnutls_priority_t;

namespace tether::relay {

class RelayTls {
 public:
  static Result<std::shared_ptr<const RelayTls>> Make(const net::TlsMaterial& material);
  ~RelayTls();
  RelayTls(const RelayTls&) = delete;
  RelayTls& operator=(const RelayTls&) = delete;

  // A server session with the policy and credentials applied, non-blocking, transport unset.
  // Null when GnuTLS cannot allocate one.
  gnutls_session_t NewSession() const;

 private:
  RelayTls() = default;
  gnutls_certificate_credentials_t credentials_ = nullptr;
  gnutls_priority_t priority_ = nullptr;
};

// After the handshake: did the client ask for records smaller than 16 KiB (record_size_limit,
// max_fragment_length)? Then only GnuTLS, which keeps that limit, writes its records (ADR 0006).
bool PeerLimitsRecords(gnutls_session_t session);

// After the handshake: the connection's RFC 5705 / RFC 8446 §7.5 exporter value with
// net::ExportChannelBinding's label and length, so an OpenSSL peer computes the same bytes.
// Empty when the export fails.
std::string ExportChannelBinding(gnutls_session_t session);

}  // namespace tether::relay
