#include "server/relay/relay_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <mutex>
#include <set>

#include "base/log.h"
#include "net/asio_util.h"
#include "wire/control.h"
#include "wire/frame.h"

namespace tether::relay {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

struct Endpoint {
  Endpoint(tcp::socket sock, asio::ssl::context& ctx)
      : stream(std::move(sock), ctx), deadline(stream.get_executor()) {}
  asio::ssl::stream<tcp::socket> stream;
  asio::steady_timer deadline;  // closes the socket when it fires; re-armed before each read
  std::string peer;

  void Close() {
    boost::system::error_code ec;
    stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
    stream.lowest_layer().close(ec);
    deadline.cancel();
  }
};

v1::ControlMessage ErrorMessage(v1::ErrorCode code, const std::string& text) {
  v1::ControlMessage m;
  m.mutable_error()->set_code(code);
  m.mutable_error()->set_message(text);
  return m;
}

}  // namespace

struct RelayServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, Metrics& metrics, RelayLimits limits)
      : io(io), limits(limits), acceptor(io), ssl_ctx(asio::ssl::context::tls_server),
        accepted(metrics.Counter("tether_relay_connections_total", "Relay connections accepted")),
        active(metrics.Gauge("tether_relay_connections_active", "Relay connections open")),
        handshakes(metrics.Counter("tether_relay_handshakes_total", "Relay handshakes completed")),
        rejected(metrics.Counter("tether_relay_rejected_total", "Relay connections refused for protocol errors")),
        bytes_in(metrics.Counter("tether_relay_bytes_received_total", "Bytes received by the relay")),
        bytes_out(metrics.Counter("tether_relay_bytes_sent_total", "Bytes sent by the relay")) {}

  asio::io_context& io;
  RelayLimits limits;
  tcp::acceptor acceptor;
  asio::ssl::context ssl_ctx;
  Metric& accepted;
  Metric& active;
  Metric& handshakes;
  Metric& rejected;
  Metric& bytes_in;
  Metric& bytes_out;
  std::mutex mu;
  std::set<std::shared_ptr<Endpoint>> endpoints;
  bool stopped = false;
  std::shared_ptr<spdlog::logger> log = Log("relay");

  awaitable<void> AcceptLoop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      auto [ec, sock] = co_await acceptor.async_accept(asio::make_strand(io), kNoThrow);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        log->warn("accept failed: {}", ec.message());
        continue;
      }
      sock.set_option(tcp::no_delay(true), ec);
      auto ep = std::make_shared<Endpoint>(std::move(sock), ssl_ctx);
      {
        std::lock_guard lock(mu);
        if (stopped || endpoints.size() >= limits.max_connections) continue;
        endpoints.insert(ep);
      }
      accepted.Add();
      active.Add(1);
      asio::co_spawn(ep->stream.get_executor(), Serve(ep), [self, ep](std::exception_ptr) {
        ep->Close();
        std::lock_guard lock(self->mu);
        self->endpoints.erase(ep);
        self->active.Add(-1);
      });
    }
  }

  // Fires the endpoint's deadline after `d`; a firing deadline closes the connection.
  void Arm(Endpoint& ep, std::chrono::steady_clock::duration d) {
    ep.deadline.expires_after(d);
    ep.deadline.async_wait([&ep](boost::system::error_code ec) {
      if (!ec) ep.Close();
    });
  }

  awaitable<bool> ReadFrame(Endpoint& ep, wire::Frame& frame, std::chrono::seconds timeout) {
    Arm(ep, timeout);
    std::array<uint8_t, wire::kHeaderSize> head{};
    auto [ec, n] = co_await asio::async_read(ep.stream, asio::buffer(head), kNoThrow);
    if (ec) co_return false;
    auto header = wire::DecodeHeader(head);
    if (!header) {
      rejected.Add();
      co_await Send(ep, ErrorMessage(v1::ERROR_CODE_PROTOCOL, header.error().message));
      co_return false;
    }
    frame.header = *header;
    frame.payload.resize(header->length);  // bounded by the channel's limit
    std::tie(ec, n) = co_await asio::async_read(ep.stream, asio::buffer(frame.payload), kNoThrow);
    if (ec) co_return false;
    bytes_in.Add(static_cast<int64_t>(wire::kHeaderSize + header->length));
    co_return true;
  }

  awaitable<void> Send(Endpoint& ep, const v1::ControlMessage& msg) {
    std::string bytes = wire::EncodeControlFrame(msg);
    Arm(ep, limits.handshake_timeout);
    auto [ec, n] = co_await asio::async_write(ep.stream, asio::buffer(bytes), kNoThrow);
    if (!ec) bytes_out.Add(static_cast<int64_t>(n));
  }

  awaitable<void> Serve(std::shared_ptr<Endpoint> ep) {
    boost::system::error_code ec;
    ep->peer = net::PeerAddress(ep->stream.lowest_layer().remote_endpoint(ec));
    Arm(*ep, limits.handshake_timeout);
    std::tie(ec) = co_await ep->stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
    if (ec) co_return;

    wire::Frame frame;
    if (!co_await ReadFrame(*ep, frame, limits.handshake_timeout)) co_return;
    auto msg = frame.header.channel == wire::Channel::kControl
                   ? wire::DecodeControl(frame.payload)
                   : Result<v1::ControlMessage>(MakeError("protocol", "expected Hello"));
    if (!msg || msg->msg_case() != v1::ControlMessage::kHello) {
      rejected.Add();
      co_await Send(*ep, ErrorMessage(v1::ERROR_CODE_PROTOCOL, "the first frame must be a Hello"));
      co_return;
    }
    const v1::Hello& hello = msg->hello();
    auto version = wire::NegotiateVersion(hello);
    if (!version) {
      rejected.Add();
      co_await Send(*ep, ErrorMessage(v1::ERROR_CODE_VERSION, version.error().message));
      co_return;
    }
    if (hello.role() != v1::ENDPOINT_ROLE_GUEST && hello.role() != v1::ENDPOINT_ROLE_HOST) {
      rejected.Add();
      co_await Send(*ep, ErrorMessage(v1::ERROR_CODE_PROTOCOL, "unknown endpoint role"));
      co_return;
    }
    v1::ControlMessage welcome;
    auto* w = welcome.mutable_welcome();
    w->set_protocol_version(*version);
    w->set_server(std::string("tetherd/") + TETHER_VERSION);
    w->set_heartbeat_seconds(limits.heartbeat_seconds);
    w->set_idle_timeout_seconds(static_cast<uint32_t>(limits.idle_timeout.count()));
    co_await Send(*ep, welcome);
    handshakes.Add();
    log->debug("endpoint {} from {} completed the handshake",
               hello.role() == v1::ENDPOINT_ROLE_GUEST ? "guest" : "host", ep->peer);

    while (co_await ReadFrame(*ep, frame, limits.idle_timeout)) {
      if (frame.header.channel != wire::Channel::kControl) {
        co_await Send(*ep, ErrorMessage(v1::ERROR_CODE_UNAVAILABLE, "session pairing is not available"));
        co_return;
      }
      auto m = wire::DecodeControl(frame.payload);
      if (!m) {
        rejected.Add();
        co_await Send(*ep, ErrorMessage(v1::ERROR_CODE_PROTOCOL, m.error().message));
        co_return;
      }
      if (m->msg_case() == v1::ControlMessage::kPing) {
        v1::ControlMessage pong;
        pong.mutable_pong()->set_nonce(m->ping().nonce());
        co_await Send(*ep, pong);
      } else if (m->msg_case() == v1::ControlMessage::kEndSession) {
        co_return;
      }
    }
  }
};

