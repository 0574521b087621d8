#pragma once
// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) and the RFC 4648 base32 their
// secrets travel in, plus sealing secrets at rest (libsodium secretbox). Pure functions over
// their arguments; thread-safe.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tether::manager {

enum class TotpHash { kSha1, kSha256, kSha512 };

inline constexpr int64_t kTotpStepSeconds = 30;
inline constexpr size_t kTotpSecretBytes = 20;  // 160 bits, as RFC 4226 recommends

std::string Base32Encode(std::string_view bytes);
// Accepts upper or lower case, ignores spaces and '=' padding; nullopt on any other character.
std::optional<std::string> Base32Decode(std::string_view text);

// The `digits`-digit (6-8) code of time step `counter` for `secret` (raw bytes).
std::string TotpCode(std::string_view secret, int64_t counter, int digits = 6,
                     TotpHash hash = TotpHash::kSha1);

// The time step of `now_unix` (30-second steps from the Unix epoch).
inline int64_t TotpStep(int64_t now_unix) { return now_unix / kTotpStepSeconds; }

// The step (within one step either side of now) whose 6-digit code is `code` and that is later
// than `last_used_step`, so a code is never accepted twice; nullopt otherwise. Compares in
// constant time.
std::optional<int64_t> MatchTotp(std::string_view secret, std::string_view code, int64_t now_unix,
                                 int64_t last_used_step);

// otpauth://totp/ URI for authenticator apps (issuer and account are percent-encoded).
std::string TotpUri(const std::string& issuer, const std::string& account,
                    std::string_view secret);

using SealKey = std::array<uint8_t, 32>;
// Encrypts and authenticates `plain` (nonce prepended, base64); opened only with the same key.
std::string Seal(const SealKey& key, std::string_view plain);
std::optional<std::string> Unseal(const SealKey& key, std::string_view sealed);

}  // namespace tether::manager
