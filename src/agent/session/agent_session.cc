#include "agent/session/agent_session.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <deque>
#include <random>

#include "agent/session/capture_pump.h"
#include "agent/session/clipboard_pump.h"
#include "agent/session/guest_facts.h"
#include "agent/session/guest_consent.h"
#include "base/agent_config.h"
#include "base/log.h"
#include "net/tls.h"
#include "wire/control.h"
#include "wire/frame.h"

namespace tether::agent {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

enum class Outcome { kRetry, kEnded, kRefused, kStopped };

std::span<const uint8_t> PayloadOf(const std::string& frame) {
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(frame.data()) + wire::kHeaderSize,
                                  frame.size() - wire::kHeaderSize);
}

}  // namespace

struct AgentSession::Impl : std::enable_shared_from_this<Impl> {
  Impl(AgentOptions options, std::unique_ptr<ScreenCapturer> capturer,
       std::unique_ptr<InputInjector> injector, std::unique_ptr<Clipboard> guest_clipboard,
       std::unique_ptr<GuestUi> guest_ui, const Clock& clock)
      : options(std::move(options)), injector(std::move(injector)),
        ssl_ctx(asio::ssl::context::tls_client), input_thread(1), ui(std::move(guest_ui)),
        consent(this->options.consent_timeout) {
    (void)net::ConfigureClientContext(ssl_ctx.native_handle());
    CapturePumpOptions po;
    po.max_fps = this->options.max_fps;
    pump = std::make_unique<CapturePump>(
        std::move(capturer), clock,
        [this](std::string frame) {
          asio::post(io, [this, f = std::move(frame)]() mutable { Queue(std::move(f)); });
        },
        po);
    if (guest_clipboard) {
      // Clipboard X work shares the input thread; its frames go out on the io thread.
      clipboard = std::make_unique<ClipboardPump>(
          std::move(guest_clipboard), input_thread.get_executor(), [this](std::string frame) {
            asio::post(io, [this, f = std::move(frame)]() mutable {
              if (hosts_present) Queue(std::move(f));  // nobody to receive it otherwise
            });
          });
    }
  }

  AgentOptions options;
  std::unique_ptr<InputInjector> injector;
  std::unique_ptr<CapturePump> pump;
  asio::io_context io;
  asio::ssl::context ssl_ctx;
  asio::thread_pool input_thread;  // XTest and clipboard calls, in order, off the network thread
  std::unique_ptr<ClipboardPump> clipboard;  // after input_thread: destroyed before it; may be null
  std::unique_ptr<GuestUi> ui;  // may be null: then every question times out and is denied
  std::shared_ptr<spdlog::logger> log = Log("agent");

  // The guest window's state and consent (io thread only).
  GuestConsent consent;
  GuestUiState::Link link = GuestUiState::Link::kConnecting;
  std::string session_name;
  std::string session_type;  // from SessionInfo: "support", "meeting" or "access"
  asio::steady_timer consent_timer{io};
  asio::steady_timer end_timer{io};
  asio::steady_timer reconnect_timer{io};
  bool ending = false;  // the guest pressed End session

  // Current connection (io thread only).
  // Shared with the write loop, which keeps its connection's stream alive until its write in
  // flight completes: Main() drops the stream as soon as the connection ends.
  std::shared_ptr<asio::ssl::stream<tcp::socket>> stream;
  std::deque<std::string> out;
  bool writing = false;
  bool connected = false;
  bool welcomed_once = false;
  bool welcomed_this_time = false;
  // Given by the relay's Welcome when the agent joined with a join token: the join token is
  // single use, so reconnections present this instead (io thread only).
  std::string resume_token;
  bool stopping = false;
  bool hosts_present = false;
  asio::steady_timer heartbeat{io};

  void Queue(std::string frame) {
    if (!connected) return;
    if (out.size() > 256) return;  // the pump's window keeps this short; never grow without bound
    out.push_back(std::move(frame));
    if (!writing) asio::co_spawn(io, WriteLoop(), asio::detached);
  }

  awaitable<void> WriteLoop() {
    writing = true;
    auto self = shared_from_this();
    const auto s = stream;  // this connection's stream, alive until the loop ends
    while (!out.empty() && s && s == stream) {
      std::string frame = std::move(out.front());
      out.pop_front();
      auto [ec, n] = co_await asio::async_write(*s, asio::buffer(frame), kNoThrow);
      if (ec) {
        boost::system::error_code ignored;
        s->lowest_layer().close(ignored);
        break;
      }
    }
    writing = false;
    // Frames queued for a newer connection while this loop finished the old one's last write.
    if (!out.empty() && connected && stream && stream != s) asio::co_spawn(io, WriteLoop(), asio::detached);
  }

