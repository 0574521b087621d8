#include "cli/local_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tether::cli {

LocalClient::~LocalClient() {
  if (fd_ >= 0) ::close(fd_);
}

Status LocalClient::Connect() {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) return MakeError("usage", "socket path too long: " + path_);
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return MakeError("failed", std::strerror(errno));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    if (err == ENOENT || err == ECONNREFUSED) {
      return MakeError("not_running", "tetherd is not running (no server on " + path_ + ")");
    }
    if (err == EACCES) return MakeError("failed", "permission denied on " + path_ + " (run as the tetherd user or root)");
    return MakeError("failed", "cannot connect to " + path_ + ": " + std::strerror(err));
  }
  return {};
}

Result<nlohmann::json> LocalClient::Call(const std::string& op, const nlohmann::json& args) {
  std::string line = nlohmann::json{{"op", op}, {"args", args}}.dump() + "\n";
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return MakeError("failed", "connection to tetherd lost");
    off += static_cast<size_t>(n);
  }
  while (buffer_.find('\n') == std::string::npos) {
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return MakeError("failed", "tetherd closed the connection (was the request refused?)");
    buffer_.append(chunk, static_cast<size_t>(n));
    if (buffer_.size() > 64 * 1024 * 1024) return MakeError("failed", "response too large");
  }
  size_t nl = buffer_.find('\n');
  auto resp = nlohmann::json::parse(buffer_.substr(0, nl), nullptr, false);
  buffer_.erase(0, nl + 1);
  if (!resp.is_object()) return MakeError("failed", "malformed response from tetherd");
  return resp;
}

}  // namespace tether::cli
