#pragma once
// Ed25519 signatures (libsodium crypto_sign_*): a key pair that keeps its secret half to itself
// and wipes it on destruction, detached signatures, and verification. Also strict base64
// decoding for keys and signatures that arrive as text. Thread-safe (immutable after creation);
// InitCrypto() must have run.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tether {

inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SeedBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

using Ed25519PublicKey = std::array<uint8_t, kEd25519PublicKeyBytes>;
using Ed25519Signature = std::array<uint8_t, kEd25519SignatureBytes>;

class Ed25519KeyPair {
 public:
  // A new key pair from the OS CSPRNG.
  static Ed25519KeyPair Generate();
  // The key pair of a stored 32-byte seed; "malformed" for any other length.
  static Result<Ed25519KeyPair> FromSeed(std::span<const uint8_t> seed);

  Ed25519KeyPair(Ed25519KeyPair&& other) noexcept;
  Ed25519KeyPair& operator=(Ed25519KeyPair&& other) noexcept;
  Ed25519KeyPair(const Ed25519KeyPair&) = delete;
  Ed25519KeyPair& operator=(const Ed25519KeyPair&) = delete;
  ~Ed25519KeyPair();

  const Ed25519PublicKey& PublicKey() const { return public_; }
  // The seed, for storing the key (the only copy that should leave this object).
  std::span<const uint8_t> Seed() const { return {secret_.data(), kEd25519SeedBytes}; }
  Ed25519Signature Sign(std::string_view message) const;
  // A 32-byte key for another purpose (e.g. a MAC), derived from the secret key with BLAKE2b
  // under `context`, so the signing key itself is never used for anything but signing.
  std::array<uint8_t, 32> DeriveKey(std::string_view context) const;

 private:
  Ed25519KeyPair() = default;
  std::array<uint8_t, 64> secret_{};  // libsodium's secret key: seed || public key
  Ed25519PublicKey public_{};
};

bool Ed25519Verify(const Ed25519PublicKey& key, std::string_view message,
                   std::span<const uint8_t> signature);

// Standard base64 with padding (RFC 4648 section 4), no whitespace; nullopt when invalid.
std::optional<std::string> Base64Decode(std::string_view text);
// A public key written as standard base64 (44 characters); nullopt when invalid.
std::optional<Ed25519PublicKey> ParseEd25519PublicKey(std::string_view base64);
std::string Ed25519PublicKeyBase64(const Ed25519PublicKey& key);

}  // namespace tether
