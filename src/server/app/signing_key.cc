#include "server/app/signing_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/crypto.h"

namespace tether::app {
namespace {

constexpr std::string_view kHeader = "tether-ed25519-signing-key/1";
constexpr off_t kMaxKeyFileBytes = 4096;

Error KeyError(const std::filesystem::path& file, const std::string& what) {
  return MakeError("signing_key", "signing key " + file.string() + ": " + what);
}

std::string ModeText(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return MakeError("io", std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<SigningKey> ReadKey(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) return KeyError(file, "is a symbolic link; it must be a regular file");
    return KeyError(file, std::string("cannot be read: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return KeyError(file, "is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return KeyError(file, "is readable or writable by other users (mode " + ModeText(st.st_mode) +
                              "); it must be 0600: run chmod 600 " + file.string() +
                              " and consider the key exposed if others could read it");
  }
  if (st.st_size > kMaxKeyFileBytes) {
    ::close(fd);
    return KeyError(file, "is malformed (too large)");
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n != st.st_size) return KeyError(file, "cannot be read completely");
  const Error malformed = KeyError(
      file, "is malformed (expected the line '" + std::string(kHeader) +
                "' and a base64 seed); restore it from a backup, or remove it to make a new key "
                "(agents must then be given the new public key)");
  // Two lines: the header and the base64 seed (a final newline is optional).
  if (!text.empty() && text.back() == '\n') text.pop_back();
  size_t nl = text.find('\n');
  if (nl == std::string::npos || text.substr(0, nl) != kHeader) return malformed;
  auto seed = Base64Decode(text.substr(nl + 1));
  std::fill(text.begin(), text.end(), '\0');
  if (!seed) return malformed;
  auto kp = Ed25519KeyPair::FromSeed(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(seed->data()), seed->size()));
  std::fill(seed->begin(), seed->end(), '\0');
  if (!kp) return malformed;
  return SigningKey{std::move(*kp), file, false};
}

Status CreateKey(const std::filesystem::path& file) {
  auto kp = Ed25519KeyPair::Generate();
  std::string text = std::string(kHeader) + "\n" + Base64(kp.Seed()) + "\n";
  // Created 0600 with O_EXCL before any byte is written, so no other process has it open.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::fill(text.begin(), text.end(), '\0');
    if (errno == EEXIST) return {};  // made by a racing start: read it
    return KeyError(file, std::string("cannot be created: ") + std::strerror(errno));
  }
  ::fchmod(fd, 0600);
  Status st = WriteAll(fd, text);
  std::fill(text.begin(), text.end(), '\0');
  if (st && ::fsync(fd) != 0) st = MakeError("io", std::strerror(errno));
  ::close(fd);
  if (!st) {
    ::unlink(file.c_str());
    return KeyError(file, "cannot be written: " + st.error().message);
  }
  return {};
}

// Rewritten at each start from the key itself, so it always matches.
void WritePublicFile(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ::fchmod(fd, 0644);
  bool ok = WriteAll(fd, text).ok() && ::fsync(fd) == 0;
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
    if (auto created = CreateKey(file); !created) return created.error();
    generated = true;
  }
  auto key = ReadKey(file);
  if (!key) return key;
  key->generated = generated;
  WritePublicFile(dir / "ed25519.pub", TrustFileText(key->key.PublicKey(), "tetherd"));
  return key;
}

}  // namespace tether::app