  void SendControl(const v1::ControlMessage& msg) { Queue(wire::EncodeControlFrame(msg)); }

  // --- the guest window and consent (io thread) ------------------------------------------

  void ConnectUi() {
    if (!ui) return;
    std::weak_ptr<Impl> weak = shared_from_this();
    auto on_io = [weak](auto fn) {
      return [weak, fn](auto... args) {
        if (auto self = weak.lock()) asio::post(self->io, [self, fn, args...] { fn(*self, args...); });
      };
    };
    GuestUiHandlers h;
    h.answer = on_io([](Impl& s, uint64_t id, bool allow) { s.OnAnswer(id, allow); });
    h.stop_sharing = on_io([](Impl& s) { s.OnStopSharing(); });
    h.end_session = on_io([](Impl& s) { s.OnEndSession(); });
    ui->SetHandlers(std::move(h));
  }

  void RefreshUi() {
    // Capture, clipboard and input follow who the guest let in.
    pump->SetWatched(consent.Watched());
    hosts_present = consent.Watched();
    if (!ui) return;
    GuestUiState state;
    state.link = link;
    state.session_name = session_name;
    consent.Describe(state);
    ui->Update(state);
  }

  void SendConsent(const v1::ConsentResponse& r) {
    v1::ControlMessage m;
    *m.mutable_consent_response() = r;
    SendControl(m);
  }

