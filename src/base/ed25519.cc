#include "base/ed25519.h"

#include <sodium.h>

#include <cstring>

#include "base/crypto.h"

namespace tether {

static_assert(crypto_sign_PUBLICKEYBYTES == kEd25519PublicKeyBytes);
static_assert(crypto_sign_SEEDBYTES == kEd25519SeedBytes);
static_assert(crypto_sign_BYTES == kEd25519SignatureBytes);
static_assert(crypto_sign_SECRETKEYBYTES == 64);

Ed25519KeyPair Ed25519KeyPair::Generate() {
  Ed25519KeyPair kp;
  crypto_sign_keypair(kp.public_.data(), kp.secret_.data());
  return kp;
}

Result<Ed25519KeyPair> Ed25519KeyPair::FromSeed(std::span<const uint8_t> seed) {
  if (seed.size() != kEd25519SeedBytes) {
    return MakeError("malformed", "an Ed25519 seed has 32 bytes, not " + std::to_string(seed.size()));
  }
  Ed25519KeyPair kp;
  crypto_sign_seed_keypair(kp.public_.data(), kp.secret_.data(), seed.data());
  return kp;
}

Ed25519KeyPair::Ed25519KeyPair(Ed25519KeyPair&& other) noexcept
    : secret_(other.secret_), public_(other.public_) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}

Ed25519KeyPair& Ed25519KeyPair::operator=(Ed25519KeyPair&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    public_ = other.public_;
    sodium_memzero(other.secret_.data(), other.secret_.size());
  }
  return *this;
}

Ed25519KeyPair::~Ed25519KeyPair() { sodium_memzero(secret_.data(), secret_.size()); }

Ed25519Signature Ed25519KeyPair::Sign(std::string_view message) const {
  Ed25519Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const uint8_t*>(message.data()),
                       message.size(), secret_.data());
  return sig;
}

std::array<uint8_t, 32> Ed25519KeyPair::DeriveKey(std::string_view context) const {
  std::array<uint8_t, 32> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const uint8_t*>(context.data()),
                     context.size(), secret_.data(), kEd25519SeedBytes);
  return out;
}

bool Ed25519Verify(const Ed25519PublicKey& key, std::string_view message,
                   std::span<const uint8_t> signature) {
  if (signature.size() != kEd25519SignatureBytes) return false;
  return crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const uint8_t*>(message.data()),
                                     message.size(), key.data()) == 0;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<uint8_t*>(out.data()), out.size(), text.data(), text.size(),
                        nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  // One spelling per value: re-encoding must give the same text (no stray low bits).
  if (Base64(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(out.data()), out.size())) != text) {
    return std::nullopt;
  }
  return out;
}

std::optional<Ed25519PublicKey> ParseEd25519PublicKey(std::string_view base64) {
  auto raw = Base64Decode(base64);
  if (!raw || raw->size() != kEd25519PublicKeyBytes) return std::nullopt;
  Ed25519PublicKey key{};
  std::memcpy(key.data(), raw->data(), key.size());
  return key;
}

std::string Ed25519PublicKeyBase64(const Ed25519PublicKey& key) { return Base64(key); }

}  // namespace tether
