#include "net/local_json_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>

#include <mutex>
#include <set>

#include "base/log.h"
#include "net/asio_util.h"

namespace tether::net {

namespace asio = boost::asio;
using asio::awaitable;
using Local = asio::local::stream_protocol;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct LocalJsonServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, asio::thread_pool& pool, Handler handler, size_t max_line)
      : io(io), pool(pool), handler(std::move(handler)), max_line(max_line), acceptor(io) {}

  asio::io_context& io;
  asio::thread_pool& pool;
  Handler handler;
  size_t max_line;
  Local::acceptor acceptor;
  std::filesystem::path path;
  std::mutex mu;
  std::set<std::shared_ptr<Local::socket>> sockets;
  bool stopped = false;
  std::shared_ptr<spdlog::logger> log = Log("manager");

  awaitable<void> AcceptLoop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      auto [ec, sock] = co_await acceptor.async_accept(asio::make_strand(io), kNoThrow);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;
      }
      ucred cred{};
      socklen_t len = sizeof cred;
      if (::getsockopt(sock.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
          (cred.uid != 0 && cred.uid != ::getuid())) {
        log->warn("local API: refused a connection from uid {}", static_cast<int>(cred.uid));
        continue;  // closes the socket
      }
      auto s = std::make_shared<Local::socket>(std::move(sock));
      {
        std::lock_guard lock(mu);
        if (stopped) continue;
        sockets.insert(s);
      }
      LocalPeerCred peer{static_cast<int>(cred.uid), static_cast<int>(cred.pid)};
      asio::co_spawn(s->get_executor(), Serve(s, peer), [self, s](std::exception_ptr) {
        std::lock_guard lock(self->mu);
        self->sockets.erase(s);
      });
    }
  }

  awaitable<void> Serve(std::shared_ptr<Local::socket> s, LocalPeerCred peer) {
    std::string buf;
    asio::steady_timer idle(s->get_executor());
    while (true) {
      idle.expires_after(std::chrono::minutes(5));
      idle.async_wait([s](boost::system::error_code ec) {
        if (!ec) s->close(ec);
      });
      auto [ec, n] = co_await asio::async_read_until(
          *s, asio::dynamic_buffer(buf, max_line + 1), '\n', kNoThrow);
      idle.cancel();
      std::string response;
      if (ec == asio::error::not_found) {
        response = R"({"ok":false,"error":"too_large","message":"request line too long"})";
        response += '\n';
        co_await asio::async_write(*s, asio::buffer(response), kNoThrow);
        co_return;
      }
      if (ec) co_return;
      std::string line = buf.substr(0, n - 1);
      buf.erase(0, n);
      response = co_await RunOnPool(pool, [&] { return handler(line, peer); });
      response += '\n';
      std::tie(ec, n) = co_await asio::async_write(*s, asio::buffer(response), kNoThrow);
      if (ec) co_return;
    }
  }
};

LocalJsonServer::LocalJsonServer(asio::io_context& io, asio::thread_pool& pool, Handler handler,
                                 size_t max_line_bytes)
    : impl_(std::make_shared<Impl>(io, pool, std::move(handler), max_line_bytes)) {}

LocalJsonServer::~LocalJsonServer() { Stop(); }

Status LocalJsonServer::Start(const std::filesystem::path& socket_path) {
  impl_->path = socket_path;
  std::error_code fec;
  if (std::filesystem::is_socket(socket_path, fec)) {
    // A live tetherd answers on it; a stale file from a crash does not.
    Local::socket probe(impl_->io);
    boost::system::error_code ec;
    probe.connect(Local::endpoint(socket_path.string()), ec);
    if (!ec) return MakeError("config", "another tetherd is running with this data directory (" + socket_path.string() + ")");
    std::filesystem::remove(socket_path, fec);
  } else if (std::filesystem::exists(socket_path, fec)) {
    return MakeError("config", socket_path.string() + " exists and is not a socket");
  }
  boost::system::error_code ec;
  auto& acc = impl_->acceptor;
  acc.open(Local(), ec);
  if (!ec) {
    mode_t old = ::umask(0177);  // the socket file is created 0600
    acc.bind(Local::endpoint(socket_path.string()), ec);
    ::umask(old);
  }
  if (!ec) acc.listen(64, ec);
  if (ec) return MakeError("config", "cannot listen on " + socket_path.string() + ": " + ec.message());
  ::chmod(socket_path.c_str(), 0600);
  asio::co_spawn(acc.get_executor(), impl_->AcceptLoop(), asio::detached);
  return {};
}

bool LocalJsonServer::Running() const { return impl_->acceptor.is_open(); }

void LocalJsonServer::Stop() {
  auto impl = impl_;
  std::vector<std::shared_ptr<Local::socket>> open;
  {
    std::lock_guard lock(impl->mu);
    if (impl->stopped) return;
    impl->stopped = true;
    open.assign(impl->sockets.begin(), impl->sockets.end());
  }
  asio::post(impl->acceptor.get_executor(), [impl] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    std::error_code fec;
    if (!impl->path.empty()) std::filesystem::remove(impl->path, fec);
  });
  for (auto& s : open) {
    asio::post(s->get_executor(), [s] {
      boost::system::error_code ec;
      s->close(ec);
    });
  }
}

}  // namespace tether::net
