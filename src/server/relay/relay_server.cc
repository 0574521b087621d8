#include "server/relay/relay_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio.hpp>

#include <mutex>
#include <set>

#include "base/log.h"
#include "net/asio_util.h"
#include "server/relay/relay_poller.h"
#include "server/relay/tls_frame_link.h"
#include "server/relay/relay.h"

namespace tether::relay {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct RelayServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, Relay& relay, Metrics& metrics, RelayLimits limits)
      : io(io), relay(relay), limits(limits), acceptor(io), poller(std::make_shared<RelayPoller>(io)),
        accepted(metrics.Counter("tether_relay_connections_total{transport=\"tls\"}", "Relay connections accepted")),
        active(metrics.Gauge("tether_relay_connections_active{transport=\"tls\"}", "Relay connections open")),
        bytes_in(metrics.Counter("tether_relay_bytes_received_total", "Bytes received by the relay")),
        bytes_out(metrics.Counter("tether_relay_bytes_sent_total", "Bytes sent by the relay")) {}

  asio::io_context& io;
  Relay& relay;
  RelayLimits limits;
  tcp::acceptor acceptor;
  std::shared_ptr<RelayPoller> poller;
  std::shared_ptr<const RelayTls> tls;  // set by Start
  Metric& accepted;
  Metric& active;
  Metric& bytes_in;
  Metric& bytes_out;
  std::mutex mu;
  std::set<std::shared_ptr<TlsFrameLink>> links;
  bool stopped = false;
  std::shared_ptr<spdlog::logger> log = Log("relay");

  awaitable<void> AcceptLoop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      auto [ec, sock] = co_await acceptor.async_accept(io, kNoThrow);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        log->warn("accept failed: {}", ec.message());
        continue;
      }
      {
        std::lock_guard lock(mu);
        if (stopped || links.size() >= limits.max_connections) continue;  // `sock` closes
      }
      sock.set_option(tcp::no_delay(true), ec);
      std::string peer = net::PeerAddress(sock.remote_endpoint(ec));
      // The link drives the descriptor itself through the poller; Asio no longer watches it.
      const int fd = sock.release(ec);
      if (ec) continue;
      if (int flags = ::fcntl(fd, F_GETFL); flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        ::close(fd);
        continue;
      }
      TlsLinkLimits link_limits;
      link_limits.handshake_timeout = limits.handshake_timeout;
      link_limits.idle_timeout = limits.idle_timeout;
      auto link = std::make_shared<TlsFrameLink>(io, fd, std::move(peer), tls, poller, link_limits,
                                                 bytes_in, bytes_out);
      {
        std::lock_guard lock(mu);
        links.insert(link);
      }
      accepted.Add();
      active.Add(1);
      auto sink = relay.Accept(link, std::nullopt);
      link->Start(sink, [self, weak = std::weak_ptr<TlsFrameLink>(link)] {
        std::lock_guard lock(self->mu);
        if (auto l = weak.lock()) self->links.erase(l);
        self->active.Add(-1);
      });
    }
  }
};

RelayServer::RelayServer(asio::io_context& io, Relay& relay, Metrics& metrics, RelayLimits limits)
    : impl_(std::make_shared<Impl>(io, relay, metrics, limits)) {}

RelayServer::~RelayServer() { Stop(); }

Status RelayServer::Start(const std::string& listen, const net::TlsMaterial& tls) {
  auto relay_tls = RelayTls::Make(tls);
  if (!relay_tls) return relay_tls.error();
  impl_->tls = std::move(*relay_tls);
  if (auto st = impl_->poller->Start(); !st) return st;
  auto& acc = impl_->acceptor;
  if (auto st = net::Listen(acc, listen); !st) return st;
  asio::co_spawn(acc.get_executor(), impl_->AcceptLoop(), asio::detached);
  return {};
}

uint16_t RelayServer::Port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

bool RelayServer::Running() const { return impl_->acceptor.is_open(); }

void RelayServer::Stop() {
  auto impl = impl_;
  std::vector<std::shared_ptr<TlsFrameLink>> open;
  {
    std::lock_guard lock(impl->mu);
    if (impl->stopped) return;
    impl->stopped = true;
    open.assign(impl->links.begin(), impl->links.end());
  }
  asio::post(impl->acceptor.get_executor(), [impl] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
  });
  for (auto& link : open) link->Abort();
  asio::post(impl->io, [impl] { impl->poller->Stop(); });  // after the aborts above
}

}  // namespace tether::relay
