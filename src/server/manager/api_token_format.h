#pragma once
// The shape of API token secrets and of the `Authorization` header that carries them: pure
// functions over untrusted text, bounded, no allocation beyond the answer (fuzzed by
// tests/fuzz/bearer_fuzz.cc).
#include <optional>
#include <string>
#include <string_view>

namespace tether::manager {

// Every secret starts with this, so secret scanners can recognise leaked ones.
inline constexpr std::string_view kApiTokenPrefix = "tth_";
// The prefix and 32 random bytes as URL-safe base64 without padding (43 characters).
inline constexpr size_t kApiTokenLength = kApiTokenPrefix.size() + 43;
// Longer `Authorization` values are refused without looking further.
inline constexpr size_t kMaxAuthorizationBytes = 1024;

// A new secret: 256 bits from libsodium's CSPRNG behind the prefix.
std::string NewApiTokenSecret();
// The prefix and the secret's last four characters, safe to show in lists.
std::string ApiTokenHint(std::string_view secret);
// The prefix, then exactly 43 URL-safe base64 characters.
bool IsWellFormedApiToken(std::string_view secret);
// The credentials of an `Authorization: Bearer <token>` value (scheme matched ignoring case,
// one or more spaces after it, nothing after the token); nullopt for anything else.
std::optional<std::string_view> ParseBearer(std::string_view authorization);

}  // namespace tether::manager
