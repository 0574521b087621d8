#include "server/relay/relay_tls.h"

#include <gnutls/gnutls.h>

namespace tether::relay {
namespace {

// The same versions and suites as net::ConfigureServerContext: TLS 1.3 and 1.2, ECDHE key
// exchange, AEAD ciphers only; the server's order wins. Safe renegotiation stays on (GnuTLS's
// default), and a client's renegotiation attempt ends the link (TlsFrameLink).
constexpr const char* kPriority =
    "NONE:+VERS-TLS1.3:+VERS-TLS1.2:"
    "+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:+AEAD:"
    "+ECDHE-ECDSA:+ECDHE-RSA:+SIGN-ALL:-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1:-SIGN-DSA-SHA1:"
    "+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-X448:+GROUP-SECP521R1:"
    "+COMP-NULL:+CTYPE-X509:%SERVER_PRECEDENCE";

// A ClientHello extension that limits the records the relay may send: record_size_limit
// (RFC 8449) below 2^14 + 1, or max_fragment_length (RFC 6066). GnuTLS keeps the limit to
// itself (no getter in 3.7), so the session's user pointer marks it for PeerLimitsRecords.
constexpr unsigned kExtMaxFragmentLength = 1;
constexpr unsigned kExtRecordSizeLimit = 28;
int NoteRecordLimit(void* session, unsigned tls_id, const unsigned char* data, unsigned size) {
  const bool limits = tls_id == kExtMaxFragmentLength ||
                      (tls_id == kExtRecordSizeLimit && (size < 2 || ((unsigned{data[0]} << 8) | data[1]) < 16385));
  if (limits) gnutls_session_set_ptr(static_cast<gnutls_session_t>(session), session);
  return 0;
}

int OnClientHello(gnutls_session_t session, unsigned, unsigned, unsigned incoming, const gnutls_datum_t* msg) {
  if (incoming) gnutls_ext_raw_parse(session, NoteRecordLimit, msg, GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO);
  return 0;
}

Error GnutlsError(const std::string& what, int code) {
  return MakeError("tls", what + ": " + gnutls_strerror(code));
}

}  // namespace

Result<std::shared_ptr<const RelayTls>> RelayTls::Make(const net::TlsMaterial& material) {
  std::shared_ptr<RelayTls> tls(new RelayTls());
  if (int r = gnutls_certificate_allocate_credentials(&tls->credentials_); r < 0) {
    return GnutlsError("cannot allocate TLS credentials", r);
  }
  const gnutls_datum_t cert{reinterpret_cast<unsigned char*>(const_cast<char*>(material.cert_pem.data())),
                            static_cast<unsigned>(material.cert_pem.size())};
  const gnutls_datum_t key{reinterpret_cast<unsigned char*>(const_cast<char*>(material.key_pem.data())),
                           static_cast<unsigned>(material.key_pem.size())};
  // The whole chain (leaf first) and its key; GnuTLS checks that they belong together.
  if (int r = gnutls_certificate_set_x509_key_mem2(tls->credentials_, &cert, &key, GNUTLS_X509_FMT_PEM, nullptr, 0);
      r < 0) {
    return GnutlsError("cannot use the certificate and key for the relay", r);
  }
  const char* where = nullptr;
  if (int r = gnutls_priority_init(&tls->priority_, kPriority, &where); r < 0) {
    return GnutlsError(std::string("relay TLS policy rejected at '") + (where ? where : "") + "'", r);
  }
  return std::shared_ptr<const RelayTls>(std::move(tls));
}

RelayTls::~RelayTls() {
  if (priority_ != nullptr) gnutls_priority_deinit(priority_);
  if (credentials_ != nullptr) gnutls_certificate_free_credentials(credentials_);
}

gnutls_session_t RelayTls::NewSession() const {
  gnutls_session_t session = nullptr;
  // No tickets: agents and hosts do not resume sessions, so issuing them is wasted work.
  if (gnutls_init(&session, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS) < 0) return nullptr;
  if (gnutls_priority_set(session, priority_) < 0 ||
      gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, credentials_) < 0) {
    gnutls_deinit(session);
    return nullptr;
  }
  gnutls_certificate_server_set_request(session, GNUTLS_CERT_IGNORE);
  gnutls_handshake_set_hook_function(session, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_PRE, OnClientHello);
  return session;
}

bool PeerLimitsRecords(gnutls_session_t session) { return gnutls_session_get_ptr(session) != nullptr; }

std::string ExportChannelBinding(gnutls_session_t session) {
  constexpr auto& kLabel = net::kChannelBindingLabel;
  std::string out(net::kChannelBindingSize, '\0');
  // A null context is "no context" (RFC 5705), as OpenSSL's use_context = 0; TLS 1.3 treats it
  // as an empty one on both sides.
  if (gnutls_prf_rfc5705(session, sizeof kLabel - 1, kLabel, 0, nullptr, out.size(), out.data()) < 0) return {};
  return out;
}

}  // namespace tether::relay
