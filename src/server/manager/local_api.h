#pragma once
// LocalApi: the Session Manager's local API, one JSON request per line in and one JSON
// response per line out (see docs/api.md, "Local API"). Pure dispatch over SessionManager: the
// socket, peer-credential check and threading live in net/. Thread-safe; the manager must
// outlive it. Calls may hash passwords: run them off network threads.
#include <string>
#include <string_view>

#include "server/manager/session_manager.h"

namespace tether::manager {

struct LocalPeer {
  int uid = -1;
  int pid = -1;
};

class LocalApi {
 public:
  static constexpr size_t kMaxRequestBytes = 64 * 1024;

  explicit LocalApi(SessionManager& manager) : manager_(manager) {}
  // Never throws; malformed input yields {"ok":false,"error":"validation",...}.
  std::string Handle(std::string_view request_line, const LocalPeer& peer);

 private:
  SessionManager& manager_;
};

}  // namespace tether::manager
