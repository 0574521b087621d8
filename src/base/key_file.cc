#include "base/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/crypto.h"

namespace tether {
namespace {

constexpr off_t kMaxKeyFileBytes = 4096;

Error KeyError(const KeyFileKind& kind, const std::filesystem::path& file, const std::string& what) {
  return MakeError(kind.error_code, kind.label + " " + file.string() + ": " + what);
}

}  // namespace

std::string ModeText(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

Status WriteAllToFd(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return MakeError("io", std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<Ed25519KeyPair> ReadEd25519KeyFile(const std::filesystem::path& file, const KeyFileKind& kind) {
  int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) return KeyError(kind, file, "is a symbolic link; it must be a regular file");
    return KeyError(kind, file, std::string("cannot be read: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return KeyError(kind, file, "is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return KeyError(kind, file, "is readable or writable by other users (mode " + ModeText(st.st_mode) +
                              "); it must be 0600: run chmod 600 " + file.string() +
                              " and consider the key exposed if others could read it");
  }
  if (st.st_size > kMaxKeyFileBytes) {
    ::close(fd);
    return KeyError(kind, file, "is malformed (too large)");
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n != st.st_size) return KeyError(kind, file, "cannot be read completely");
  const Error malformed = KeyError(
      kind, file, "is malformed (expected the line '" + std::string(kind.header) + "' and a base64 seed); " +
                kind.malformed_advice);
  // Two lines: the header and the base64 seed (a final newline is optional).
  if (!text.empty() && text.back() == '\n') text.pop_back();
  size_t nl = text.find('\n');
  if (nl == std::string::npos || text.substr(0, nl) != kind.header) return malformed;
  auto seed = Base64Decode(text.substr(nl + 1));
  std::fill(text.begin(), text.end(), '\0');
  if (!seed) return malformed;
  auto kp = Ed25519KeyPair::FromSeed(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(seed->data()), seed->size()));
  std::fill(seed->begin(), seed->end(), '\0');
  if (!kp) return malformed;
  return std::move(*kp);
}

Status CreateEd25519KeyFile(const std::filesystem::path& file, const KeyFileKind& kind) {
  auto kp = Ed25519KeyPair::Generate();
  std::string text = std::string(kind.header) + "\n" + Base64(kp.Seed()) + "\n";
  // Created 0600 with O_EXCL before any byte is written, so no other process has it open.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::fill(text.begin(), text.end(), '\0');
    if (errno == EEXIST) return {};  // made by a racing start: read it
    return KeyError(kind, file, std::string("cannot be created: ") + std::strerror(errno));
  }
  ::fchmod(fd, 0600);
  Status st = WriteAllToFd(fd, text);
  std::fill(text.begin(), text.end(), '\0');
  if (st && ::fsync(fd) != 0) st = MakeError("io", std::strerror(errno));
  ::close(fd);
  if (!st) {
    ::unlink(file.c_str());
    return KeyError(kind, file, "cannot be written: " + st.error().message);
  }
  return {};
}

}  // namespace tether
