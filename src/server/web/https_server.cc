#include "server/web/https_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <mutex>
#include <set>

#include "base/log.h"
#include "net/asio_util.h"
#include "net/ip_access.h"
#include "net/send_queue.h"
#include "wire/frame.h"

namespace tether::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::awaitable;
using asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

struct Connection {
  explicit Connection(tcp::socket sock, asio::ssl::context& ctx) : stream(std::move(sock), ctx) {}
  beast::ssl_stream<beast::tcp_stream> stream;
};

// A browser viewer's WebSocket carrying one Tether frame per binary message. Reads in one
// coroutine, writes queued from any thread and drained by a second, both on the socket's strand.
class WsLink final : public net::FrameLink, public std::enable_shared_from_this<WsLink> {
 public:
  WsLink(beast::ssl_stream<beast::tcp_stream>&& stream, std::string peer)
      : ws_(std::move(stream)), wake_(ws_.get_executor()), peer_(std::move(peer)) {
    wake_.expires_at(std::chrono::steady_clock::time_point::max());
  }

  net::SendResult Send(net::FrameBytes frame) override {
    const auto kind = static_cast<net::FrameKind>(wire::QueueKindOf(*frame));
    std::lock_guard lock(mu_);
    if (closed_) return net::SendResult::kClosed;
    auto r = queue_.Push(std::move(frame), kind);
    if (r == net::SendResult::kClosed) closed_ = true;
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->wake_.cancel(); });
    return r;
  }

  void Close() override {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->wake_.cancel(); });
  }

  const std::string& PeerAddress() const override { return peer_; }

  void Abort() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ec;
      beast::get_lowest_layer(self->ws_).socket().close(ec);
      self->wake_.cancel();
    });
  }

  awaitable<void> Run(std::shared_ptr<net::FrameSink> sink, http::request<http::string_body> req) {
    auto self = shared_from_this();
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout t{std::chrono::seconds(10), std::chrono::seconds(60), true};
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "tetherd"); }));
    // A host sends input, acks and control, and at most a clipboard's worth in one frame.
    ws_.read_message_max(wire::kHeaderSize + wire::MaxPayload(wire::Channel::kClipboard));
    ws_.binary(true);
    ws_.auto_fragment(false);  // one frame per message, written in one piece
    auto [ec] = co_await ws_.async_accept(req, kNoThrow);
    if (ec) {  // the upgrade failed: the sink still hears that the link is gone, as its last call
      sink->OnClosed();
      Close();
      co_return;
    }
    asio::co_spawn(ws_.get_executor(), WriteLoop(), asio::detached);
    beast::flat_buffer buffer;
    while (true) {
      std::size_t n = 0;
      std::tie(ec, n) = co_await ws_.async_read(buffer, kNoThrow);
      if (ec) break;
      if (!ws_.got_binary() || buffer.size() < wire::kHeaderSize) {
        sink->OnProtocolError("expected one binary frame per WebSocket message");
        break;
      }
      auto data = static_cast<const uint8_t*>(buffer.data().data());
      auto header = wire::DecodeHeader(std::span<const uint8_t, wire::kHeaderSize>(data, wire::kHeaderSize));
      if (!header || header->length != buffer.size() - wire::kHeaderSize) {
        sink->OnProtocolError(header ? "frame length does not match the message" : header.error().message);
        break;
      }
      if (header->length > sink->ReadLimit(static_cast<uint8_t>(header->channel))) {
        sink->OnProtocolError("frame not allowed on this connection now");
        break;
      }
      auto frame = std::make_shared<const std::string>(reinterpret_cast<const char*>(data), buffer.size());
      buffer.consume(buffer.size());
      sink->OnFrame(frame);
      std::lock_guard lock(mu_);
      if (closed_) break;
    }
    sink->OnClosed();
    Close();
  }

 private:
  awaitable<void> WriteLoop() {
    auto self = shared_from_this();
    std::vector<net::FrameBytes> batch;
    while (true) {
      bool closing = false;
      {
        std::lock_guard lock(mu_);
        queue_.TakeBatch(batch, 1, SIZE_MAX);
        closing = closed_;
      }
      if (batch.empty()) {
        if (closing) break;
        co_await wake_.async_wait(kNoThrow);
        continue;
      }
      auto [ec, n] = co_await ws_.async_write(asio::buffer(*batch.front()), kNoThrow);
      batch.clear();
      if (ec) {
        Close();
        co_return;
      }
    }
    // Flushed: say goodbye properly; the read loop then ends.
    co_await ws_.async_close(websocket::close_code::normal, kNoThrow);
  }

  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_;
  asio::steady_timer wake_;
  std::string peer_;
  std::mutex mu_;
  net::SendQueue queue_;
  bool closed_ = false;
};

