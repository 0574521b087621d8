#pragma once
// The server's Ed25519 key that signs agent configurations. It lives in its own file in the
// data directory (<data-dir>/signing/ed25519.key, directory 0700, file 0600 created with
// O_EXCL) and never in the TOML configuration. A key file that others can read, that is not a
// regular file, or that is malformed stops start-up with a message naming the file. The public
// half is also written to <data-dir>/signing/ed25519.pub in the agents' trust-file format.
// Start-up code only (blocking file I/O).
#include <filesystem>

#include "base/ed25519.h"
#include "base/result.h"

namespace tether::app {

struct SigningKey {
  Ed25519KeyPair key;
  std::filesystem::path key_file;
  bool generated = false;  // made on this start
};

// Loads the key from `dir` (usually <data-dir>/signing), or creates one when none exists.
// Errors ("signing_key") name the file and say what to do.
Result<SigningKey> LoadOrCreateSigningKey(const std::filesystem::path& dir);

// The text of a trust file holding `key` (one base64 key a line, '#' comments).
std::string TrustFileText(const Ed25519PublicKey& key, const std::string& label);

}  // namespace tether::app
