#pragma once
// LocalApi: the Session Manager's local API, one JSON request per line in and one JSON
// response per line out (see docs/api.md, "Local API"). Pure dispatch over SessionManager: the
// socket, peer-credential check and threading live in net/. Thread-safe; the manager must
// outlive it. Calls may hash passwords: run them off network threads.
#include <string>
#include <string_view>

#include "server/manager/access_agents.h"
#include "server/manager/session_manager.h"

namespace tether::manager {

struct LocalPeer {
  int uid = -1;
  int pid = -1;
};

class LocalApi {
 public:
  // Room for every security setting at once (eleven IP lists of up to 1000 entries); the socket
  // is reachable only by the server's own user and root.
  static constexpr size_t kMaxRequestBytes = 1024 * 1024;

  explicit LocalApi(SessionManager& manager) : manager_(manager) {}
  // Set once during wiring, before serving: access installers (access.installer.*), pointing
  // agents at `relay_address` (relay.public_address; may be empty: then each request names
  // the relay). Without it those operations are refused.
  void SetAccessAgents(AccessAgents* access, std::string relay_address) {
    access_ = access;
    relay_address_ = std::move(relay_address);
  }
  // Never throws; malformed input yields {"ok":false,"error":"validation",...}.
  std::string Handle(std::string_view request_line, const LocalPeer& peer);

 private:
  SessionManager& manager_;
  AccessAgents* access_ = nullptr;
  std::string relay_address_;
};

}  // namespace tether::manager
