#include "agent/app/access_enrol.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "net/asio_util.h"
#include "net/tls.h"
#include "wire/control.h"
#include "wire/frame.h"

namespace tether::agent {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

Result<EnrolledSession> EnrolAccessAgent(const AgentConfig& installer, const Ed25519KeyPair& identity,
                                         std::chrono::seconds timeout) {
  auto addr = net::ParseListenAddress(installer.relay);
  if (!addr) return MakeError("unreachable", "relay address: " + addr.error().message);
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  (void)net::ConfigureClientContext(ctx.native_handle());
  asio::ssl::stream<tcp::socket> stream(io, ctx);
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(addr->host, std::to_string(addr->port), ec);
  if (ec) return MakeError("unreachable", "cannot resolve " + addr->host + ": " + ec.message());
  asio::connect(stream.lowest_layer(), endpoints, ec);
  if (ec) return MakeError("unreachable", "cannot connect to " + installer.relay + ": " + ec.message());
  // Every blocking read and write below gives up after `timeout`.
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  const int fd = stream.lowest_layer().native_handle();
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  SSL_set_tlsext_host_name(stream.native_handle(), addr->host.c_str());
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return MakeError("unreachable", "TLS handshake with " + installer.relay + " failed: " + ec.message());
  if (auto st = net::VerifyPeerPin(stream.native_handle(), installer.pin); !st) {
    return MakeError("pin", "refusing the server: " + st.error().message);
  }
  const std::string binding = net::ExportChannelBinding(stream.native_handle());
  if (binding.empty()) return MakeError("unreachable", "cannot export the TLS channel binding");

  v1::ControlMessage hello;
  auto* h = hello.mutable_hello();
  h->set_protocol_version(wire::kProtocolVersion);
  h->set_min_protocol_version(wire::kMinProtocolVersion);
  h->set_role(v1::ENDPOINT_ROLE_GUEST);
  h->set_software(std::string("tether-agent/") + TETHER_VERSION);
  const auto& key = identity.PublicKey();
  const auto signature = identity.Sign(AgentIdentityMessage(binding));
  h->set_agent_key(std::string(key.begin(), key.end()));
  h->set_agent_signature(std::string(signature.begin(), signature.end()));
  h->set_install_token(installer.join_token);
  asio::write(stream, asio::buffer(wire::EncodeControlFrame(hello)), ec);
  if (ec) return MakeError("unreachable", "cannot send to the relay: " + ec.message());

  // Welcome, then SessionInfo; or a SessionError.
  for (int frames = 0; frames < 16; ++frames) {
    std::array<uint8_t, wire::kHeaderSize> head{};
    asio::read(stream, asio::buffer(head), ec);
    if (ec) return MakeError("unreachable", "the relay closed the connection: " + ec.message());
    auto header = wire::DecodeHeader(head);
    if (!header || header->length > wire::MaxPayload(header->channel)) {
      return MakeError("unreachable", "bad frame from the relay");
    }
    std::string payload(header->length, '\0');
    asio::read(stream, asio::buffer(payload), ec);
    if (ec) return MakeError("unreachable", "the relay closed the connection: " + ec.message());
    if (header->channel != wire::Channel::kControl) continue;
    auto msg = wire::DecodeControl(Bytes(payload));
    if (!msg) return MakeError("unreachable", "bad message from the relay");
    if (msg->has_error()) return MakeError("refused", msg->error().message());
    if (msg->has_session_info()) {
      EnrolledSession out{msg->session_info().session_id(), msg->session_info().session_name()};
      stream.lowest_layer().close(ec);  // the service connects again with its key alone
      return out;
    }
  }
  return MakeError("unreachable", "the relay did not say which session it created");
}

}  // namespace tether::agent
