#pragma once
// HttpsServer: the Web Server's listener. Accepts TLS connections, reads HTTP/1.1 requests
// with size limits and timeouts, hands each to WebApp on the blocking pool, and writes the
// response. One coroutine per connection on its own strand, one write in flight. Stop() closes
// the listener and every connection. WebSocket upgrades that WebApp authorises become FrameLinks
// handed to the HostGateway. The io_context, pool, app, gateway and metrics must outlive it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/metrics.h"
#include "base/result.h"
#include "net/tls.h"
#include "server/web/host_gateway.h"
#include "server/web/web_app.h"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace tether::web {

struct HttpLimits {
  size_t header_bytes = 16 * 1024;
  size_t body_bytes = 1024 * 1024;
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds read_timeout{30};   // a whole request, once its first byte arrived
  std::chrono::seconds idle_timeout{60};   // between requests on a kept-alive connection
  size_t max_connections = 4096;
  bool hsts = true;  // also on the error answers the server writes itself (400, 413, 431)
};

class HttpsServer {
 public:
  HttpsServer(boost::asio::io_context& io, boost::asio::thread_pool& pool, WebApp& app,
              HostGateway& gateway, Metrics& metrics, HttpLimits limits = {});
  ~HttpsServer();

  // Binds and starts accepting. `listen` is HOST:PORT (port 0 picks a free port).
  Status Start(const std::string& listen, const net::TlsMaterial& tls);
  uint16_t Port() const;
  bool Running() const;
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tether::web
