#include "server/relay/tls_frame_link.h"

#include <gnutls/gnutls.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wire/frame.h"

namespace tether::relay {

using net::FrameBytes;
using net::FrameKind;
using net::FrameSink;
using net::SendResult;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Small frames queued together are copied into one TLS record.
constexpr size_t kCoalesceBytes = 16 * 1024;
constexpr size_t kCoalesceFrames = 64;
// Records are collected up to this much ciphertext per send() (bulk: one call, not four).
constexpr size_t kSendBatch = 64 * 1024;
constexpr uint32_t kReadableEvents = EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP;
constexpr uint32_t kWritableEvents = EPOLLOUT | EPOLLERR | EPOLLHUP;

}  // namespace

bool TlsFrameLink::WouldBlock(int gnutls_result) {
  return gnutls_result == GNUTLS_E_AGAIN || gnutls_result == GNUTLS_E_INTERRUPTED;
}

TlsFrameLink::TlsFrameLink(asio::io_context& io, int fd, std::string peer, std::shared_ptr<const RelayTls> tls,
                           std::shared_ptr<RelayPoller> poller, TlsLinkLimits limits, Metric& bytes_in,
                           Metric& bytes_out)
    : io_(io), poller_(std::move(poller)), tls_(std::move(tls)), limits_(limits), bytes_in_(bytes_in),
      bytes_out_(bytes_out), peer_(std::move(peer)), deadline_(io) {
  wire_.fd = fd;
  session_ = tls_->NewSession();
  if (session_ == nullptr) {
    dead_ = true;
    return;
  }
  wire_.Attach(session_);
}

TlsFrameLink::~TlsFrameLink() {
  if (session_ != nullptr) gnutls_deinit(session_);
  if (wire_.fd >= 0) ::close(wire_.fd);  // never started
}

bool TlsFrameLink::OnNetworkThread() const {
  return io_.get_executor().running_in_this_thread();
}

template <class F>
void TlsFrameLink::OnNetwork(F&& f) {
  if (OnNetworkThread()) {
    f();
  } else {
    asio::post(io_, std::forward<F>(f));
  }
}

SendResult TlsFrameLink::Send(FrameBytes frame) {
  const auto kind = static_cast<FrameKind>(wire::QueueKindOf(*frame));
  const bool here = OnNetworkThread();
  SendResult r;
  {
    std::lock_guard lock(mu_);
    if (closing_) return SendResult::kClosed;
    // On the network thread, with nothing queued or half-written and a socket that takes
    // data, a frame of one TLS record is encrypted and sent at once, without the queue
    // (larger frames go through Flush, which hands the socket several records per send).
    if (here && frame->size() <= kCoalesceBytes && queue_.Empty() && CanWriteDirectly()) {
      WriteDirectly(*frame);
      return SendResult::kQueued;
    }
    r = queue_.Push(std::move(frame), kind);
    if (r == SendResult::kClosed) {
      closing_ = true;  // the peer does not read: cut it below
    } else if (!here && !flush_posted_) {
      flush_posted_ = true;
      asio::post(io_, [self = shared_from_this()] {
        {
          std::lock_guard relock(self->mu_);
          self->flush_posted_ = false;
        }
        self->Flush();
      });
    }
  }
  if (r == SendResult::kClosed) {
    OnNetwork([self = shared_from_this()] { self->Shutdown(); });
  } else if (here) {
    Flush();
  }
  return r;
}

void TlsFrameLink::Close() {
  {
    std::lock_guard lock(mu_);
    if (closing_) return;
    closing_ = true;
  }
  OnNetwork([self = shared_from_this()] {
    if (self->dead_) return;
    if (!self->established_) return self->Shutdown();
    self->close_by_ = Clock::now() + self->limits_.close_grace;
    self->ArmDeadline(self->close_by_);
    self->Flush();
  });
}

void TlsFrameLink::Abort() {
  OnNetwork([self = shared_from_this()] { self->Shutdown(); });
}

void TlsFrameLink::Start(std::shared_ptr<FrameSink> sink, std::function<void()> on_done) {
  sink_ = std::move(sink);
  on_done_ = std::move(on_done);
  phase_start_ = Clock::now();
  if (dead_ || !poller_->Add(wire_.fd, shared_from_this())) {
    dead_ = false;  // let Shutdown run its course once
    Shutdown();
    return;
  }
  ArmDeadline(phase_start_ + limits_.handshake_timeout);
  // The first edge (writable at once, readable when the ClientHello arrives) drives the rest.
}

void TlsFrameLink::OnReady(uint32_t events) {
  if (events & kReadableEvents) wire_.readable = true;
  if (events & kWritableEvents) wire_.writable = true;
  Drive();
}

