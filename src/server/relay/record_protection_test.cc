// RecordProtection, the relay's TLS 1.3 record layer (ADR 0006), on records built here with
// GnuTLS's AEAD: what it seals opens to the same bytes under the next sequence number only;
// padding is stripped and the content type found; a record with no content type, too much
// content, a changed byte or the wrong sequence number is refused. (Interoperation with a real
// TLS peer: tls_frame_link_test.cc.)
#include "server/relay/record_protection.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace tether::relay {
namespace {

constexpr uint8_t kKey[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
constexpr uint8_t kIv[12] = {1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144};

// A record carrying `inner` (content, type, padding) sealed for sequence number `seq`.
std::string Record(const std::string& inner, uint64_t seq) {
  gnutls_aead_cipher_hd_t cipher = nullptr;
  const gnutls_datum_t key{const_cast<uint8_t*>(kKey), sizeof kKey};
  EXPECT_EQ(gnutls_aead_cipher_init(&cipher, GNUTLS_CIPHER_AES_128_GCM, &key), 0);
  uint8_t nonce[12];
  std::memcpy(nonce, kIv, 12);
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<uint8_t>(seq >> (8 * i));
  const size_t body = inner.size() + tls13::kTagSize;
  std::string record = {23, 3, 3, static_cast<char>(body >> 8), static_cast<char>(body & 0xff)};
  record.resize(tls13::kHeaderSize + body);
  size_t out = body;
  EXPECT_EQ(gnutls_aead_cipher_encrypt(cipher, nonce, 12, record.data(), 5, tls13::kTagSize, inner.data(),
                                       inner.size(), record.data() + 5, &out),
            0);
  gnutls_aead_cipher_deinit(cipher);
  return record;
}

class RecordProtectionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(reader_.Init(GNUTLS_CIPHER_AES_128_GCM, kKey, sizeof kKey, kIv, 5, true)); }
  std::optional<RecordProtection::Opened> Open(const std::string& record) {
    return reader_.Open(record.data(), record.size(), plain_.data());
  }
  RecordProtection reader_;
  std::vector<char> plain_ = std::vector<char>(tls13::kMaxCiphertext);
};

TEST_F(RecordProtectionTest, SealedRecordOpensOnceInOrder) {
  RecordProtection writer;
  ASSERT_TRUE(writer.Init(GNUTLS_CIPHER_AES_128_GCM, kKey, sizeof kKey, kIv, 5, false));
  for (const std::string content : {std::string("first"), std::string(tls13::kMaxPlaintext, 'x'), std::string()}) {
    std::string record(content.size() + tls13::kSealOverhead, '\0');
    ASSERT_EQ(writer.Seal(content.data(), content.size(), record.data()), record.size());
    auto opened = Open(record);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->type, tls13::kApplicationData);
    EXPECT_EQ(std::string(plain_.data(), opened->length), content);
    EXPECT_FALSE(Open(record)) << "a replayed record must not open under the next sequence number";
    reader_.Init(GNUTLS_CIPHER_AES_128_GCM, kKey, sizeof kKey, kIv, writer.Records(), true);
  }
  std::string too_long(tls13::kMaxPlaintext + 1 + tls13::kSealOverhead, '\0');
  EXPECT_EQ(writer.Seal(too_long.data(), tls13::kMaxPlaintext + 1, too_long.data()), 0u);
}

TEST_F(RecordProtectionTest, PaddingIsStrippedAndTheTypeFound) {
  auto opened = Open(Record(std::string("abc\x17", 4) + std::string(100, '\0'), 5));
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->type, 23);
  EXPECT_EQ(std::string(plain_.data(), opened->length), "abc");
  EXPECT_EQ(reader_.Records(), 6u);
  // An alert: opened but not counted, so GnuTLS can read it again with the same number.
  opened = Open(Record(std::string("\x01\x00\x15", 3), 6));
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->type, 21);
  EXPECT_EQ(reader_.Records(), 6u);
}

TEST_F(RecordProtectionTest, MalformedOrForgedRecordsAreRefused) {
  EXPECT_FALSE(Open(Record(std::string(50, '\0'), 5))) << "no content type";
  EXPECT_FALSE(Open(Record(std::string(tls13::kMaxPlaintext + 1, 'a') + "\x17", 5))) << "too much content";
  EXPECT_FALSE(Open(Record(std::string(tls13::kMaxPlaintext, 'a') + "\x17" + std::string(2, '\0'), 5)))
      << "content and padding over 2^14 + 1";
  EXPECT_FALSE(Open(Record("data\x17", 4))) << "a sequence number already used";
  std::string changed = Record("data\x17", 5);
  changed[7] ^= 1;
  EXPECT_FALSE(Open(changed)) << "a changed byte";
  std::string header = Record("data\x17", 5);
  header[0] = 22;
  EXPECT_FALSE(Open(header)) << "not an application-data record";
  EXPECT_FALSE(Open(std::string("\x17\x03\x03\x00\x05hello", 10))) << "shorter than a tag";
  EXPECT_EQ(reader_.Records(), 5u);
  EXPECT_TRUE(Open(Record("data\x17", 5))) << "the right record still opens after refusals";
}

TEST(RecordProtection, OnlyWholeKeyUpdatesAreHandshakeContent) {
  bool answer = true;
  EXPECT_TRUE(tls13::OnlyKeyUpdates("\x18\x00\x00\x01\x00", 5, answer));
  EXPECT_FALSE(answer);
  EXPECT_TRUE(tls13::OnlyKeyUpdates("\x18\x00\x00\x01\x00\x18\x00\x00\x01\x01", 10, answer));
  EXPECT_TRUE(answer);
  EXPECT_FALSE(tls13::OnlyKeyUpdates("\x18\x00\x00", 3, answer)) << "a KeyUpdate cut between records";
  EXPECT_FALSE(tls13::OnlyKeyUpdates("\x18\x00\x00\x01\x02", 5, answer)) << "request_update out of range";
  EXPECT_FALSE(tls13::OnlyKeyUpdates("\x04\x00\x00\x01\x00", 5, answer)) << "NewSessionTicket from a client";
  EXPECT_FALSE(tls13::OnlyKeyUpdates("\x18\x00\x00\x02\x00\x00", 6, answer)) << "a longer KeyUpdate";
  EXPECT_FALSE(tls13::OnlyKeyUpdates("", 0, answer));
}

TEST(RecordProtection, OnlyTheSupportedCiphersAndKeySizes) {
  RecordProtection r;
  EXPECT_FALSE(r.Init(GNUTLS_CIPHER_AES_128_CBC, kKey, sizeof kKey, kIv, 0, true));
  EXPECT_FALSE(r.Init(GNUTLS_CIPHER_AES_256_GCM, kKey, sizeof kKey, kIv, 0, true));  // a 16-byte key
  EXPECT_TRUE(r.Init(GNUTLS_CIPHER_AES_128_GCM, kKey, sizeof kKey, kIv, 0, true));
}

}  // namespace
}  // namespace tether::relay
