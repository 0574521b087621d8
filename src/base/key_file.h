#pragma once
// Ed25519 key files: a header line naming the kind of key and the base64 seed, in a regular file
// of mode 0600 created with O_EXCL | O_NOFOLLOW before a byte is written. Reading refuses
// symbolic links, files others may read or write, and malformed content, naming the file and
// what to do. Used for the server's signing key and an access agent's identity key. Blocking
// file I/O; plain functions.
#include <filesystem>
#include <string>
#include <string_view>

#include "base/ed25519.h"
#include "base/result.h"

namespace tether {

struct KeyFileKind {
  std::string_view header;       // first line, e.g. "tether-ed25519-signing-key/1"
  std::string error_code;        // the Error code of every failure
  std::string label;             // starts error messages, e.g. "signing key"
  std::string malformed_advice;  // what to do about a malformed file
};

Result<Ed25519KeyPair> ReadEd25519KeyFile(const std::filesystem::path& file, const KeyFileKind& kind);
// Creates a new key in `file`; a file that already exists is left alone (not an error).
Status CreateEd25519KeyFile(const std::filesystem::path& file, const KeyFileKind& kind);
// Writes all of `data` to `fd`.
Status WriteAllToFd(int fd, std::string_view data);
// "0600" for a mode.
std::string ModeText(unsigned mode);

}  // namespace tether
