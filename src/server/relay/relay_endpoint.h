#pragma once
// RelayEndpoint: the Relay's side of one connection. Runs the handshake (Hello -> Welcome or
// SessionError), then hands every frame to its session's hub. OnFrame runs on the link's
// strand; admission callbacks may arrive on a pool thread, so the state is atomic and the hub
// pointer is published before the state changes.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "net/frame_link.h"
#include "server/relay/relay.h"
#include "tether/v1/control.pb.h"

namespace tether::relay {

class SessionHub;

class RelayEndpoint final : public net::FrameSink,
                            public std::enable_shared_from_this<RelayEndpoint> {
 public:
  enum class State { kAwaitHello, kAdmitting, kAttached, kClosed };

  RelayEndpoint(Relay& relay, std::shared_ptr<net::FrameLink> link, std::optional<Admission> host);

  uint32_t ReadLimit(uint8_t channel) override;
  void OnFrame(const net::FrameBytes& frame) override;
  void OnProtocolError(const std::string& message) override;
  void OnClosed() override;

  // For the hub.
  uint64_t Id() const { return id_; }
  bool IsGuest() const { return role_ == v1::ENDPOINT_ROLE_GUEST; }
  const std::string& DisplayName() const { return admission_.display_name; }
  // Whether the endpoint was admitted without the right to control (hosts).
  bool AdmittedViewOnly() const { return admission_.view_only; }
  net::SendResult Send(net::FrameBytes frame) { return link_->Send(std::move(frame)); }
  const std::string& PeerAddress() const { return link_->PeerAddress(); }
  void SendControl(const v1::ControlMessage& msg);
  bool ConsentRequired() const { return admission_.consent_required; }
  const Admission& Admitted() const { return admission_; }
  // Steady time (clock ticks) of the host's last input: any frame a person caused (input,
  // clipboard, chat, files, control other than keep-alives); video acks do not count.
  std::chrono::steady_clock::time_point LastInput() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(last_input_.load(std::memory_order_relaxed)));
  }
  bool IsMeeting() const { return admission_.session_type == "meeting"; }
  bool MayEndSession() const { return admission_.may_end_session; }
  bool MayTransferFiles() const { return admission_.may_transfer_files; }
  // Sends a SessionError (with `ended_by` for SESSION_ENDED) and closes the link.
  void Fail(v1::ErrorCode code, const std::string& message,
            v1::EndpointRole ended_by = v1::ENDPOINT_ROLE_UNSPECIFIED);

  // Refuses the connection before its Hello: sends the SessionError, closes, reads nothing more.
  void Refuse(v1::ErrorCode code, const std::string& message) {
    state_.store(State::kClosed, std::memory_order_release);
    Fail(code, message);
  }

  // Where a host stands with the guest's consent (docs/protocol.md section 5.5).
  enum class Consent {
    kNotRequired,  // admitted without consent: sees and controls like kGranted
    kWaiting,      // not asked yet (no guest connected)
    kAsked,        // the current guest connection was sent a ConsentRequest
    kGranted,      // the current guest connection allowed it
    kWithdrawn,    // the guest stopped sharing; the host may ask again
    kExpired,      // the grant lapsed (ConsentTimes::grant_lifetime_seconds); may ask again
    kDenied,       // the guest said no; the host is being disconnected
  };
  // A host that lost its grant and may ask the guest again.
  bool MayAskAgain() const { return consent == Consent::kWithdrawn || consent == Consent::kExpired; }
  // Whether this host may receive the guest's screen and send it input.
  bool Sees() const { return consent == Consent::kGranted || consent == Consent::kNotRequired; }

  bool view_only = false;    // guarded by the hub's mutex
  bool awaiting_key = true;  // guarded by the hub's mutex: skip delta frames until a key frame
  Consent consent = Consent::kWaiting;  // hosts; guarded by the hub's mutex
  // Hosts, guarded by the hub's mutex: when the guest allowed it (kGranted), and by when the
  // relay denies an unanswered question itself (kAsked).
  std::chrono::steady_clock::time_point granted_at{};
  std::chrono::steady_clock::time_point answer_by{};
  bool joined = false;  // hosts; guarded by the hub's mutex: "host_joined" was recorded
  bool forced_out = false;  // guarded by the hub's mutex: a limit or a revocation closed it
  bool guest_info_recorded = false;     // guests; guarded by the hub's mutex

 private:
  void OnHello(const v1::Hello& hello);
  void OnAgentHello(const v1::Hello& hello);
  // The directory's answer to a Hello: attach, or refuse with `refusal` (empty: the directory's
  // own message).
  void FinishAdmission(Result<Admission> r, bool guest, const std::string& refusal);
  void Attach(Admission admission);
  void NoteInput();

  Relay& relay_;
  std::shared_ptr<net::FrameLink> link_;
  std::optional<Admission> preauth_;
  const uint64_t id_;
  std::atomic<State> state_{State::kAwaitHello};
  std::atomic<std::chrono::steady_clock::rep> last_input_{0};
  v1::EndpointRole role_ = v1::ENDPOINT_ROLE_UNSPECIFIED;
  Admission admission_;
  std::shared_ptr<SessionHub> hub_;
  std::mutex attach_mu_;  // orders Attach's Join against OnClosed's Leave
};

}  // namespace tether::relay
