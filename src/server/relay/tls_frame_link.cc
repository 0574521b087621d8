#include "server/relay/tls_frame_link.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/frame_buffer_pool.h"
#include "net/tls.h"

#include "wire/frame.h"

namespace tether::relay {

using net::FrameBytes;
using net::FrameKind;
using net::FrameSink;
using net::SendResult;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Frames up to this size are cut out of the link's read buffer (one copy); larger ones are
// read straight into their own allocation. One TLS record of plaintext plus a header fits.
constexpr size_t kReadBuffer = 16 * 1024 + 64;
// Small frames queued together are copied into one TLS record.
constexpr size_t kCoalesceBytes = 16 * 1024;
constexpr size_t kCoalesceFrames = 64;
// Records are collected up to this much ciphertext per send() (bulk: one call, not four).
constexpr size_t kSendBatch = 64 * 1024;
constexpr uint32_t kReadableEvents = EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP;
constexpr uint32_t kWritableEvents = EPOLLOUT | EPOLLERR | EPOLLHUP;

// The link's BIO. Reads go to the socket only while it is known to hold data: a read that
// comes up short means it is drained, and the next edge from the poller says when to try
// again (so there is no read that only learns EAGAIN). Writes are collected and leave in one
// send() per batch (Flush) or when OpenSSL flushes a handshake flight; MSG_NOSIGNAL makes a
// vanished peer an error, not a signal.
template <class Ciphertext>
struct LinkBio {
  static int Write(BIO* bio, const char* data, size_t len, size_t* written) {
    auto* c = static_cast<Ciphertext*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    *written = len;
    if (c->direct && c->out.empty() && c->writable) {  // one frame sent at once (Send)
      const ssize_t n = c->SendNow(data, len);
      if (n < 0) return 1;  // failed: the link is shut down after the write
      data += n;
      len -= static_cast<size_t>(n);
    }
    c->out.append(data, len);
    return 1;
  }
  static int Read(BIO* bio, char* out, size_t len, size_t* read) {
    auto* c = static_cast<Ciphertext*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    if (!c->readable) {
      BIO_set_retry_read(bio);
      return 0;
    }
    ssize_t n;
    do {
      n = ::recv(c->fd, out, len, 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
      if (static_cast<size_t>(n) < len) c->readable = false;
      *read = static_cast<size_t>(n);
      return 1;
    }
    if (n == 0) {
      c->eof = true;
      c->readable = false;
      return 0;  // end of stream: no retry
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      c->readable = false;
      BIO_set_retry_read(bio);
    }
    return 0;
  }
  static long Ctrl(BIO* bio, int cmd, long, void*) {
    if (cmd != BIO_CTRL_FLUSH) return 0;
    BIO_clear_retry_flags(bio);
    const int r = static_cast<Ciphertext*>(BIO_get_data(bio))->SendOut();
    if (r == 0) BIO_set_retry_write(bio);
    return r > 0 ? 1 : 0;
  }
  static BIO_METHOD* Method() {
    static BIO_METHOD* method = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tether-link");
      BIO_meth_set_write_ex(m, &Write);
      BIO_meth_set_read_ex(m, &Read);
      BIO_meth_set_ctrl(m, &Ctrl);
      return m;
    }();
    return method;
  }
};

}  // namespace

ssize_t TlsFrameLink::Ciphertext::SendNow(const char* data, size_t len) {
  ssize_t n;
  do {
    n = ::send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) {
    if (static_cast<size_t>(n) < len) writable = false;  // full: the next edge resumes
    return n;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    writable = false;
    return 0;
  }
  failed = true;
  return -1;
}

int TlsFrameLink::Ciphertext::SendOut() {
  while (out_sent < out.size()) {
    if (!writable) return 0;
    const size_t want = out.size() - out_sent;
    const ssize_t n = ::send(fd, out.data() + out_sent, want, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_sent += static_cast<size_t>(n);
      if (static_cast<size_t>(n) < want) writable = false;  // full: the next edge resumes
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      writable = false;
      return 0;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return -1;
    }
  }
  out.clear();
  out_sent = 0;
  return 1;
}

