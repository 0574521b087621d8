#include "agent/app/access_enrol.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <condition_variable>
#include <mutex>
#include <thread>

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

// Shuts the socket down when `timeout` passes before it is destroyed, so that no blocking TLS
// read or write can outlast it (Asio's blocking calls wait on poll() without a limit).
class Watchdog {
 public:
  Watchdog(int fd, std::chrono::seconds timeout)
      : thread_([this, fd, timeout] {
          std::unique_lock lock(mu_);
          if (!cv_.wait_for(lock, timeout, [this] { return done_; })) ::shutdown(fd, SHUT_RDWR);
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// One connection as this agent: connects (each step gives up after `timeout`), checks the pin,
// completes `hello` with the version, role and key proof, and returns the relay's SessionInfo
// or SessionError.
Result<v1::ControlMessage> AgentHandshake(const std::string& relay, const std::string& pin,
                                          const Ed25519KeyPair& identity, v1::ControlMessage hello,
                                          std::chrono::seconds timeout) {
  auto addr = net::ParseListenAddress(relay);
  if (!addr) return MakeError("unreachable", "relay address: " + addr.error().message);
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  (void)net::ConfigureClientContext(ctx.native_handle());
  asio::ssl::stream<tcp::socket> stream(io, ctx);
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(addr->host, std::to_string(addr->port), ec);
  if (ec) return MakeError("unreachable", "cannot resolve " + addr->host + ": " + ec.message());
  // Every blocking connect, read and write below gives up after `timeout`.
  const timeval tv{static_cast<time_t>(timeout.count()), 0};
  ec = asio::error::host_not_found;
  for (const auto& e : endpoints) {
    boost::system::error_code ignored;
    stream.lowest_layer().close(ignored);
    stream.lowest_layer().open(e.endpoint().protocol(), ec);
    if (ec) continue;
    const int fd = stream.lowest_layer().native_handle();
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    stream.lowest_layer().connect(e.endpoint(), ec);
    if (!ec) break;
  }
  if (ec) return MakeError("unreachable", "cannot connect to " + relay + ": " + ec.message());
  Watchdog watchdog(stream.lowest_layer().native_handle(), timeout);
  SSL_set_tlsext_host_name(stream.native_handle(), addr->host.c_str());
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return MakeError("unreachable", "TLS handshake with " + relay + " failed: " + ec.message());
  if (auto st = net::VerifyPeerPin(stream.native_handle(), pin); !st) {
    return MakeError("pin", "refusing the server: " + st.error().message);
  }
  const std::string binding = net::ExportChannelBinding(stream.native_handle());
  if (binding.empty()) return MakeError("unreachable", "cannot export the TLS channel binding");

  auto* h = hello.mutable_hello();
  h->set_protocol_version(wire::kProtocolVersion);
  h->set_min_protocol_version(wire::kMinProtocolVersion);
  h->set_role(v1::ENDPOINT_ROLE_GUEST);
  h->set_software(std::string("tether-agent/") + TETHER_VERSION);
  const auto& key = identity.PublicKey();
  const auto signature = identity.Sign(AgentIdentityMessage(binding));
  h->set_agent_key(std::string(key.begin(), key.end()));
  h->set_agent_signature(std::string(signature.begin(), signature.end()));
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
    if (msg->has_error() || msg->has_session_info()) {
      stream.lowest_layer().close(ec);
      return std::move(*msg);
    }
  }
  return MakeError("unreachable", "the relay did not say which session it is");
}

}  // namespace

Result<EnrolledSession> EnrolAccessAgent(const AgentConfig& installer, const Ed25519KeyPair& identity,
                                         std::chrono::seconds timeout) {
  v1::ControlMessage hello;
  hello.mutable_hello()->set_install_token(installer.join_token);
  auto answer = AgentHandshake(installer.relay, installer.pin, identity, std::move(hello), timeout);
  if (!answer) return answer.error();
  if (answer->has_error()) return MakeError("refused", answer->error().message());
  // The service connects again with its key alone.
  return EnrolledSession{answer->session_info().session_id(), answer->session_info().session_name()};
}

Status NotifyUninstalled(const Enrolment& enrolment, const Ed25519KeyPair& identity, std::chrono::seconds timeout) {
  v1::ControlMessage hello;
  hello.mutable_hello()->set_uninstall(true);
  auto answer = AgentHandshake(enrolment.relay, enrolment.pin, identity, std::move(hello), timeout);
  if (!answer) return answer.error();
  if (answer->has_error() && answer->error().code() == v1::ERROR_CODE_SESSION_ENDED) return {};
  return MakeError("refused", answer->has_error() ? answer->error().message()
                                                  : "the server does not know uninstalled agents");
}

}  // namespace tether::agent
