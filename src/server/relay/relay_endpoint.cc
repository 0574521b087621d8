#include "server/relay/relay_endpoint.h"

#include "base/agent_config.h"
#include "base/ed25519.h"
#include "server/relay/session_hub.h"
#include "wire/control.h"

namespace tether::relay {
namespace {

std::atomic<uint64_t> g_next_endpoint_id{1};
constexpr size_t kMaxJoinCode = 64;
constexpr size_t kMaxToken = 128;

std::span<const uint8_t> Payload(const net::FrameBytes& frame) {
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(frame->data()) + wire::kHeaderSize,
                                  frame->size() - wire::kHeaderSize);
}

}  // namespace

RelayEndpoint::RelayEndpoint(Relay& relay, std::shared_ptr<net::FrameLink> link,
                             std::optional<Admission> host)
    : relay_(relay), link_(std::move(link)), preauth_(std::move(host)), id_(g_next_endpoint_id++) {}

void RelayEndpoint::SendControl(const v1::ControlMessage& msg) {
  link_->Send(std::make_shared<const std::string>(wire::EncodeControlFrame(msg)));
}

void RelayEndpoint::Fail(v1::ErrorCode code, const std::string& message, v1::EndpointRole ended_by) {
  v1::ControlMessage m;
  m.mutable_error()->set_code(code);
  m.mutable_error()->set_message(message);
  m.mutable_error()->set_ended_by(ended_by);
  SendControl(m);
  link_->Close();
}

uint32_t RelayEndpoint::ReadLimit(uint8_t channel) {
  if (channel >= wire::kChannelCount) return 0;
  // Until the endpoint is in a session only the (small) control channel is read.
  if (state_.load(std::memory_order_acquire) != State::kAttached) {
    return channel == static_cast<uint8_t>(wire::Channel::kControl) ? wire::MaxPayload(wire::Channel::kControl) : 0;
  }
  return wire::MaxPayload(static_cast<wire::Channel>(channel));
}

void RelayEndpoint::OnFrame(const net::FrameBytes& frame) {
  auto header = wire::DecodeHeader(std::span<const uint8_t, wire::kHeaderSize>(
      reinterpret_cast<const uint8_t*>(frame->data()), wire::kHeaderSize));
  if (!header) return Fail(v1::ERROR_CODE_PROTOCOL, header.error().message);

  switch (state_.load(std::memory_order_acquire)) {
    case State::kAwaitHello: {
      if (header->channel != wire::Channel::kControl) {
        relay_.Counters().rejected.Add();
        return Fail(v1::ERROR_CODE_PROTOCOL, "the first frame must be a Hello");
      }
      auto msg = wire::DecodeControl(Payload(frame));
      if (!msg || !msg->has_hello()) {
        relay_.Counters().rejected.Add();
        return Fail(v1::ERROR_CODE_PROTOCOL, "the first frame must be a Hello");
      }
      return OnHello(msg->hello());
    }
    case State::kAdmitting:
      return Fail(v1::ERROR_CODE_PROTOCOL, "wait for the Welcome before sending");
    case State::kClosed:
      return;
    case State::kAttached:
      break;
  }

  if (header->channel == wire::Channel::kControl) {
    auto msg = wire::DecodeControl(Payload(frame));
    if (!msg) return Fail(v1::ERROR_CODE_PROTOCOL, msg.error().message);
    if (msg->has_ping()) {
      v1::ControlMessage pong;
      pong.mutable_pong()->set_nonce(msg->ping().nonce());
      return SendControl(pong);
    }
    if (msg->has_pong() || msg->has_hello()) return;
  }
  if (header->channel != wire::Channel::kVideo) NoteInput();
  hub_->Route(*this, *header, frame);
}

void RelayEndpoint::NoteInput() {
  last_input_.store(relay_.Time().Steady().time_since_epoch().count(), std::memory_order_relaxed);
}

void RelayEndpoint::OnHello(const v1::Hello& hello) {
  auto version = wire::NegotiateVersion(hello);
  if (!version) {
    relay_.Counters().rejected.Add();
    return Fail(v1::ERROR_CODE_VERSION, version.error().message);
  }
  role_ = hello.role();
  if (preauth_) {
    if (role_ != v1::ENDPOINT_ROLE_HOST) {
      relay_.Counters().rejected.Add();
      return Fail(v1::ERROR_CODE_PROTOCOL, "this connection is for hosts");
    }
    return Attach(*preauth_);
  }
  if (role_ != v1::ENDPOINT_ROLE_GUEST && role_ != v1::ENDPOINT_ROLE_HOST) {
    relay_.Counters().rejected.Add();
    return Fail(v1::ERROR_CODE_PROTOCOL, "unknown endpoint role");
  }
  const bool guest = role_ == v1::ENDPOINT_ROLE_GUEST;
  if (guest && (!hello.agent_key().empty() || !hello.install_token().empty())) return OnAgentHello(hello);
  // A guest comes with a join code, or with the join token of a signed agent configuration
  // (or, reconnecting, the resume token its Welcome gave it).
  const bool by_token = guest && (!hello.join_token().empty() || !hello.resume_token().empty());
  const std::string& secret = !guest     ? hello.token()
                              : by_token ? (hello.resume_token().empty() ? hello.join_token() : hello.resume_token())
                                         : hello.join_code();
  if (secret.empty() || secret.size() > (guest && !by_token ? kMaxJoinCode : kMaxToken)) {
    relay_.Counters().rejected.Add();
    return Fail(v1::ERROR_CODE_UNAUTHENTICATED,
                guest ? "a join code is required" : "a host token from the web server is required");
  }
  state_.store(State::kAdmitting, std::memory_order_release);
  std::weak_ptr<RelayEndpoint> weak = shared_from_this();
  auto done = [weak, guest, by_token](Result<Admission> r) {
    auto self = weak.lock();
    if (!self) return;
    const std::string refusal = r || by_token ? std::string()
                                : guest       ? "unknown or expired session code"
                                              : "unknown or expired host token";
    self->FinishAdmission(std::move(r), guest, refusal);
  };
  if (by_token) {
    relay_.Directory().AdmitGuestByToken(hello.resume_token().empty() ? secret : std::string(),
                                         hello.resume_token().empty() ? std::string() : secret,
                                         link_->PeerAddress(), std::move(done));
  } else if (guest) {
    relay_.Directory().AdmitGuest(secret, link_->PeerAddress(), std::move(done));
  } else {
    relay_.Directory().AdmitHost(secret, link_->PeerAddress(), std::move(done));
  }
}