HttpRequest ToRequest(const http::request<http::string_body>& in, const std::string& peer) {
  HttpRequest r;
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  SplitTarget(r);
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, inserted] = r.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  r.body = in.body();
  r.peer_addr = peer;
  r.remote_addr = peer;
  return r;
}

http::response<http::string_body> ToBeast(HttpResponse&& in, unsigned version, bool keep_alive,
                                          bool head) {
  http::response<http::string_body> out{static_cast<http::status>(in.status), version};
  for (auto& [n, v] : in.headers) out.set(n, v);
  out.set(http::field::server, "tetherd");
  out.body() = std::move(in.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  if (head) out.body().clear();  // Content-Length stays that of the GET response
  return out;
}

}  // namespace

struct HttpsServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, asio::thread_pool& pool, WebApp& app, HostGateway& gateway,
       Metrics& metrics, HttpLimits limits)
      : io(io), pool(pool), app(app), gateway(gateway), limits(limits), acceptor(io),
        ssl_ctx(asio::ssl::context::tls_server),
        accepted(metrics.Counter("tether_web_connections_total", "Web connections accepted")),
        active(metrics.Gauge("tether_web_connections_active", "Web connections open")),
        // Browser viewers are relay endpoints too: counted with the relay's connections.
        ws_accepted(metrics.Counter("tether_relay_connections_total{transport=\"websocket\"}",
                                    "Relay connections accepted")),
        ws_active(metrics.Gauge("tether_relay_connections_active{transport=\"websocket\"}", "Relay connections open")) {}

  asio::io_context& io;
  asio::thread_pool& pool;
  WebApp& app;
  HostGateway& gateway;
  HttpLimits limits;
  tcp::acceptor acceptor;
  asio::ssl::context ssl_ctx;
  Metric& accepted;
  Metric& active;
  Metric& ws_accepted;
  Metric& ws_active;
  std::mutex mu;
  std::set<std::shared_ptr<Connection>> connections;
  std::set<std::shared_ptr<WsLink>> ws_links;
  bool stopped = false;
  std::shared_ptr<spdlog::logger> log = Log("web");

  awaitable<void> AcceptLoop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      auto [ec, sock] = co_await acceptor.async_accept(asio::make_strand(io), kNoThrow);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        log->warn("accept failed: {}", ec.message());
        continue;
      }
      // Answers leave at once: with Nagle's algorithm the last segment of a larger answer (a
      // page of the session list) waited for the client's delayed ACK, about 40 ms.
      boost::system::error_code nodelay_ec;
      sock.set_option(tcp::no_delay(true), nodelay_ec);
      auto conn = std::make_shared<Connection>(std::move(sock), ssl_ctx);
      {
        std::lock_guard lock(mu);
        if (stopped || connections.size() >= limits.max_connections) continue;  // drops the socket
        connections.insert(conn);
      }
      accepted.Add();
      active.Add(1);
      auto ex = conn->stream.get_executor();
      asio::co_spawn(ex, Serve(conn), [self, conn](std::exception_ptr) {
        std::lock_guard lock(self->mu);
        self->connections.erase(conn);
        self->active.Add(-1);
      });
    }
  }

  awaitable<void> ServeWebSocket(std::shared_ptr<Connection> conn, http::request<http::string_body> req,
                                 HostGrant grant, std::string peer) {
    std::shared_ptr<WsLink> link;
    {
      // From here the socket belongs to the link: Stop() must reach it through ws_links.
      std::lock_guard lock(mu);
      if (stopped) co_return;
      connections.erase(conn);
      link = std::make_shared<WsLink>(std::move(conn->stream), peer);
      ws_links.insert(link);
    }
    ws_accepted.Add();
    ws_active.Add(1);
    auto sink = gateway.AttachHost(grant, link);
    co_await link->Run(sink, std::move(req));
    ws_active.Add(-1);
    std::lock_guard lock(mu);
    ws_links.erase(link);
  }

  awaitable<void> Serve(std::shared_ptr<Connection> conn) {
    auto& stream = conn->stream;
    auto& tcp_layer = beast::get_lowest_layer(stream);
    boost::system::error_code ec;
    std::string peer = net::PeerAddress(tcp_layer.socket().remote_endpoint(ec));
    tcp_layer.expires_after(limits.handshake_timeout);
    std::tie(ec) = co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
    if (ec) co_return;  // scanners, TLS 1.1 clients, timeouts: nothing to log at info

    beast::flat_buffer buffer;
    while (true) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(limits.header_bytes));
      parser.body_limit(limits.body_bytes);
      // The idle timeout covers waiting for a request; once one is under way, the read timeout.
      tcp_layer.expires_after(limits.idle_timeout);
      std::size_t n = 0;
      std::tie(ec, n) = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
      if (!ec) {
        tcp_layer.expires_after(limits.read_timeout);
        std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kNoThrow);
      }
      if (ec) {
        int status = 0;
        if (ec == http::error::body_limit) status = 413;
        else if (ec == http::error::header_limit) status = 431;
        else if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
                 ec != asio::error::operation_aborted && ec != asio::ssl::error::stream_truncated &&
                 ec != asio::error::eof && ec != asio::error::connection_reset) {
          status = 400;
        }
        if (status != 0) {
          auto resp = status == 413 ? HttpResponse::Error(413, "too_large", "request too large")
                      : status == 431 ? HttpResponse::Error(431, "too_large", "request headers too large")
                                      : HttpResponse::Error(400, "bad_request", "malformed HTTP request");
          AddSecurityHeaders(resp, limits.hsts);
          auto out = ToBeast(std::move(resp), 11, false, false);
          tcp_layer.expires_after(limits.read_timeout);
          co_await http::async_write(stream, out, kNoThrow);
        }
        break;
      }
      const auto& req = parser.get();
      HttpRequest request = ToRequest(req, peer);
      // Behind a trusted reverse proxy (security.ip.trusted_proxies, as in force now) the client
      // is named in X-Forwarded-For; otherwise the header is the client's own claim and is ignored.
      request.remote_addr = app.ClientAddressOf(request);
      if (websocket::is_upgrade(req)) {
        auto decision = co_await net::RunOnPool(pool, [&] { return app.AuthorizeUpgrade(request); });
        if (!decision.grant) {
          auto out = ToBeast(std::move(decision.response), req.version(), false, false);
          tcp_layer.expires_after(limits.read_timeout);
          co_await http::async_write(stream, out, kNoThrow);
          break;
        }
        co_await ServeWebSocket(conn, parser.release(), *decision.grant, request.remote_addr);
        co_return;
      }
      HttpResponse response = co_await net::RunOnPool(pool, [&] { return app.Handle(request); });
      auto out = ToBeast(std::move(response), req.version(), req.keep_alive(), req.method() == http::verb::head);
      tcp_layer.expires_after(limits.read_timeout);
      std::tie(ec, n) = co_await http::async_write(stream, out, kNoThrow);
      if (ec || !out.keep_alive()) break;
    }
    tcp_layer.expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(kNoThrow);
  }
};

