#pragma once
// Small wrappers over libsodium for randomness, constant-time comparison and encodings.
// All functions are thread-safe; InitCrypto() must run once before any of them.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tether {

void InitCrypto();  // throws std::runtime_error if libsodium cannot initialise

// n random bytes from the OS CSPRNG, URL-safe base64 without padding.
std::string RandomToken(size_t n_bytes = 32);
// An identifier people and scripts pass around (session ids): RandomToken's alphabet, but never
// starting with '-', which a command line would take for an option (`tether session end ID`).
std::string RandomIdentifier(size_t n_bytes = 16);
// A decimal code of `digits` digits, uniformly distributed.
std::string RandomDigits(int digits);
// Random 64-bit identifier (never 0).
uint64_t RandomId();

bool ConstantTimeEquals(std::string_view a, std::string_view b);
std::string Sha256Hex(std::string_view data);
std::string ToHex(std::span<const uint8_t> bytes);
std::string Base64(std::span<const uint8_t> bytes);

}  // namespace tether
