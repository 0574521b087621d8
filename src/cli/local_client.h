#pragma once
// LocalClient: a blocking client of tetherd's local API (manager.sock): one JSON request line
// out, one response line in.
#include <nlohmann/json.hpp>

#include <string>

#include "base/result.h"

namespace tether::cli {

class LocalClient {
 public:
  explicit LocalClient(std::string socket_path) : path_(std::move(socket_path)) {}
  ~LocalClient();
  // "not_running" when nothing listens on the socket.
  Status Connect();
  // The response object ({"ok":..., ...}); transport errors as Error.
  Result<nlohmann::json> Call(const std::string& op, const nlohmann::json& args);

 private:
  std::string path_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace tether::cli