HttpsServer::HttpsServer(asio::io_context& io, asio::thread_pool& pool, WebApp& app,
                         HostGateway& gateway, Metrics& metrics, HttpLimits limits)
    : impl_(std::make_shared<Impl>(io, pool, app, gateway, metrics, limits)) {}

HttpsServer::~HttpsServer() { Stop(); }

Status HttpsServer::Start(const std::string& listen, const net::TlsMaterial& tls) {
  if (auto st = net::ConfigureServerContext(impl_->ssl_ctx.native_handle(), tls); !st) return st;
  auto& acc = impl_->acceptor;
  if (auto st = net::Listen(acc, listen); !st) return st;
  asio::co_spawn(acc.get_executor(), impl_->AcceptLoop(), asio::detached);
  return {};
}

uint16_t HttpsServer::Port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

bool HttpsServer::Running() const { return impl_->acceptor.is_open(); }

void HttpsServer::Stop() {
  auto impl = impl_;
  std::vector<std::shared_ptr<Connection>> open;
  std::vector<std::shared_ptr<WsLink>> ws;
  {
    std::lock_guard lock(impl->mu);
    if (impl->stopped) return;
    impl->stopped = true;
    open.assign(impl->connections.begin(), impl->connections.end());
    ws.assign(impl->ws_links.begin(), impl->ws_links.end());
  }
  for (auto& link : ws) link->Abort();
  asio::post(impl->acceptor.get_executor(), [impl] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
  });
  for (auto& c : open) {
    asio::post(c->stream.get_executor(), [c] {
      boost::system::error_code ec;
      beast::get_lowest_layer(c->stream).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(c->stream).socket().close(ec);
    });
  }
}

}  // namespace tether::web
