#pragma once
// RecordProtection: one direction of a TLS 1.3 connection's application-data records
// (RFC 8446 §5.2), sealed and opened by the relay itself with the traffic key, IV and sequence
// number its GnuTLS session negotiated — the split kernel TLS makes with a TLS library (ADR
// 0006). GnuTLS keeps the handshake and every record that is not application data (alerts,
// KeyUpdate, close_notify): before it reads or writes one, the link hands it the sequence
// number (Store), and afterwards takes the keys back (Load), since a KeyUpdate changes them.
// The AEAD is GnuTLS's own. One link's network thread only.
#include <cstddef>
#include <cstdint>
#include <optional>

typedef struct gnutls_session_int* gnutls_session_t;
typedef struct api_aead_cipher_hd_st* gnutls_aead_cipher_hd_t;

namespace tether::relay {

namespace tls13 {
constexpr size_t kHeaderSize = 5;
constexpr size_t kTagSize = 16;
constexpr size_t kMaxPlaintext = 16 * 1024;              // RFC 8446 §5.1
constexpr size_t kMaxCiphertext = kMaxPlaintext + 256;    // RFC 8446 §5.2
// What one sealed record adds to its content: the header, the inner content type and the tag.
constexpr size_t kSealOverhead = kHeaderSize + 1 + kTagSize;
constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kApplicationData = 23;

// The handshake content of a record after the handshake: true when it is only whole KeyUpdate
// messages (RFC 8446 §4.6.3), the one post-handshake message a relay that asks for nothing
// accepts; `answer` says whether one of them asks for the relay's own KeyUpdate.
bool OnlyKeyUpdates(const char* data, size_t len, bool& answer);
}  // namespace tls13

class RecordProtection {
 public:
  RecordProtection() = default;
  ~RecordProtection();
  RecordProtection(const RecordProtection&) = delete;
  RecordProtection& operator=(const RecordProtection&) = delete;

  // Takes the session's current keys for reading (read = true) or writing. False when the
  // session is not TLS 1.3 with a cipher this class runs: the link then leaves every record to
  // GnuTLS.
  bool Load(gnutls_session_t session, bool read);
  // The same from explicit values (a gnutls_cipher_algorithm_t, its key, the 12-byte IV and the
  // next sequence number): for the fuzz target and tests.
  bool Init(int cipher, const uint8_t* key, size_t key_len, const uint8_t iv[12], uint64_t seq, bool read);
  // Takes GnuTLS's sequence number for this direction, the key being unchanged (after GnuTLS
  // read an alert).
  bool Follow(gnutls_session_t session);
  // Gives GnuTLS the sequence number of the next record in this direction.
  bool Store(gnutls_session_t session) const;
  bool Loaded() const { return cipher_ != nullptr; }
  // Records sealed or opened with the current key.
  uint64_t Records() const { return seq_; }

  // Seals `len` content bytes (at most tls13::kMaxPlaintext) as one application-data record
  // into `out`, which has room for len + tls13::kSealOverhead bytes. Returns the record's size
  // (0: the cipher failed).
  size_t Seal(const char* data, size_t len, char* out);

  struct Opened {
    uint8_t type = 0;   // the inner content type
    size_t length = 0;  // content bytes at the start of `plain`
  };
  // Opens one whole record (header included, at most kHeaderSize + kMaxCiphertext bytes) into
  // `plain`, which has room for its ciphertext length. Only an application-data record counts
  // against the sequence number; any other type is left for GnuTLS to read again. Empty: the
  // record is forged, damaged or malformed, and the connection must end.
  std::optional<Opened> Open(const char* record, size_t len, char* plain);

 private:
  void Nonce(uint8_t out[12]) const;
  void Reset();

  gnutls_aead_cipher_hd_t cipher_ = nullptr;
  uint8_t iv_[12] = {};
  uint64_t seq_ = 0;
  bool read_ = false;
};

}  // namespace tether::relay
