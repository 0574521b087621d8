#include "server/relay/tls_frame_link.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "net/asio_util.h"
#include "wire/frame.h"

namespace tether::relay {

using net::FrameBytes;
using net::FrameKind;
using net::FrameSink;
using net::SendResult;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Frames up to this size are cut out of the shared read buffer (one copy); larger ones are
// read straight into their own allocation. One TLS record of plaintext plus a header fits.
constexpr size_t kReadBuffer = 16 * 1024 + 64;
// Small frames queued together are copied into one TLS record.
constexpr size_t kCoalesceBytes = 16 * 1024;
constexpr size_t kCoalesceFrames = 64;
// Records are collected up to this much ciphertext per send() (bulk: one call, not four).
constexpr size_t kSendBatch = 64 * 1024;
// Ciphertext read per recv(): one record at first; a connection whose reads fill that grows
// to several records per call.
constexpr size_t kCiphertextBuffer = 16 * 1024 + 512;
constexpr size_t kBulkCiphertextBuffer = 64 * 1024;

// The link's BIO. Reads come from the ciphertext Asio delivered (so the reactor's speculative
// reads and edge-triggered registration are used, with no epoll_ctl per wait). Writes are
// collected and leave in one send() per batch (Flush) or when OpenSSL flushes a handshake
// flight; MSG_NOSIGNAL makes a vanished peer an error, not a signal.
template <class Ciphertext>
struct LinkBio {
  static int Write(BIO* bio, const char* data, size_t len, size_t* written) {
    auto* c = static_cast<Ciphertext*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    c->out.append(data, len);
    *written = len;
    return 1;
  }
  static int Read(BIO* bio, char* out, size_t len, size_t* read) {
    auto* c = static_cast<Ciphertext*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    const size_t n = std::min(len, c->len - c->pos);
    if (n == 0) {
      BIO_set_retry_read(bio);
      return 0;
    }
    std::memcpy(out, c->buf.data() + c->pos, n);
    c->pos += n;
    *read = n;
    return 1;
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

int TlsFrameLink::Ciphertext::SendOut() {
  while (out_sent < out.size()) {
    const ssize_t n = ::send(fd, out.data() + out_sent, out.size() - out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
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

TlsFrameLink::TlsFrameLink(asio::ip::tcp::socket socket, SSL_CTX* ctx, TlsLinkLimits limits,
                           Metric& bytes_in, Metric& bytes_out)
    : socket_(std::move(socket)),
      io_(static_cast<asio::io_context&>(socket_.get_executor().context())),
      limits_(limits), bytes_in_(bytes_in), bytes_out_(bytes_out),
      deadline_(socket_.get_executor()) {
  boost::system::error_code ec;
  peer_ = net::PeerAddress(socket_.remote_endpoint(ec));
  socket_.non_blocking(true, ec);
  ssl_ = SSL_new(ctx);
  BIO* bio = ssl_ != nullptr ? BIO_new(LinkBio<Ciphertext>::Method()) : nullptr;
  if (bio == nullptr || ec) {
    dead_ = true;
    return;
  }
  wire_.fd = static_cast<int>(socket_.native_handle());
  BIO_set_data(bio, &wire_);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl_, bio, bio);  // the SSL owns it
  SSL_set_accept_state(ssl_);
  // Partial writes let one call hand over whole records as the socket takes them; the write
  // position moves between retries because queued frames are written from where they lie.
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Keep the record buffers for the connection's life: freeing and reallocating them around
  // every record costs more than the 33 KiB they hold.
  SSL_clear_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
  SSL_set_read_ahead(ssl_, 1);  // fewer BIO calls: header and body of a record at once
  SSL_set_num_tickets(ssl_, 0); // agents do not resume sessions; save the ticket work
}

TlsFrameLink::~TlsFrameLink() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

bool TlsFrameLink::OnNetworkThread() const {
  return io_.get_executor().running_in_this_thread();
}

template <class F>
void TlsFrameLink::OnNetwork(F&& f) {
  if (OnNetworkThread()) {
    f();
  } else {
    asio::post(socket_.get_executor(), std::forward<F>(f));
  }
}

SendResult TlsFrameLink::Send(FrameBytes frame) {
  const auto kind = static_cast<FrameKind>(wire::QueueKindOf(*frame));
  const bool here = OnNetworkThread();
  SendResult r;
  {
    std::lock_guard lock(mu_);
    if (closing_) return SendResult::kClosed;
    r = queue_.Push(std::move(frame), kind);
    if (r == SendResult::kClosed) {
      closing_ = true;  // the peer does not read: cut it below
    } else if (!here && !flush_posted_) {
      flush_posted_ = true;
      asio::post(socket_.get_executor(), [self = shared_from_this()] {
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

asio::awaitable<bool> TlsFrameLink::Await(IoStatus need) {
  constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
  if (need == IoStatus::kWantWrite) {
    auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_write, kNoThrow);
    co_return !ec && !dead_;
  }
  // OpenSSL asks for more only once everything delivered is consumed.
  wire_.pos = wire_.len = 0;
  if (wire_.buf.empty()) wire_.buf.resize(kCiphertextBuffer);
  auto [ec, n] = co_await socket_.async_read_some(asio::buffer(wire_.buf), kNoThrow);
  if (ec || dead_) co_return false;
  wire_.len = n;
  if (n == wire_.buf.size() && n < kBulkCiphertextBuffer) wire_.buf.resize(kBulkCiphertextBuffer);
  co_return true;
}

asio::awaitable<void> TlsFrameLink::Run(std::shared_ptr<FrameSink> sink) {
  auto self = shared_from_this();
  phase_start_ = Clock::now();
  ArmDeadline(phase_start_ + limits_.handshake_timeout);
  while (!dead_) {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) {
      established_ = true;
      break;
    }
    const IoStatus st = Classify(r);
    if (st == IoStatus::kFailed) break;
    if (!co_await Await(st)) break;
  }
  if (established_ && !dead_) {
    phase_start_ = last_read_ = Clock::now();  // the first frame gets a fresh handshake timeout
    Flush();                                   // anything queued while the handshake ran
    in_.resize(kReadBuffer);
  }
  while (established_ && !dead_) {
    char* dst = big_ ? big_->data() + big_filled_ : in_.data() + in_len_;
    const size_t room = big_ ? big_->size() - big_filled_ : in_.size() - in_len_;
    size_t n = 0;
    ERR_clear_error();
    const int r = SSL_read_ex(ssl_, dst, room, &n);
    if (r == 1) {
      last_read_ = Clock::now();
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
        sink->OnFrame(frame);
        first_frame_ = false;
        continue;
      }
      in_len_ += n;
      if (!ParseFrames(*sink)) break;
      continue;
    }
    const IoStatus st = Classify(r);
    if (st == IoStatus::kFailed) break;
    // Records OpenSSL wrote while reading (an alert, a key update answer) leave now.
    if (wire_.out_sent < wire_.out.size() && !write_blocked_ && !SendCiphertext() && dead_) break;
    if (!co_await Await(st)) break;
  }
  Shutdown();
  sink->OnClosed();
  boost::system::error_code ec;
  socket_.close(ec);  // only now: no SSL call can reach a reused descriptor number
  std::lock_guard lock(mu_);
  while (!queue_.Empty()) {
    batch_.clear();
    queue_.TakeBatch(batch_, 1024, SIZE_MAX);
  }
}

bool TlsFrameLink::ParseFrames(FrameSink& sink) {
  size_t pos = 0;
  bool ok = true;
  while (ok && !dead_ && !closing_) {
    const size_t avail = in_len_ - pos;
    if (avail < wire::kHeaderSize) break;
    auto header = wire::DecodeHeader(std::span<const uint8_t, wire::kHeaderSize>(
        reinterpret_cast<const uint8_t*>(in_.data() + pos), wire::kHeaderSize));
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
      FrameBytes frame = std::make_shared<const std::string>(in_.data() + pos, total);
      pos += total;
      sink.OnFrame(frame);
      first_frame_ = false;
      continue;
    }
    if (total > in_.size()) {
      auto big = std::make_shared<std::string>(total, '\0');
      std::memcpy(big->data(), in_.data() + pos, avail);
      big_filled_ = avail;
      big_ = std::move(big);
      pos = in_len_;
    }
    break;  // the rest of the frame is still on its way
  }
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_len_ - pos);
    in_len_ -= pos;
  }
  if (closing_) in_len_ = 0;
  return ok && !dead_;
}

void TlsFrameLink::Flush() {
  if (!established_ || dead_ || write_blocked_) return;
  while (true) {
    if (wire_.out.size() - wire_.out_sent >= kSendBatch && !SendCiphertext()) return;
    if (out_pos_ == out_len_ && !NextChunk()) break;
    if (dead_ || write_blocked_) return;  // NextChunk may have finished a close
    size_t n = 0;
    ERR_clear_error();
    // The BIO takes everything, so this only fails on a broken connection.
    if (SSL_write_ex(ssl_, out_ + out_pos_, std::min(out_len_ - out_pos_, kSendBatch), &n) != 1) return Shutdown();
    out_pos_ += n;
    bytes_out_.Add(static_cast<int64_t>(n));
  }
  SendCiphertext();
}

bool TlsFrameLink::SendCiphertext() {
  if (dead_) return false;
  const int r = wire_.SendOut();
  if (r == 1) return true;
  if (r == 0) {
    WaitWritable();
  } else {
    Shutdown();
  }
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

void TlsFrameLink::WaitWritable() {
  if (write_blocked_) return;
  write_blocked_ = true;
  socket_.async_wait(asio::socket_base::wait_write, [self = shared_from_this()](boost::system::error_code ec) {
    self->write_blocked_ = false;
    if (!ec) self->Flush();
  });
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
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

void TlsFrameLink::Shutdown() {
  if (dead_) return;
  dead_ = true;
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.cancel(ec);
  deadline_.cancel();
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
