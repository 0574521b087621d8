#pragma once
// LocalJsonServer: a Unix-domain socket (mode 0600) carrying one JSON request per line and one
// response per line. The peer's uid (SO_PEERCRED) must be tetherd's own uid or root; anyone else
// is disconnected before a byte is read. Requests are bounded in size and handled on the
// blocking pool. The io_context and pool must outlive it.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace tether::net {

struct LocalPeerCred {
  int uid = -1;
  int pid = -1;
};

class LocalJsonServer {
 public:
  using Handler = std::function<std::string(const std::string& line, const LocalPeerCred& peer)>;

  LocalJsonServer(boost::asio::io_context& io, boost::asio::thread_pool& pool, Handler handler,
                  size_t max_line_bytes);
  ~LocalJsonServer();

  // Replaces a stale socket file, binds with a 0177 umask, then chmods 0600.
  Status Start(const std::filesystem::path& socket_path);
  bool Running() const;
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tether::net