void TlsFrameLink::Drive() {
  if (dead_) return;
  if (!established_) {
    int r = gnutls_handshake(session_);
    // A warning alert is not the end; anything else that is not "wait for more" is.
    for (int tries = 0; r < 0 && !WouldBlock(r) && !gnutls_error_is_fatal(r) && tries < 4; ++tries) {
      r = gnutls_handshake(session_);
    }
    // A refused handshake tells the peer why (protocol_version, handshake_failure, …).
    const bool refused = r < 0 && !WouldBlock(r);
    if (refused && !wire_.eof) gnutls_alert_send_appropriate(session_, r);
    // The flight GnuTLS wrote (server hello … finished, or the alert) leaves now; what the
    // socket does not take leaves at its writable edge.
    SendCiphertext();
    if (dead_) return;
    if (r < 0) {
      if (refused || wire_.eof) Shutdown();
      return;  // the next edge comes back here
    }
    established_ = true;
    binding_ = ExportChannelBinding(session_);
    // TLS 1.3 with one of the policy's AEAD suites: the relay runs the application-data records
    // itself from here on (ADR 0006); otherwise GnuTLS keeps doing every record.
    // Its records carry up to 16 KiB (a client that asked for less keeps GnuTLS's), and nothing
    // GnuTLS already decrypted may be left behind in it.
    own_records_ = !PeerLimitsRecords(session_) && gnutls_record_get_max_size(session_) >= tls13::kMaxPlaintext &&
                   gnutls_record_check_pending(session_) == 0 && read_keys_.Load(session_, true) &&
                   write_keys_.Load(session_, false);
    phase_start_ = last_read_ = Clock::now();  // the first frame gets a fresh handshake timeout
  }
  ReadAvailable();
  if (!dead_ && wire_.writable) Flush();  // anything queued while the socket was full
}

// Seals up to tls13::kMaxPlaintext bytes as one record appended to `out`.
bool TlsFrameLink::Seal(std::string& out, const char* data, size_t len) {
  const size_t at = out.size();
  out.resize(at + len + tls13::kSealOverhead);
  const size_t sealed = write_keys_.Seal(data, len, out.data() + at);
  out.resize(at + sealed);
  return sealed > 0;
}

// Past the write key's record budget, GnuTLS sends a KeyUpdate (queued in the transport behind
// the records already sealed) and the new key seals what follows.
bool TlsFrameLink::RenewWriteKeyIfDue() {
  if (write_keys_.Records() < limits_.records_per_key) return true;
  if (!write_keys_.Store(session_)) return false;
  const bool direct = wire_.direct;
  wire_.direct = false;  // the KeyUpdate queues behind what is already waiting
  const int r = gnutls_session_key_update(session_, 0);
  wire_.direct = direct;
  return r == 0 && write_keys_.Load(session_, false);
}

void TlsFrameLink::Flush() {
  if (!established_ || dead_) return;
  while (true) {
    if (wire_.out.size() - wire_.out_sent >= kSendBatch && !SendCiphertext()) return;
    if (out_pos_ == out_len_ && !NextChunk()) break;
    if (dead_) return;  // NextChunk may have finished a close
    // One record per call. The transport takes everything, so this only fails on a broken
    // connection.
    ssize_t n;
    if (own_records_) {
      n = static_cast<ssize_t>(std::min(out_len_ - out_pos_, tls13::kMaxPlaintext));
      if (!RenewWriteKeyIfDue() || !Seal(wire_.out, out_ + out_pos_, static_cast<size_t>(n))) return Shutdown();
    } else {
      n = gnutls_record_send(session_, out_ + out_pos_, std::min(out_len_ - out_pos_, kSendBatch));
      if (n <= 0) return Shutdown();
    }
    out_pos_ += static_cast<size_t>(n);
    bytes_out_.Add(n);
  }
  SendCiphertext();
}

bool TlsFrameLink::CanWriteDirectly() const {
  return established_ && !dead_ && wire_.writable && !wire_.failed && out_pos_ == out_len_ && wire_.out.empty();
}