  void ArmConsentTimer() {
    consent_timer.cancel();
    auto deadline = consent.NextDeadline();
    if (!deadline) return;
    consent_timer.expires_at(*deadline);
    consent_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;  // re-armed or cancelled
      for (const auto& r : self->consent.Expire(std::chrono::steady_clock::now())) {
        self->log->info("nobody answered the consent prompt in time: denied");
        if (self->connected) self->SendConsent(r);
      }
      self->RefreshUi();
      self->ArmConsentTimer();
    });
  }

  void OnConsentRequest(const v1::ConsentRequest& req) {
    auto r = consent.OnRequest(req.endpoint_id(), req.technician(), std::chrono::steady_clock::now(),
                               std::chrono::seconds(req.timeout_seconds()));
    if (r) {
      log->info("technician {} is allowed again (allowed earlier in this session)", req.technician());
      SendConsent(*r);
    } else {
      log->info("technician {} asks to see and control this screen", req.technician());
      // While a question is open no host input is played (nobody may answer it remotely).
      Inject([](InputInjector& i) { i.ReleaseAll(); });
    }
    RefreshUi();
    ArmConsentTimer();
  }

  void OnAnswer(uint64_t id, bool allow) {
    auto r = consent.Answer(id, allow, std::chrono::steady_clock::now());
    if (!r) return;  // that question is gone (timed out, host left, connection lost)
    log->info("the guest {} the technician", allow ? "allowed" : "denied");
    if (connected) SendConsent(*r);
    RefreshUi();
    ArmConsentTimer();
  }

  void OnStopSharing() {
    if (!consent.Watched()) return;
    log->info("the guest stopped sharing");
    v1::ControlMessage m;
    *m.mutable_consent_withdraw() = consent.Withdraw();
    if (connected) SendControl(m);
    Inject([](InputInjector& i) { i.ReleaseAll(); });
    RefreshUi();
  }

  void OnEndSession() {
    if (ending) return;
    log->info("the guest ended the session");
    ending = true;
    link = GuestUiState::Link::kEnding;
    RefreshUi();
    if (connected) {
      v1::ControlMessage m;
      m.mutable_end_session();
      SendControl(m);
      // The relay answers with SESSION_ENDED; if it does not within 5 s, leave anyway.
      end_timer.expires_after(std::chrono::seconds(5));
      end_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->Interrupt();
      });
    } else {
      Interrupt();
    }
  }

  // Breaks the current connection or backoff wait; Main() then looks at `ending`/`stopping`.
  void Interrupt() {
    reconnect_timer.cancel();
    boost::system::error_code ec;
    if (stream) stream->lowest_layer().close(ec);
  }

  void Inject(std::function<void(InputInjector&)> fn) {
    asio::post(input_thread, [this, fn = std::move(fn)] {
      if (injector) fn(*injector);
    });
  }

  awaitable<Outcome> ConnectOnce() {
    tcp::resolver resolver(io);
    auto [rec, results] = co_await resolver.async_resolve(options.host, std::to_string(options.port), kNoThrow);
    if (rec) {
      log->warn("cannot resolve {}: {}", options.host, rec.message());
      co_return Outcome::kRetry;
    }
    stream = std::make_shared<asio::ssl::stream<tcp::socket>>(io, ssl_ctx);
    asio::steady_timer deadline(io);
    auto arm = [&](std::chrono::seconds d) {
      deadline.expires_after(d);
      deadline.async_wait([s = stream.get()](boost::system::error_code ec) {
        if (!ec) {
          boost::system::error_code ignored;
          s->lowest_layer().close(ignored);
        }
      });
    };
    arm(std::chrono::seconds(10));
    auto [cec, ep] = co_await asio::async_connect(stream->lowest_layer(), results, kNoThrow);
    if (cec) {
      log->warn("cannot connect to {}:{}: {}", options.host, options.port, cec.message());
      co_return Outcome::kRetry;
    }
    boost::system::error_code ec;
    stream->lowest_layer().set_option(tcp::no_delay(true), ec);
    SSL_set_tlsext_host_name(stream->native_handle(), options.host.c_str());
    std::tie(ec) = co_await stream->async_handshake(asio::ssl::stream_base::client, kNoThrow);
    if (ec) {
      log->warn("TLS handshake with {}:{} failed: {}", options.host, options.port, ec.message());
      co_return Outcome::kRetry;
    }
    if (auto st = net::VerifyPeerPin(stream->native_handle(), options.pin); !st) {
      log->error("refusing the server: {}", st.error().message);
      co_return Outcome::kRefused;
    }

    connected = true;
    v1::ControlMessage hello;
    auto* h = hello.mutable_hello();
    h->set_protocol_version(wire::kProtocolVersion);
    h->set_min_protocol_version(wire::kMinProtocolVersion);
    h->set_role(v1::ENDPOINT_ROLE_GUEST);
    for (const char* cap : {"video.jpeg", "video.deflate", "video.solid", "cursor", "input.xtest"}) {
      h->add_capabilities(cap);
    }
    if (clipboard) h->add_capabilities("clipboard.text");
    h->set_software(std::string("tether-agent/") + TETHER_VERSION);
    if (options.identity != nullptr) {
      const std::string binding = net::ExportChannelBinding(stream->native_handle());
      if (binding.empty()) {
        log->warn("cannot export the TLS channel binding");
        co_return Outcome::kRetry;
      }
      const auto& key = options.identity->PublicKey();
      const auto signature = options.identity->Sign(AgentIdentityMessage(binding));
      h->set_agent_key(std::string(key.begin(), key.end()));
      h->set_agent_signature(std::string(signature.begin(), signature.end()));
    } else if (!resume_token.empty()) {
      h->set_resume_token(resume_token);
    } else if (!options.join_token.empty()) {
      h->set_join_token(options.join_token);
    } else {
      h->set_join_code(options.join_code);
    }
    SendControl(hello);

    Outcome outcome = co_await ReadLoop(arm);
    connected = false;
    out.clear();
    // Questions and grants belonged to this connection.
    consent.OnDisconnected();
    consent_timer.cancel();
    if (!ending) link = GuestUiState::Link::kReconnecting;
    RefreshUi();
    Inject([](InputInjector& i) { i.ReleaseAll(); });
    deadline.cancel();
    if (stream) stream->lowest_layer().close(ec);
    co_return outcome;
  }

  template <class Arm>
  awaitable<Outcome> ReadLoop(Arm& arm) {
    std::chrono::seconds idle(60);
    std::array<uint8_t, wire::kHeaderSize> head{};
    std::string frame;
    bool heartbeat_started = false;
    while (true) {
      arm(idle);
      auto [ec, n] = co_await asio::async_read(*stream, asio::buffer(head), kNoThrow);
      if (ec) break;
      auto header = wire::DecodeHeader(head);
      if (!header) {
        log->warn("bad frame from the relay: {}", header.error().message);
        break;
      }
      frame.assign(reinterpret_cast<const char*>(head.data()), head.size());
      frame.resize(wire::kHeaderSize + header->length);
      std::tie(ec, n) = co_await asio::async_read(
          *stream, asio::buffer(frame.data() + wire::kHeaderSize, header->length), kNoThrow);
      if (ec) break;
      auto payload = PayloadOf(frame);
      switch (header->channel) {
        case wire::Channel::kControl: {
          auto msg = wire::DecodeControl(payload);
          if (!msg) break;
          if (msg->has_welcome()) {
            welcomed_once = true;
            welcomed_this_time = true;
            if (!msg->welcome().resume_token().empty()) resume_token = msg->welcome().resume_token();
            idle = std::chrono::seconds(std::max<uint32_t>(msg->welcome().idle_timeout_seconds(), 10));
            log->info("joined through {} (protocol {})", msg->welcome().server(), msg->welcome().protocol_version());
            if (!ending) link = GuestUiState::Link::kConnected;
            RefreshUi();
            v1::ControlMessage facts;
            *facts.mutable_guest_info() = DescribeThisMachine();
            SendControl(facts);
            pump->ResendLayout();
            if (!heartbeat_started) {
              heartbeat_started = true;
              asio::co_spawn(io, Heartbeat(std::max<uint32_t>(msg->welcome().heartbeat_seconds(), 5)),
                             asio::detached);
            }
          } else if (msg->has_session_info()) {
            log->info("in session \"{}\"", msg->session_info().session_name());
            session_name = msg->session_info().session_name();
            // In a meeting this agent presents: its join is the consent to show (no prompts).
            consent.SetMeeting(msg->session_info().session_type() == "meeting");
            session_type = msg->session_info().session_type();
            RefreshUi();
          } else if (msg->has_peer_event()) {
            const auto& e = msg->peer_event();
            if (e.role() == v1::ENDPOINT_ROLE_HOST) {
              const bool joined = e.kind() == v1::PeerEvent::KIND_JOINED;
              log->info("host {} {}", e.display_name(), joined ? "joined" : "left");
              if (joined) {
                consent.OnHostJoined(e.endpoint_id(), e.display_name(), e.without_consent());
              } else {
                consent.OnHostLeft(e.endpoint_id(), std::chrono::steady_clock::now());
              }
              RefreshUi();
              ArmConsentTimer();
            }
            if (e.hosts() == 0) Inject([](InputInjector& i) { i.ReleaseAll(); });
          } else if (msg->has_consent_request()) {
            OnConsentRequest(msg->consent_request());
          } else if (msg->has_consent_withdraw()) {
            // The relay voided a question or a grant (it lapsed): ask afresh next time.
            log->info("the consent given to a technician lapsed");
            consent.Void(msg->consent_withdraw().endpoint_id(), std::chrono::steady_clock::now());
            Inject([](InputInjector& i) { i.ReleaseAll(); });
            RefreshUi();
            ArmConsentTimer();
          } else if (msg->has_ping()) {
            v1::ControlMessage pong;
            pong.mutable_pong()->set_nonce(msg->ping().nonce());
            SendControl(pong);
          } else if (msg->has_thumbnail_request()) {
            // The relay asks only when allowed; the agent checks again: in support and meeting
            // sessions only while the guest lets someone see the screen.
            if (session_type == "access" || consent.Watched()) {
              pump->RequestThumbnail(msg->thumbnail_request().max_width(), msg->thumbnail_request().max_height());
            }
          } else if (msg->has_select_monitor()) {
            pump->SelectMonitor(msg->select_monitor().monitor());
          } else if (msg->has_end_session()) {
            co_return Outcome::kEnded;
          } else if (msg->has_error()) {
            const auto& e = msg->error();
            log->warn("the relay says: {}", e.message());
            heartbeat.cancel();
            if (e.code() == v1::ERROR_CODE_SESSION_ENDED) co_return Outcome::kEnded;
            if (e.code() == v1::ERROR_CODE_UNAUTHENTICATED) {
              // Refused on the first join: a wrong code. Refused after having joined: the
              // session is over (its code no longer admits anyone).
              co_return welcomed_once ? Outcome::kEnded : Outcome::kRefused;
            }
            // VERSION: incompatible server; FORBIDDEN: another agent took this session over.
            if (e.code() == v1::ERROR_CODE_VERSION || e.code() == v1::ERROR_CODE_FORBIDDEN) {
              co_return Outcome::kRefused;
            }
            co_return Outcome::kRetry;
          }
          break;
        }
        case wire::Channel::kVideo: {
          auto msg = wire::DecodeVideo(payload);
          if (!msg) break;
          if (msg->has_ack()) pump->OnAck(msg->ack().frame_id());
          if (msg->has_refresh()) pump->RequestKeyFrame();
          break;
        }
        case wire::Channel::kInput: {
          if (consent.Prompting()) break;  // the guest is being asked: play nothing
          auto msg = wire::DecodeInput(payload);
          if (!msg) break;
          if (msg->has_pointer()) {
            MonitorInfo monitor = pump->SelectedMonitor();
            for (const auto& m : pump->Monitors()) {
              if (m.id == msg->pointer().monitor()) monitor = m;
            }
            Inject([ev = msg->pointer(), monitor](InputInjector& i) { (void)i.Pointer(ev, monitor); });
          } else if (msg->has_key()) {
            Inject([ev = msg->key()](InputInjector& i) { (void)i.Key(ev); });
          } else if (msg->has_release_all()) {
            Inject([](InputInjector& i) { i.ReleaseAll(); });
          }
          break;
        }
        case wire::Channel::kClipboard: {
          auto msg = wire::DecodeClipboard(payload);
          if (!msg || !msg->has_text() || !clipboard) break;
          clipboard->SetText(std::move(*msg->mutable_text()->mutable_text()));
          break;
        }
        default:
          break;  // chat, files: not handled by this agent yet
      }
    }
    heartbeat.cancel();
    co_return stopping ? Outcome::kStopped : Outcome::kRetry;
  }

  awaitable<void> Heartbeat(uint32_t seconds) {
    auto self = shared_from_this();
    uint64_t nonce = 0;
    while (connected) {
      heartbeat.expires_after(std::chrono::seconds(seconds));
      auto [ec] = co_await heartbeat.async_wait(kNoThrow);
      if (ec || !connected) co_return;
      v1::ControlMessage ping;
      ping.mutable_ping()->set_nonce(++nonce);
      SendControl(ping);
    }
  }

  awaitable<AgentExit> Main() {
    auto self = shared_from_this();
    std::mt19937 rng(std::random_device{}());
    int attempt = 0;
    pump->Start();
    if (clipboard) clipboard->Start();
    ConnectUi();
    RefreshUi();
    while (!stopping) {
      welcomed_this_time = false;
      Outcome o = ending ? Outcome::kEnded : co_await ConnectOnce();
      stream.reset();
      if (ending && o != Outcome::kStopped) o = Outcome::kEnded;
      if (o == Outcome::kEnded) {
        log->info("the session has ended");
        co_return AgentExit::kSessionEnded;
      }
      if (o == Outcome::kRefused) co_return AgentExit::kRefused;
      if (stopping || o == Outcome::kStopped) break;
      // Exponential backoff with jitter: 0.5 s, 1 s, 2 s ... at most 15 s; a connection that
      // got as far as the Welcome starts the sequence over.
      if (welcomed_this_time) attempt = 0;
      auto base = std::chrono::milliseconds(500) * (1 << std::min(attempt++, 5));
      auto wait = std::min<std::chrono::milliseconds>(base, std::chrono::seconds(15));
      wait += std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 250)(rng));
      log->info("reconnecting in {} ms", wait.count());
      reconnect_timer.expires_after(wait);
      co_await reconnect_timer.async_wait(kNoThrow);
    }
    co_return AgentExit::kStopped;
  }
};

