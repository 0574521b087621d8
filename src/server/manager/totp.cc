#include "server/manager/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <cctype>
#include <vector>

#include "base/crypto.h"
#include "base/ed25519.h"

namespace tether::manager {
namespace {

constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string PercentEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kBase32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32[(buffer << (5 - bits)) & 31];
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    if (ch == ' ' || ch == '=') continue;
    const char up = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    int v = -1;
    if (up >= 'A' && up <= 'Z') v = up - 'A';
    else if (up >= '2' && up <= '7') v = up - '2' + 26;
    if (v < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

std::string TotpCode(std::string_view secret, int64_t counter, int digits, TotpHash hash) {
  unsigned char msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  const EVP_MD* md = hash == TotpHash::kSha1     ? EVP_sha1()
                     : hash == TotpHash::kSha256 ? EVP_sha256()
                                                 : EVP_sha512();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(md, secret.data(), static_cast<int>(secret.size()), msg, sizeof msg, mac, &mac_len);
  const unsigned offset = mac[mac_len - 1] & 0x0f;
  const uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                          (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                          (static_cast<uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  uint32_t modulo = 1;
  for (int i = 0; i < digits; ++i) modulo *= 10;
  std::string code = std::to_string(binary % modulo);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

std::optional<int64_t> MatchTotp(std::string_view secret, std::string_view code, int64_t now_unix,
                                 int64_t last_used_step) {
  if (code.size() != 6) return std::nullopt;
  const int64_t step = TotpStep(now_unix);
  std::optional<int64_t> match;
  for (int64_t s = step - 1; s <= step + 1; ++s) {
    // Every candidate is computed and compared, so the time does not depend on which matched.
    const bool equal = ConstantTimeEquals(TotpCode(secret, s), code);
    if (equal && s > last_used_step && !match) match = s;
  }
  return match;
}

std::string TotpUri(const std::string& issuer, const std::string& account,
                    std::string_view secret) {
  return "otpauth://totp/" + PercentEncode(issuer) + ":" + PercentEncode(account) +
         "?secret=" + Base32Encode(secret) + "&issuer=" + PercentEncode(issuer) +
         "&algorithm=SHA1&digits=6&period=30";
}

std::string Seal(const SealKey& key, std::string_view plain) {
  std::vector<uint8_t> out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size());
  randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const uint8_t*>(plain.data()), plain.size(), out.data(),
                        key.data());
  return Base64(out);
}

std::optional<std::string> Unseal(const SealKey& key, std::string_view sealed) {
  auto raw = Base64Decode(sealed);
  if (!raw || raw->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
  const auto* bytes = reinterpret_cast<const uint8_t*>(raw->data());
  std::string plain(raw->size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<uint8_t*>(plain.data()),
                                 bytes + crypto_secretbox_NONCEBYTES,
                                 raw->size() - crypto_secretbox_NONCEBYTES, bytes, key.data()) != 0) {
    return std::nullopt;
  }
  return plain;
}

}  // namespace tether::manager
