#pragma once
// RelayServer: the Relay's TLS listener on 8041. Each connection runs as one coroutine on its
// own strand: TLS handshake, then the Tether handshake (Hello -> Welcome or SessionError),
// then heartbeats until the idle timeout. Pairing host and guest endpoints of a session comes
// on top of this. Every read is bounded by the frame header's per-channel limit and guarded by
// a deadline. The io_context and Metrics must outlive it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/metrics.h"
#include "base/result.h"
#include "net/tls.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tether::relay {

struct RelayLimits {
  std::chrono::seconds handshake_timeout{10};  // TLS plus Hello
  std::chrono::seconds idle_timeout{60};       // no frame at all for this long closes
  uint32_t heartbeat_seconds = 20;
  size_t max_connections = 20000;
};

class RelayServer {
 public:
  RelayServer(boost::asio::io_context& io, Metrics& metrics, RelayLimits limits = {});
  ~RelayServer();

  Status Start(const std::string& listen, const net::TlsMaterial& tls);
  uint16_t Port() const;
  bool Running() const;
  // Closes the listener; live connections are told the server is shutting down, then closed.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tether::relay
