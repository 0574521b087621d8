#include "server/relay/relay_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <mutex>
#include <set>

#include "base/log.h"
#include "net/asio_util.h"
#include "net/send_queue.h"
#include "server/relay/relay.h"
#include "wire/frame.h"

namespace tether::relay {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

// One TLS connection carrying frames. Reads on its strand in one coroutine; writes are queued
// from any thread and drained by a second coroutine, one gathered write at a time.
class TlsLink final : public net::FrameLink, public std::enable_shared_from_this<TlsLink> {
 public:
  TlsLink(tcp::socket sock, asio::ssl::context& ctx, Metric& bytes_in, Metric& bytes_out)
      : stream_(std::move(sock), ctx), deadline_(stream_.get_executor()),
        wake_(stream_.get_executor()), bytes_in_(bytes_in), bytes_out_(bytes_out) {
    boost::system::error_code ec;
    peer_ = net::PeerAddress(stream_.lowest_layer().remote_endpoint(ec));
    wake_.expires_at(std::chrono::steady_clock::time_point::max());
  }

  net::SendResult Send(net::FrameBytes frame) override {
    const auto kind = static_cast<net::FrameKind>(wire::QueueKindOf(*frame));
    std::lock_guard lock(mu_);
    if (closed_) return net::SendResult::kClosed;
    auto r = queue_.Push(std::move(frame), kind);
    if (r == net::SendResult::kClosed) {
      CloseLocked();  // the peer does not read: give up on it
    } else {
      asio::post(stream_.get_executor(), [self = shared_from_this()] { self->wake_.cancel(); });
    }
    return r;
  }

  void Close() override {
    std::lock_guard lock(mu_);
    CloseLocked();
  }

  const std::string& PeerAddress() const override { return peer_; }
  asio::any_io_executor Executor() { return stream_.get_executor(); }

  void Abort() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->Shutdown(); });
  }

  awaitable<void> Run(std::shared_ptr<net::FrameSink> sink, RelayLimits limits) {
    auto self = shared_from_this();
    Arm(limits.handshake_timeout);
    auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kNoThrow);
    if (ec) {
      Shutdown();
      co_return;
    }
    asio::co_spawn(stream_.get_executor(), WriteLoop(), asio::detached);
    bool first = true;
    std::array<uint8_t, wire::kHeaderSize> head{};
    while (true) {
      Arm(first ? limits.handshake_timeout : limits.idle_timeout);
      auto [rec, n] = co_await asio::async_read(stream_, asio::buffer(head), kNoThrow);
      if (rec) break;
      auto header = wire::DecodeHeader(head);
      // Before the handshake only control frames are read, so nobody gets 8 MiB buffers
      // without a session.
      if (!header) {
        sink->OnProtocolError(header.error().message);
        break;
      }
      if (header->length > sink->ReadLimit(static_cast<uint8_t>(header->channel))) {
        sink->OnProtocolError(first ? "the first frame must be a Hello"
                                    : "frame not allowed on this connection now");
        break;
      }
      auto frame = std::make_shared<std::string>(wire::kHeaderSize + header->length, '\0');
      std::memcpy(frame->data(), head.data(), wire::kHeaderSize);
      std::tie(rec, n) = co_await asio::async_read(
          stream_, asio::buffer(frame->data() + wire::kHeaderSize, header->length), kNoThrow);
      if (rec) break;
      bytes_in_.Add(static_cast<int64_t>(frame->size()));
      first = false;
      sink->OnFrame(frame);
      if (IsClosed()) break;
    }
    sink->OnClosed();
    Close();
  }

 private:
  awaitable<void> WriteLoop() {
    auto self = shared_from_this();
    std::vector<net::FrameBytes> batch;
    std::vector<asio::const_buffer> buffers;
    while (true) {
      {
        std::lock_guard lock(mu_);
        queue_.TakeBatch(batch, 64, 256 * 1024);
        if (batch.empty() && closed_) break;
      }
      if (batch.empty()) {
        co_await wake_.async_wait(kNoThrow);  // cancelled by Send/Close
        continue;
      }
      buffers.clear();
      for (auto& f : batch) buffers.emplace_back(f->data(), f->size());
      auto [ec, n] = co_await asio::async_write(stream_, buffers, kNoThrow);
      batch.clear();
      if (ec) break;
      bytes_out_.Add(static_cast<int64_t>(n));
    }
    Shutdown();
  }

  void CloseLocked() {
    if (closed_) return;
    closed_ = true;
    // Let the write loop flush what is queued, then shut down; a stuck peer is cut after 2 s.
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->wake_.cancel();
      self->Arm(std::chrono::seconds(2));
    });
  }

  bool IsClosed() {
    std::lock_guard lock(mu_);
    return closed_;
  }

  void Arm(std::chrono::steady_clock::duration d) {
    deadline_.expires_after(d);
    deadline_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->Shutdown();
    });
  }

  void Shutdown() {
    boost::system::error_code ec;
    stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
    stream_.lowest_layer().close(ec);
    deadline_.cancel();
    wake_.cancel();
    std::lock_guard lock(mu_);
    closed_ = true;
  }

  asio::ssl::stream<tcp::socket> stream_;
  asio::steady_timer deadline_;
  asio::steady_timer wake_;
  Metric& bytes_in_;
  Metric& bytes_out_;
  std::string peer_;
  std::mutex mu_;
  net::SendQueue queue_;
  bool closed_ = false;
};

}  // namespace

struct RelayServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, Relay& relay, Metrics& metrics, RelayLimits limits)
      : io(io), relay(relay), limits(limits), acceptor(io), ssl_ctx(asio::ssl::context::tls_server),
        accepted(metrics.Counter("tether_relay_connections_total", "Relay connections accepted")),
        active(metrics.Gauge("tether_relay_connections_active", "Relay connections open")),
        bytes_in(metrics.Counter("tether_relay_bytes_received_total", "Bytes received by the relay")),
        bytes_out(metrics.Counter("tether_relay_bytes_sent_total", "Bytes sent by the relay")) {}

  asio::io_context& io;
  Relay& relay;
  RelayLimits limits;
  tcp::acceptor acceptor;
  asio::ssl::context ssl_ctx;
  Metric& accepted;
  Metric& active;
  Metric& bytes_in;
  Metric& bytes_out;
  std::mutex mu;
  std::set<std::shared_ptr<TlsLink>> links;
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
      auto link = std::make_shared<TlsLink>(std::move(sock), ssl_ctx, bytes_in, bytes_out);
      {
        std::lock_guard lock(mu);
        if (stopped || links.size() >= limits.max_connections) continue;
        links.insert(link);
      }
      accepted.Add();
      active.Add(1);
      auto sink = relay.Accept(link, std::nullopt);
      asio::co_spawn(link->Executor(), link->Run(sink, limits), [self, link](std::exception_ptr) {
        std::lock_guard lock(self->mu);
        self->links.erase(link);
        self->active.Add(-1);
      });
    }
  }
};

RelayServer::RelayServer(asio::io_context& io, Relay& relay, Metrics& metrics, RelayLimits limits)
    : impl_(std::make_shared<Impl>(io, relay, metrics, limits)) {}

RelayServer::~RelayServer() { Stop(); }

Status RelayServer::Start(const std::string& listen, const net::TlsMaterial& tls) {
  if (auto st = net::ConfigureServerContext(impl_->ssl_ctx.native_handle(), tls); !st) return st;
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
  std::vector<std::shared_ptr<TlsLink>> open;
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
}

}  // namespace tether::relay
