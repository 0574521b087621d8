#pragma once
// RelayServer: the Relay's TLS listener on 8041. Each accepted connection becomes a
// TlsFrameLink (GnuTLS on the descriptor, inline writes, a bounded SendQueue, read deadlines)
// whose frames go to the sink the Relay returns for it. Frame sizes are bounded by the header
// before any allocation; before the handshake only control frames are read. The io_context
// must be run by exactly one thread (the network thread); it, the Relay and the Metrics must
// outlive the server.
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

class Relay;

struct RelayLimits {
  std::chrono::seconds handshake_timeout{10};  // for the TLS handshake, and again for the Hello
  std::chrono::seconds idle_timeout{60};       // no frame at all for this long closes
  size_t max_connections = 20000;
};

class RelayServer {
 public:
  RelayServer(boost::asio::io_context& io, Relay& relay, Metrics& metrics, RelayLimits limits = {});
  ~RelayServer();

  Status Start(const std::string& listen, const net::TlsMaterial& tls);
  uint16_t Port() const;
  bool Running() const;
  // Closes the listener and every connection.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tether::relay