// One frame, encrypted straight to the socket: the transport sends the record it is handed
// instead of collecting it (what the socket does not take waits in `out` for the writable edge).
void TlsFrameLink::WriteDirectly(const std::string& frame) {
  if (own_records_) {
    // One record (Send writes directly only frames of one record), sealed into a buffer of this
    // thread that stays warm, and sent from there.
    static_assert(kCoalesceBytes <= tls13::kMaxPlaintext);
    thread_local char sealed[tls13::kMaxPlaintext + tls13::kSealOverhead];
    // A KeyUpdate this needs is queued ahead of the record.
    const size_t len = RenewWriteKeyIfDue() ? write_keys_.Seal(frame.data(), frame.size(), sealed) : 0;
    const bool ok = len > 0;
    if (ok) {
      wire_.Write(sealed, len);  // behind a KeyUpdate, if one was queued
      bytes_out_.Add(static_cast<int64_t>(frame.size()));
      if (!wire_.failed && wire_.writable && !wire_.out.empty() && wire_.SendOut() < 0) wire_.failed = true;
    }
    if (!ok || wire_.failed) asio::post(io_, [self = shared_from_this()] { self->Shutdown(); });
    return;
  }
  wire_.direct = true;
  size_t pos = 0;
  ssize_t n = 0;
  // One record (a peer's record size limit could make it several).
  while (pos < frame.size() && (n = gnutls_record_send(session_, frame.data() + pos, frame.size() - pos)) > 0) {
    pos += static_cast<size_t>(n);
  }
  wire_.direct = false;
  bytes_out_.Add(static_cast<int64_t>(pos));
  if (pos < frame.size() || wire_.failed) {
    // Posted: the caller holds the queue's lock, and may be another link's read.
    return asio::post(io_, [self = shared_from_this()] { self->Shutdown(); });
  }
}

bool TlsFrameLink::SendCiphertext() {
  if (dead_) return false;
  const int r = wire_.SendOut();
  if (r == 1) return true;
  if (r < 0) Shutdown();  // r == 0: the socket is full; its writable edge calls Flush again
  return false;
}

bool TlsFrameLink::NextChunk() {
  bool closing;
  batch_.clear();
  {
    std::lock_guard lock(mu_);
    queue_.TakeBatch(batch_, kCoalesceFrames, kCoalesceBytes);
    closing = closing_;
  }
  holding_.reset();
  out_ = nullptr;
  out_len_ = out_pos_ = 0;
  if (batch_.empty()) {
    if (closing) FinishClose();
    return false;
  }
  if (batch_.size() == 1) {
    holding_ = std::move(batch_.front());
    out_ = holding_->data();
    out_len_ = holding_->size();
  } else {
    coalesced_.clear();
    for (const auto& f : batch_) coalesced_.append(*f);
    out_ = coalesced_.data();
    out_len_ = coalesced_.size();
  }
  batch_.clear();
  return true;
}

void TlsFrameLink::FinishClose() {
  if (dead_ || close_by_ == Clock::time_point::max()) return;
  // close_notify, then FIN after the data; the read side drains until the peer closes too or
  // the close grace runs out, so the last frames are not lost to a reset.
  if (!close_notify_queued_) {
    close_notify_queued_ = true;
    if (own_records_ && !write_keys_.Store(session_)) return Shutdown();
    gnutls_bye(session_, GNUTLS_SHUT_WR);  // close_notify, collected in `out`
    // Its sequence number is used: the write side follows GnuTLS from here (an alert read
    // during the close grace must not hand GnuTLS the number again).
    if (own_records_ && !write_keys_.Load(session_, false)) return Shutdown();
  }
  if (!SendCiphertext()) return;  // the rest leaves when the socket drains; then here again
  ::shutdown(wire_.fd, SHUT_WR);
}

void TlsFrameLink::Shutdown() {
  if (dead_) return;
  dead_ = true;
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    batch_.clear();
    while (!queue_.Empty()) queue_.TakeBatch(batch_, SIZE_MAX, SIZE_MAX);
  }
  batch_.clear();
  holding_.reset();
  deadline_.cancel();
  if (wire_.fd >= 0) {
    poller_->Remove(wire_.fd);
    ::close(wire_.fd);
    wire_.fd = -1;
  }
  // Posted: Shutdown may run inside another link's call into the relay (an inline write that
  // failed), where the sink's OnClosed must not re-enter.
  asio::post(io_, [self = shared_from_this()] {
    if (self->sink_) self->sink_->OnClosed();
    self->sink_.reset();
    if (self->on_done_) self->on_done_();
    self->on_done_ = nullptr;
  });
}

void TlsFrameLink::ArmDeadline(Clock::time_point at) {
  if (at >= deadline_at_) return;  // the armed wait comes first and re-arms itself
  deadline_at_ = at;
  deadline_.expires_at(at);
  deadline_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->OnDeadline();
  });
}

void TlsFrameLink::OnDeadline() {
  if (dead_) return;
  deadline_at_ = Clock::time_point::max();
  auto due = first_frame_ ? phase_start_ + limits_.handshake_timeout : last_read_ + limits_.idle_timeout;
  due = std::min(due, close_by_);
  if (Clock::now() >= due) return Shutdown();
  ArmDeadline(due);
}

}  // namespace tether::relay