TlsFrameLink::TlsFrameLink(asio::io_context& io, int fd, std::string peer, SSL_CTX* ctx,
                           std::shared_ptr<RelayPoller> poller, TlsLinkLimits limits, Metric& bytes_in,
                           Metric& bytes_out)
    : io_(io), poller_(std::move(poller)), limits_(limits), bytes_in_(bytes_in), bytes_out_(bytes_out),
      peer_(std::move(peer)), deadline_(io) {
  wire_.fd = fd;
  ssl_ = SSL_new(ctx);
  BIO* bio = ssl_ != nullptr ? BIO_new(LinkBio<Ciphertext>::Method()) : nullptr;
  if (bio == nullptr) {
    dead_ = true;
    return;
  }
  BIO_set_data(bio, &wire_);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl_, bio, bio);  // the SSL owns it
  SSL_set_accept_state(ssl_);
  // Partial writes let one call hand over whole records as the socket takes them; the write
  // position moves between retries because queued frames are written from where they lie.
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Record buffers are released between records until the link carries large frames
  // (KeepRecordBuffers).
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
  SSL_set_read_ahead(ssl_, 1);  // fewer BIO calls: header and body of a record at once
  SSL_set_num_tickets(ssl_, 0); // agents do not resume sessions; save the ticket work
}

TlsFrameLink::~TlsFrameLink() {
  if (ssl_ != nullptr) SSL_free(ssl_);
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

TlsFrameLink::IoStatus TlsFrameLink::Classify(int ssl_result) {
  switch (SSL_get_error(ssl_, ssl_result)) {
    case SSL_ERROR_NONE:
      return IoStatus::kDone;
    case SSL_ERROR_WANT_READ:
      return IoStatus::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return IoStatus::kWantWrite;
    default:
      return IoStatus::kFailed;
  }
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
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      // WANT_READ / WANT_WRITE: the next edge comes back here.
      if (Classify(r) == IoStatus::kFailed || wire_.eof) Shutdown();
      return;
    }
    established_ = true;
    binding_ = net::ExportChannelBinding(ssl_);
    phase_start_ = last_read_ = Clock::now();  // the first frame gets a fresh handshake timeout
  }
  ReadAvailable();
  if (!dead_ && wire_.writable) Flush();  // anything queued while the socket was full
}

void TlsFrameLink::ReadAvailable() {
  while (!dead_) {
    if (!big_ && !in_) in_.reset(new char[kReadBuffer]);  // not zeroed: only read bytes are used
    char* dst = big_ ? big_->data() + big_filled_ : in_.get() + in_len_;
    size_t room = big_ ? big_->size() - big_filled_ : kReadBuffer - in_len_;
    // After a large frame the next is likely large too (a file transfer): its header is read
    // alone, so the payload goes straight into the frame's own buffer instead of through in_.
    if (!big_ && in_len_ == 0 && expect_big_) room = wire::kHeaderSize;
    size_t n = 0;
    ERR_clear_error();
    const int r = SSL_read_ex(ssl_, dst, room, &n);
    if (r == 1) {
      last_read_ = poller_->BatchTime();
      bytes_in_.Add(static_cast<int64_t>(n));
      if (closing_) {  // closing: the peer's last words are read and dropped
        in_len_ = 0;
        big_.reset();
        continue;
      }
      if (big_) {
        big_filled_ += n;
        if (big_filled_ < big_->size()) continue;
        FrameBytes frame = std::move(big_);
        sink_->OnFrame(frame);
        first_frame_ = false;
        if (Drained()) break;
        continue;
      }
      in_len_ += n;
      // A broken frame: the sink answers and closes; if it did not, cut the connection.
      if (!ParseFrames(*sink_) && !closing_) Shutdown();
      if (Drained()) break;
      continue;
    }
    if (Classify(r) == IoStatus::kFailed || wire_.eof) return Shutdown();
    break;  // the socket is drained; its next edge comes back here
  }
  // Like OpenSSL's record buffers (KeepRecordBuffers), the read buffer is not held between
  // reads by a link that carries only small frames.
  if (in_len_ == 0 && !keeping_buffers_) in_.reset();
  // Records OpenSSL wrote while reading (an alert, a key update answer) leave now.
  if (!dead_ && wire_.out_sent < wire_.out.size()) SendCiphertext();
}

// The socket came up short (nothing more until its next edge) and OpenSSL holds no record
// bytes: another SSL_read could only say "want read". An end of stream is left for that
// read to report.
bool TlsFrameLink::Drained() const {
  return !dead_ && !wire_.readable && !wire_.eof && SSL_has_pending(ssl_) == 0;
}