RelayServer::RelayServer(asio::io_context& io, Metrics& metrics, RelayLimits limits)
    : impl_(std::make_shared<Impl>(io, metrics, limits)) {}

RelayServer::~RelayServer() { Stop(); }

Status RelayServer::Start(const std::string& listen, const net::TlsMaterial& tls) {
  if (auto st = net::ConfigureServerContext(impl_->ssl_ctx.native_handle(), tls); !st) return st;
  auto addr = net::ParseListenAddress(listen);
  if (!addr) return addr.error();
  auto ep = net::ResolveListen(impl_->io, *addr);
  if (!ep) return ep.error();
  boost::system::error_code ec;
  auto& acc = impl_->acceptor;
  acc.open(ep->protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(*ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return MakeError("config", "cannot listen on " + listen + ": " + ec.message());
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
  std::vector<std::shared_ptr<Endpoint>> open;
  {
    std::lock_guard lock(impl->mu);
    if (impl->stopped) return;
    impl->stopped = true;
    open.assign(impl->endpoints.begin(), impl->endpoints.end());
  }
  asio::post(impl->acceptor.get_executor(), [impl] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
  });
  for (auto& ep : open) asio::post(ep->stream.get_executor(), [ep] { ep->Close(); });
}

}  // namespace tether::relay
