#include "server/app/signing_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/crypto.h"
#include "base/key_file.h"

namespace tether::app {
namespace {

const KeyFileKind kSigningKeyFile{
    "tether-ed25519-signing-key/1", "signing_key", "signing key",
    "restore it from a backup, or remove it to make a new key (agents must then be given the new public key)"};

Error KeyError(const std::filesystem::path& file, const std::string& what) {
  return MakeError("signing_key", "signing key " + file.string() + ": " + what);
}

// Rewritten at each start from the key itself, so it always matches.
void WritePublicFile(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ::fchmod(fd, 0644);
  bool ok = WriteAllToFd(fd, text).ok() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) ::unlink(tmp.c_str());
}

}  // namespace

std::string TrustFileText(const Ed25519PublicKey& key, const std::string& label) {
  return "# Tether agent configuration signing key (" + label +
         "). Agents trust configurations signed by the keys in this file:\n"
         "# copy it to /etc/tether/agent-trust.pub on each guest machine (docs/operations.md).\n" +
         Ed25519PublicKeyBase64(key) + " " + label + "\n";
}

Result<SigningKey> LoadOrCreateSigningKey(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeError("signing_key", "cannot create " + dir.string() + ": " + ec.message());
  struct stat dst {};
  if (::lstat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode)) {
    return MakeError("signing_key", dir.string() + " must be a directory");
  }
  ::chmod(dir.c_str(), 0700);
  const auto file = dir / "ed25519.key";
  bool generated = false;
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0) {
    if (errno != ENOENT) return KeyError(file, std::string("cannot be read: ") + std::strerror(errno));
    if (auto created = CreateEd25519KeyFile(file, kSigningKeyFile); !created) return created.error();
    generated = true;
  }
  auto key = ReadEd25519KeyFile(file, kSigningKeyFile);
  if (!key) return key.error();
  WritePublicFile(dir / "ed25519.pub", TrustFileText(key->PublicKey(), "tetherd"));
  return SigningKey{std::move(*key), file, generated};
}

}  // namespace tether::app