AgentSession::AgentSession(AgentOptions options, std::unique_ptr<ScreenCapturer> capturer,
                           std::unique_ptr<InputInjector> injector,
                           std::unique_ptr<Clipboard> clipboard, std::unique_ptr<GuestUi> ui,
                           const Clock& clock)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(capturer), std::move(injector),
                                   std::move(clipboard), std::move(ui), clock)) {}

AgentSession::~AgentSession() {
  impl_->ui.reset();  // the window goes first: no button press reaches a half-destroyed session
  impl_->pump->Stop();
  if (impl_->clipboard) impl_->clipboard->Stop();  // cancels its waits, so the join ends
  impl_->input_thread.join();
}

AgentExit AgentSession::Run() {
  AgentExit result = AgentExit::kStopped;
  asio::co_spawn(impl_->io, impl_->Main(), [&](std::exception_ptr e, AgentExit r) {
    if (!e) result = r;
    impl_->io.stop();
  });
  impl_->io.run();
  impl_->pump->Stop();
  if (impl_->clipboard) impl_->clipboard->Stop();
  return result;
}

void AgentSession::Stop() {
  auto impl = impl_;
  asio::post(impl->io, [impl] {
    impl->stopping = true;
    impl->Interrupt();
  });
}

}  // namespace tether::agent