bool TlsFrameLink::ParseFrames(FrameSink& sink) {
  size_t pos = 0;
  bool ok = true;
  while (ok && !dead_ && !closing_) {
    const size_t avail = in_len_ - pos;
    if (avail < wire::kHeaderSize) break;
    auto header = wire::DecodeHeader(std::span<const uint8_t, wire::kHeaderSize>(
        reinterpret_cast<const uint8_t*>(in_.get() + pos), wire::kHeaderSize));
    if (!header) {
      sink.OnProtocolError(header.error().message);
      ok = false;
      break;
    }
    // Checked before anything is allocated: before the handshake only small control frames.
    if (header->length > sink.ReadLimit(static_cast<uint8_t>(header->channel))) {
      sink.OnProtocolError(first_frame_ ? "the first frame must be a Hello"
                                        : "frame not allowed on this connection now");
      ok = false;
      break;
    }
    const size_t total = wire::kHeaderSize + header->length;
    if (avail >= total) {
      FrameBytes frame = std::make_shared<const std::string>(in_.get() + pos, total);
      pos += total;
      expect_big_ = false;
      KeepRecordBuffers(write_big_);
      sink.OnFrame(frame);
      first_frame_ = false;
      continue;
    }
    if (total > kReadBuffer) {
      auto big = net::FrameBufferPool::Shared().Take(total);  // every byte is read into it
      std::memcpy(big->data(), in_.get() + pos, avail);
      big_filled_ = avail;
      big_ = std::move(big);
      expect_big_ = true;
      KeepRecordBuffers(true);
      pos = in_len_;
    }
    break;  // the rest of the frame is still on its way
  }
  if (pos > 0) {
    std::memmove(in_.get(), in_.get() + pos, in_len_ - pos);
    in_len_ -= pos;
  }
  if (closing_) in_len_ = 0;
  return ok && !dead_;
}

void TlsFrameLink::Flush() {
  if (!established_ || dead_) return;
  while (true) {
    if (wire_.out.size() - wire_.out_sent >= kSendBatch && !SendCiphertext()) return;
    if (out_pos_ == out_len_ && !NextChunk()) break;
    if (dead_) return;  // NextChunk may have finished a close
    size_t n = 0;
    ERR_clear_error();
    // The BIO takes everything, so this only fails on a broken connection.
    if (SSL_write_ex(ssl_, out_ + out_pos_, std::min(out_len_ - out_pos_, kSendBatch), &n) != 1) return Shutdown();
    out_pos_ += n;
    bytes_out_.Add(static_cast<int64_t>(n));
  }
  SendCiphertext();
}

bool TlsFrameLink::CanWriteDirectly() const {
  return established_ && !dead_ && wire_.writable && !wire_.failed && out_pos_ == out_len_ && wire_.out.empty();
}

// One frame, encrypted straight to the socket: the BIO sends the record it is handed instead
// of collecting it (what the socket does not take waits in `out` for the writable edge).
void TlsFrameLink::WriteDirectly(const std::string& frame) {
  write_big_ = false;  // one record at most
  KeepRecordBuffers(expect_big_);
  size_t n = 0;
  ERR_clear_error();
  wire_.direct = true;
  const int r = SSL_write_ex(ssl_, frame.data(), frame.size(), &n);
  wire_.direct = false;
  if (r != 1 || wire_.failed) {
    // Posted: the caller holds the queue's lock, and may be another link's read.
    return asio::post(io_, [self = shared_from_this()] { self->Shutdown(); });
  }
  bytes_out_.Add(static_cast<int64_t>(n));
}

// OpenSSL's record buffers (about 33 KiB a connection) are kept while the link carries frames
// larger than one record, where a bulk transfer reuses them record after record; otherwise they
// are released whenever empty, so the many idle or lightly used connections (access agents,
// hosts sending input) hold none (2,000 connections: 55 MiB resident instead of 115 MiB in
// bench/relay.sh), at no measurable CPU cost per small message.
void TlsFrameLink::KeepRecordBuffers(bool keep) {
  if (keep == keeping_buffers_) return;
  keeping_buffers_ = keep;
  if (keep) {
    SSL_clear_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
  } else {
    SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
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
  write_big_ = out_len_ > kCoalesceBytes;
  KeepRecordBuffers(write_big_ || expect_big_);
  batch_.clear();
  return true;
}

void TlsFrameLink::FinishClose() {
  if (dead_ || close_by_ == Clock::time_point::max()) return;
  // close_notify, then FIN after the data; the read side drains until the peer closes too or
  // the close grace runs out, so the last frames are not lost to a reset.
  if (!close_notify_queued_) {
    close_notify_queued_ = true;
    ERR_clear_error();
    SSL_shutdown(ssl_);
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
