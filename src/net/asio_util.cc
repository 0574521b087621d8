#include "net/asio_util.h"

#include <charconv>

namespace tether::net {

Result<ListenAddress> ParseListenAddress(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return MakeError("config", "'" + text + "' is not HOST:PORT");
  }
  ListenAddress a;
  a.host = text.substr(0, colon);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') {
    a.host = a.host.substr(1, a.host.size() - 2);
  }
  std::string port = text.substr(colon + 1);
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || p != port.data() + port.size() || value > 65535 || port.empty()) {
    return MakeError("config", "'" + port + "' is not a port number (0-65535)");
  }
  a.port = static_cast<uint16_t>(value);
  return a;
}

Result<boost::asio::ip::tcp::endpoint> ResolveListen(boost::asio::io_context& io,
                                                    const ListenAddress& a) {
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(a.host, ec);
  if (!ec) return boost::asio::ip::tcp::endpoint(addr, a.port);
  boost::asio::ip::tcp::resolver resolver(io);
  auto results = resolver.resolve(a.host, std::to_string(a.port), ec);
  if (ec || results.empty()) return MakeError("config", "cannot resolve '" + a.host + "'");
  return results.begin()->endpoint();
}

Status Listen(boost::asio::ip::tcp::acceptor& acceptor, const std::string& listen) {
  auto addr = ParseListenAddress(listen);
  if (!addr) return addr.error();
  auto ep = ResolveListen(static_cast<boost::asio::io_context&>(acceptor.get_executor().context()), *addr);
  if (!ep) return ep.error();
  boost::system::error_code ec;
  acceptor.open(ep->protocol(), ec);
  if (!ec) acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*ep, ec);
  if (!ec) acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) return MakeError("config", "cannot listen on " + listen + ": " + ec.message());
  return {};
}

std::string PeerAddress(const boost::asio::ip::tcp::endpoint& ep) {
  auto addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6()).to_string();
  }
  return addr.to_string();
}

}  // namespace tether::net
