#pragma once
// Small Asio helpers shared by the listeners: running blocking work on the pool from a
// coroutine, parsing listen addresses, and naming a peer address.
#include <boost/asio.hpp>

#include <string>

#include "base/result.h"

namespace tether::net {

// Runs f() on `pool` and resumes the calling coroutine on its own executor with the result.
// Blocking work (SQLite, Argon2id) goes through here, never on a network thread.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F>> RunOnPool(boost::asio::thread_pool& pool, F f) {
  using R = std::invoke_result_t<F>;
  co_return co_await boost::asio::co_spawn(
      pool, [&f]() -> boost::asio::awaitable<R> { co_return f(); }, boost::asio::use_awaitable);
}

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};

// "0.0.0.0:8040", "[::]:8041", "127.0.0.1:0", "localhost:8040".
Result<ListenAddress> ParseListenAddress(const std::string& text);
// Resolves and binds an acceptor (SO_REUSEADDR, listen backlog).
Result<boost::asio::ip::tcp::endpoint> ResolveListen(boost::asio::io_context& io, const ListenAddress& a);

// Parses, resolves, opens, binds and listens `acceptor` on `listen` (HOST:PORT). The error
// names the address, e.g. "cannot listen on 0.0.0.0:8040: Address already in use".
Status Listen(boost::asio::ip::tcp::acceptor& acceptor, const std::string& listen);

// The peer's address as text, with IPv4-mapped IPv6 shown as IPv4.
std::string PeerAddress(const boost::asio::ip::tcp::endpoint& ep);

}  // namespace tether::net
