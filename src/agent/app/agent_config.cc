#include "agent/app/agent_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tether::agent {
namespace {

constexpr size_t kMaxTrustFileBytes = 64 * 1024;

std::string HowToTrust() {
  return "this agent runs only configurations signed by a server it trusts. Ask your administrator "
         "to install the server's signing key in " +
         std::string(kDefaultTrustFile) + " (or run with --trust-key KEY or --trust-file FILE, or set " +
         kTrustEnvironment +
         "=FILE). The server prints the key when it starts (\"Agent configuration signing key: ...\") "
         "and publishes it at /api/v1/guest/signing-key.";
}

// Reads at most `limit` bytes of a regular file; "too_large" beyond that.
Result<std::string> ReadBounded(const std::filesystem::path& file, size_t limit, bool refuse_shared_writes) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(errno == ENOENT ? "not_found" : "io",
                     "cannot read " + file.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return MakeError("io", file.string() + " is not a regular file");
  }
  if (refuse_shared_writes && (st.st_mode & 022) != 0) {
    ::close(fd);
    return MakeError("io", file.string() + " can be changed by other users; it must not be group- or "
                                           "world-writable (chmod 644 " + file.string() + ")");
  }
  std::string data;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return MakeError("io", "cannot read " + file.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > limit) {
      ::close(fd);
      return MakeError("too_large", file.string() + " is larger than " + std::to_string(limit) + " bytes");
    }
  }
  ::close(fd);
  return data;
}

Result<std::vector<Ed25519PublicKey>> LoadTrustFile(const std::string& path) {
  auto text = ReadBounded(path, kMaxTrustFileBytes, /*refuse_shared_writes=*/true);
  if (!text) return MakeError("no_trust", "trust file: " + text.error().message);
  return ParseTrustFile(*text, path);
}

}  // namespace

Result<std::vector<Ed25519PublicKey>> ParseTrustFile(std::string_view text, const std::string& name) {
  std::vector<Ed25519PublicKey> keys;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    std::string_view word = line.substr(0, line.find_first_of(" \t"));
    auto key = ParseEd25519PublicKey(word);
    if (!key) {
      return MakeError("no_trust", name + ":" + std::to_string(line_no) +
                                       ": not an Ed25519 public key (44 base64 characters)");
    }
    keys.push_back(*key);
  }
  if (keys.empty()) return MakeError("no_trust", name + " holds no key; " + HowToTrust());
  return keys;
}

Result<std::vector<Ed25519PublicKey>> LoadTrustedKeys(const TrustSource& source) {
  if (!source.trust_key.empty()) {
    auto key = ParseEd25519PublicKey(source.trust_key);
    if (!key) return MakeError("no_trust", "--trust-key: not an Ed25519 public key (44 base64 characters)");
    return std::vector<Ed25519PublicKey>{*key};
  }
  if (!source.trust_file.empty()) return LoadTrustFile(source.trust_file);
  if (source.environment && !source.environment->empty()) return LoadTrustFile(*source.environment);
  std::error_code ec;
  if (!std::filesystem::exists(source.default_file, ec)) {
    return MakeError("no_trust", "no trusted signing key: " + HowToTrust());
  }
  return LoadTrustFile(source.default_file);
}

Result<AgentConfig> LoadAgentConfig(const std::filesystem::path& file,
                                    std::span<const Ed25519PublicKey> trusted, int64_t now) {
  auto text = ReadBounded(file, kMaxAgentConfigBytes, /*refuse_shared_writes=*/false);
  if (!text) {
    if (text.error().code == "too_large") {
      return MakeError("too_large", file.string() + " is larger than " + std::to_string(kMaxAgentConfigBytes) +
                                        " bytes, so it is not a Tether agent configuration");
    }
    return text.error();
  }
  return VerifyAgentConfig(*text, trusted, now);
}

}  // namespace tether::agent
