#include "server/relay/record_protection.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <cstring>

namespace tether::relay {

using namespace tls13;

namespace {

constexpr size_t kNonceSize = 12;

bool Supported(gnutls_cipher_algorithm_t cipher) {
  // The suites Tether's policy offers at TLS 1.3 (RelayTls); all use a 12-byte IV and a 16-byte tag.
  return cipher == GNUTLS_CIPHER_AES_128_GCM || cipher == GNUTLS_CIPHER_AES_256_GCM ||
         cipher == GNUTLS_CIPHER_CHACHA20_POLY1305;
}

// Sequence numbers as GnuTLS's record state holds them: 8 bytes, big-endian.
uint64_t SequenceFrom(const unsigned char bytes[8]) {
  uint64_t seq = 0;
  for (int i = 0; i < 8; ++i) seq = (seq << 8) | bytes[i];
  return seq;
}

void SequenceTo(uint64_t seq, unsigned char bytes[8]) {
  for (int i = 7; i >= 0; --i, seq >>= 8) bytes[i] = static_cast<unsigned char>(seq);
}

}  // namespace

bool tls13::OnlyKeyUpdates(const char* data, size_t len, bool& answer) {
  constexpr uint8_t kKeyUpdate = 24;
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  answer = false;
  if (len == 0 || len % 5 != 0) return false;  // each is 5 bytes: type, length 1 (3 bytes), request
  for (size_t pos = 0; pos < len; pos += 5) {
    if (p[pos] != kKeyUpdate || p[pos + 1] != 0 || p[pos + 2] != 0 || p[pos + 3] != 1 || p[pos + 4] > 1) return false;
    answer |= p[pos + 4] == 1;
  }
  return true;
}

RecordProtection::~RecordProtection() { Reset(); }

void RecordProtection::Reset() {
  if (cipher_ != nullptr) gnutls_aead_cipher_deinit(cipher_);
  cipher_ = nullptr;
  std::memset(iv_, 0, sizeof iv_);
  seq_ = 0;
}

bool RecordProtection::Load(gnutls_session_t session, bool read) {
  Reset();
  if (gnutls_protocol_get_version(session) != GNUTLS_TLS1_3) return false;
  gnutls_datum_t iv{}, key{};
  unsigned char seq[8];
  if (gnutls_record_get_state(session, read ? 1 : 0, nullptr, &iv, &key, seq) < 0 || iv.size != kNonceSize) {
    return false;
  }
  return Init(gnutls_cipher_get(session), key.data, key.size, iv.data, SequenceFrom(seq), read);
}

bool RecordProtection::Init(int cipher, const uint8_t* key, size_t key_len, const uint8_t iv[kNonceSize],
                            uint64_t seq, bool read) {
  Reset();
  const auto algorithm = static_cast<gnutls_cipher_algorithm_t>(cipher);
  if (!Supported(algorithm) || key_len != gnutls_cipher_get_key_size(algorithm)) return false;
  const gnutls_datum_t key_datum{const_cast<uint8_t*>(key), static_cast<unsigned>(key_len)};
  if (gnutls_aead_cipher_init(&cipher_, algorithm, &key_datum) < 0) {
    cipher_ = nullptr;
    return false;
  }
  std::memcpy(iv_, iv, kNonceSize);
  seq_ = seq;
  read_ = read;
  return true;
}

bool RecordProtection::Follow(gnutls_session_t session) {
  unsigned char seq[8];
  if (cipher_ == nullptr || gnutls_record_get_state(session, read_ ? 1 : 0, nullptr, nullptr, nullptr, seq) < 0) {
    return false;
  }
  seq_ = SequenceFrom(seq);
  return true;
}

bool RecordProtection::Store(gnutls_session_t session) const {
  unsigned char seq[8];
  SequenceTo(seq_, seq);
  return gnutls_record_set_state(session, read_ ? 1 : 0, seq) == 0;
}

// RFC 8446 §5.3: the static IV with the 64-bit sequence number XORed into its last 8 bytes.
void RecordProtection::Nonce(uint8_t out[kNonceSize]) const {
  std::memcpy(out, iv_, kNonceSize);
  for (int i = 0; i < 8; ++i) out[kNonceSize - 1 - i] ^= static_cast<uint8_t>(seq_ >> (8 * i));
}

size_t RecordProtection::Seal(const char* data, size_t len, char* out) {
  if (cipher_ == nullptr || len > kMaxPlaintext) return 0;
  const size_t body = len + 1 + kTagSize;
  out[0] = static_cast<char>(kApplicationData);  // opaque_type
  out[1] = 3;                                    // legacy_record_version 0x0303
  out[2] = 3;
  out[3] = static_cast<char>(body >> 8);
  out[4] = static_cast<char>(body & 0xff);
  uint8_t nonce[kNonceSize];
  Nonce(nonce);
  char type = static_cast<char>(kApplicationData);  // TLSInnerPlaintext: content, type, no padding
  const giovec_t aad{out, kHeaderSize};
  const giovec_t inner[2] = {{const_cast<char*>(data), len}, {&type, 1}};
  size_t written = body;
  if (gnutls_aead_cipher_encryptv(cipher_, nonce, kNonceSize, &aad, 1, kTagSize, inner, 2, out + kHeaderSize,
                                  &written) < 0 ||
      written != body) {
    return 0;
  }
  ++seq_;
  return kHeaderSize + body;
}

std::optional<RecordProtection::Opened> RecordProtection::Open(const char* record, size_t len, char* plain) {
  if (cipher_ == nullptr || len < kHeaderSize + 1 + kTagSize || len > kHeaderSize + kMaxCiphertext) return {};
  const auto* header = reinterpret_cast<const uint8_t*>(record);
  const size_t body = len - kHeaderSize;
  if (header[0] != kApplicationData || ((size_t{header[3]} << 8) | header[4]) != body) return {};
  uint8_t nonce[kNonceSize];
  Nonce(nonce);
  size_t plain_len = body - kTagSize;
  if (gnutls_aead_cipher_decrypt(cipher_, nonce, kNonceSize, record, kHeaderSize, kTagSize, record + kHeaderSize,
                                 body, plain, &plain_len) < 0) {
    return {};  // bad_record_mac
  }
  // The content type is the last non-zero byte; zeros after it are padding (§5.4).
  size_t n = plain_len;
  while (n > 0 && plain[n - 1] == 0) --n;
  // No content type (unexpected_message); more content, or content with padding, than a record
  // may carry (record_overflow, §5.4).
  if (n == 0 || n - 1 > kMaxPlaintext || plain_len > kMaxPlaintext + 1) return {};
  Opened opened{static_cast<uint8_t>(plain[n - 1]), n - 1};
  if (opened.type == kApplicationData) ++seq_;
  return opened;
}

}  // namespace tether::relay