// An access agent: it must prove, on this very connection, that it holds its private key
// (docs/protocol.md section 4.2.2) before the directory is asked anything.
void RelayEndpoint::OnAgentHello(const v1::Hello& hello) {
  const std::string binding = link_->ChannelBinding();
  const std::string& key_bytes = hello.agent_key();
  const std::string& signature = hello.agent_signature();
  Ed25519PublicKey key{};
  bool ok = !binding.empty() && key_bytes.size() == key.size() && signature.size() == kEd25519SignatureBytes &&
            hello.install_token().size() <= kMaxToken;
  if (ok) {
    std::copy(key_bytes.begin(), key_bytes.end(), key.begin());
    ok = Ed25519Verify(key, AgentIdentityMessage(binding),
                       std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(signature.data()), signature.size()));
  }
  if (!ok) {
    relay_.Counters().rejected.Add();
    return Fail(v1::ERROR_CODE_UNAUTHENTICATED, "the agent's identity could not be verified");
  }
  state_.store(State::kAdmitting, std::memory_order_release);
  std::weak_ptr<RelayEndpoint> weak = shared_from_this();
  if (hello.uninstall()) {
    if (!hello.install_token().empty()) return Fail(v1::ERROR_CODE_PROTOCOL, "uninstall takes no install token");
    relay_.Directory().AdmitAccessAgent(key_bytes, "", link_->PeerAddress(), [weak](Result<Admission> r) {
      auto self = weak.lock();
      if (!self || self->state_.load() != State::kAdmitting) return;
      if (!r) return self->FinishAdmission(std::move(r), true, "");
      self->state_.store(State::kClosed);
      self->relay_.Directory().AgentUninstalled(r->session_id);
      self->Fail(v1::ERROR_CODE_SESSION_ENDED, "the access agent was uninstalled; its session has ended");
    });
    return;
  }
  relay_.Directory().AdmitAccessAgent(key_bytes, hello.install_token(), link_->PeerAddress(),
                                      [weak](Result<Admission> r) {
                                        if (auto self = weak.lock()) self->FinishAdmission(std::move(r), true, "");
                                      });
}

void RelayEndpoint::FinishAdmission(Result<Admission> r, bool guest, const std::string& refusal) {
  if (state_.load() != State::kAdmitting) return;
  if (!r) {
    relay_.Counters().rejected.Add();
    state_.store(State::kClosed);
    return Fail(v1::ERROR_CODE_UNAUTHENTICATED, r.error().code == "rate_limited" ? "too many attempts; wait a minute"
                                                : refusal.empty()                ? r.error().message
                                                                                 : refusal);
  }
  if (guest) r->display_name = "guest";
  Attach(std::move(*r));
}

void RelayEndpoint::Attach(Admission admission) {
  std::lock_guard lock(attach_mu_);
  State s = state_.load();
  if (s == State::kClosed) return;  // closed while the admission was being checked
  admission_ = std::move(admission);
  if (!IsGuest() && IsMeeting()) admission_.view_only = true;  // meeting viewers watch
  view_only = admission_.view_only;
  NoteInput();  // the idle limit counts from the join
  hub_ = relay_.Hub(admission_);
  if (!state_.compare_exchange_strong(s, State::kAttached, std::memory_order_acq_rel)) {
    relay_.ReleaseIfEmpty(admission_.session_id);
    return;
  }
  relay_.Counters().handshakes.Add();

  v1::ControlMessage welcome;
  auto* w = welcome.mutable_welcome();
  w->set_protocol_version(wire::kProtocolVersion);
  w->set_server(std::string("tetherd/") + TETHER_VERSION);
  w->set_heartbeat_seconds(relay_.Options().heartbeat_seconds);
  w->set_idle_timeout_seconds(relay_.Options().idle_timeout_seconds);
  if (!admission_.resume_token.empty()) w->set_resume_token(admission_.resume_token);
  SendControl(welcome);
  v1::ControlMessage info;
  info.mutable_session_info()->set_session_id(admission_.session_id);
  info.mutable_session_info()->set_session_name(admission_.session_name);
  info.mutable_session_info()->set_endpoint_id(id_);
  info.mutable_session_info()->set_session_type(admission_.session_type);
  SendControl(info);
  hub_->Join(shared_from_this());
}

void RelayEndpoint::OnProtocolError(const std::string& message) {
  relay_.Counters().rejected.Add();
  Fail(v1::ERROR_CODE_PROTOCOL, message);
}

void RelayEndpoint::OnClosed() {
  std::lock_guard lock(attach_mu_);
  State previous = state_.exchange(State::kClosed);
  if (previous == State::kAttached && hub_) {
    hub_->Leave(shared_from_this());
    relay_.ReleaseIfEmpty(hub_->SessionId());
  }
}

}  // namespace tether::relay
