// Fuzzes the relay's own TLS 1.3 record layer (ADR 0006), the parser of every byte a relay
// connection receives after the handshake:
// * raw bytes as received ciphertext: LinkTransport cuts whole records (a header longer than
//   TLS allows stops it; the start of a record kept aside while idle comes back) and
//   RecordProtection::Open refuses what it cannot authenticate;
// * the bytes as the inner plaintext of a record sealed with the reader's key (so the fuzzer
//   reaches the content type and padding parsing behind the tag): an accepted record's content
//   is the input up to its last non-zero byte, which is the type;
// * the bytes sealed by RecordProtection::Seal open to themselves.
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "server/relay/link_transport.h"
#include "server/relay/record_protection.h"

namespace {

using namespace tether::relay;

constexpr uint8_t kKey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
constexpr uint8_t kIv[12] = {21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void ReceivedBytes(const uint8_t* data, size_t size, RecordProtection& reader, std::vector<char>& plain) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) return;
  size = std::min<size_t>(size, 48 * 1024);  // within the socket's buffer: writes never block
  // In two parts, with the link's idle release in between: the start of a record kept aside
  // (ReleaseInput) must come back in place.
  const size_t first = size / 2;
  if (first > 0 && ::write(fds[0], data, first) != static_cast<ssize_t>(first)) Check(false);
  LinkTransport wire;
  wire.fd = fds[1];
  wire.readable = true;
  size_t taken = 0;
  bool second_written = false;
  while (true) {
    const auto record = wire.Record();
    if (record.empty()) {
      if (wire.Oversized()) break;
      if (wire.Fill() > 0) continue;
      if (second_written || wire.eof) break;
      wire.ReleaseInput();  // drained: what waits is the start of a record
      if (size > first && ::write(fds[0], data + first, size - first) != static_cast<ssize_t>(size - first)) {
        Check(false);
      }
      ::shutdown(fds[0], SHUT_WR);
      second_written = true;
      wire.readable = true;
      continue;
    }
    Check(record.size() >= LinkTransport::kRecordHeader &&
          record.size() <= LinkTransport::kRecordHeader + LinkTransport::kMaxRecordBody);
    Check(std::memcmp(record.data(), data + taken, record.size()) == 0);  // records in order, whole
    // Without the key nothing authenticates (a forgery would need the tag).
    Check(!reader.Open(record.data(), record.size(), plain.data()).has_value() || reader.Records() > 0);
    taken += record.size();
    wire.Consume(record.size());
  }
  // What was not taken is one record still incomplete, or starts with a header too long.
  Check(taken <= size);
  const size_t rest = size - taken;
  if (!wire.Oversized() && rest >= LinkTransport::kRecordHeader) {
    const size_t body = (size_t{data[taken + 3]} << 8) | data[taken + 4];
    Check(rest < LinkTransport::kRecordHeader + body);
  }
  bool answer;
  (void)tls13::OnlyKeyUpdates(reinterpret_cast<const char*>(data), size, answer);
  wire.fd = -1;
  ::close(fds[0]);
  ::close(fds[1]);
}

void SealedInnerPlaintext(const uint8_t* data, size_t size, std::vector<char>& plain) {
  size = std::min(size, tls13::kMaxCiphertext - tls13::kTagSize);
  gnutls_aead_cipher_hd_t cipher = nullptr;
  const gnutls_datum_t key{const_cast<uint8_t*>(kKey), sizeof kKey};
  if (gnutls_aead_cipher_init(&cipher, GNUTLS_CIPHER_AES_128_GCM, &key) < 0) return;
  std::vector<char> record(tls13::kHeaderSize + size + tls13::kTagSize);
  const size_t body = size + tls13::kTagSize;
  record[0] = 23;
  record[1] = record[2] = 3;
  record[3] = static_cast<char>(body >> 8);
  record[4] = static_cast<char>(body & 0xff);
  size_t out_len = body;
  Check(gnutls_aead_cipher_encrypt(cipher, kIv, sizeof kIv, record.data(), tls13::kHeaderSize, tls13::kTagSize, data,
                                   size, record.data() + tls13::kHeaderSize, &out_len) == 0);
  gnutls_aead_cipher_deinit(cipher);
  RecordProtection reader;
  Check(reader.Init(GNUTLS_CIPHER_AES_128_GCM, kKey, sizeof kKey, kIv, 0, true));
  const auto opened = reader.Open(record.data(), record.size(), plain.data());
  size_t last = size;
  while (last > 0 && data[last - 1] == 0) --last;
  if (last == 0 || last - 1 > tls13::kMaxPlaintext || size > tls13::kMaxPlaintext + 1) {
    Check(!opened.has_value());  // no content type, or more than a record may carry
    return;
  }
  Check(opened.has_value() && opened->length == last - 1 && opened->type == data[last - 1]);
  Check(std::memcmp(plain.data(), data, opened->length) == 0);
  Check(reader.Records() == (opened->type == tls13::kApplicationData ? 1u : 0u));
}

void SealThenOpen(const uint8_t* data, size_t size, std::vector<char>& plain) {
  size = std::min(size, tls13::kMaxPlaintext);
  RecordProtection writer, reader;
  Check(writer.Init(GNUTLS_CIPHER_AES_128_GCM, kKey, sizeof kKey, kIv, 7, false));
  Check(reader.Init(GNUTLS_CIPHER_AES_128_GCM, kKey, sizeof kKey, kIv, 7, true));
  std::vector<char> record(size + tls13::kSealOverhead);
  const size_t sealed = writer.Seal(reinterpret_cast<const char*>(data), size, record.data());
  Check(sealed == record.size());
  const auto opened = reader.Open(record.data(), sealed, plain.data());
  Check(opened && opened->type == tls13::kApplicationData && opened->length == size);
  Check(size == 0 || std::memcmp(plain.data(), data, size) == 0);
  // The next sequence number gives another nonce: the same record does not open twice.
  Check(!reader.Open(record.data(), sealed, plain.data()).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<char> plain(tls13::kMaxCiphertext);
  RecordProtection reader;
  Check(reader.Init(GNUTLS_CIPHER_AES_128_GCM, kKey, sizeof kKey, kIv, 0, true));
  ReceivedBytes(data, size, reader, plain);
  SealedInnerPlaintext(data, size, plain);
  SealThenOpen(data, size, plain);
  return 0;
}
