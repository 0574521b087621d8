#include "server/relay/link_transport.h"

#include <gnutls/gnutls.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tether::relay {

void LinkTransport::Attach(gnutls_session_t session) {
  session_ = session;
  gnutls_transport_set_ptr(session, this);
  gnutls_transport_set_pull_function(session, &LinkTransport::Pull);
  gnutls_transport_set_vec_push_function(session, &LinkTransport::VecPush);
}

ssize_t LinkTransport::WouldBlock() {
  gnutls_transport_set_errno(session_, EAGAIN);
  return -1;
}

int LinkTransport::Fill() {
  if (eof) return -1;
  if (!readable) return 0;
  if (!in_) {
    in_ = CipherBuffers::Take();
    in_pos_ = complete_ = in_len_ = 0;
    if (partial_len_ > 0) {  // the start of a record kept while the link waited
      std::memcpy(in_.get(), partial_.get(), partial_len_);
      in_len_ = partial_len_;
      partial_.reset();
      partial_len_ = 0;
    }
  } else if (in_pos_ > 0) {  // only a record's start remains (Fill runs when no whole one is left)
    std::memmove(in_.get(), in_.get() + in_pos_, in_len_ - in_pos_);
    in_len_ -= in_pos_;
    complete_ -= in_pos_;
    in_pos_ = 0;
  }
  // Never full here: what remains is less than one record, and a record fits the buffer.
  const size_t room = CipherBuffers::kSize - in_len_;
  ssize_t n;
  do {
    n = ::recv(fd, in_.get() + in_len_, room, 0);
  } while (n < 0 && errno == EINTR);
  if (n == 0) {
    eof = true;
    readable = false;
    return -1;
  }
  if (n < 0) {
    readable = false;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    error_ = errno;
    return -1;
  }
  if (static_cast<size_t>(n) < room) readable = false;
  in_len_ += static_cast<size_t>(n);
  Scan();
  return 1;
}

void LinkTransport::Scan() {
  while (!oversized_ && in_len_ - complete_ >= kRecordHeader) {
    const auto* h = reinterpret_cast<const unsigned char*>(in_.get() + complete_);
    const size_t body = (size_t{h[3]} << 8) | h[4];
    if (body > kMaxRecordBody) {
      oversized_ = true;
      break;
    }
    if (in_len_ - complete_ < kRecordHeader + body) break;
    complete_ += kRecordHeader + body;
  }
}

void LinkTransport::Consume(size_t bytes) {
  in_pos_ += bytes;
  if (in_pos_ == in_len_) in_pos_ = complete_ = in_len_ = 0;
}

void LinkTransport::ReleaseInput() {
  if (!in_) return;
  if (in_len_ == in_pos_) {
    CipherBuffers::Give(in_);
    in_pos_ = complete_ = in_len_ = 0;
  } else if (complete_ == in_pos_ && !readable && !oversized_) {
    partial_len_ = in_len_ - in_pos_;
    partial_.reset(new char[partial_len_]);
    std::memcpy(partial_.get(), in_.get() + in_pos_, partial_len_);
    CipherBuffers::Give(in_);
    in_pos_ = complete_ = in_len_ = 0;
  }
}

ssize_t LinkTransport::Pull(void* self, void* data, size_t len) {
  auto* t = static_cast<LinkTransport*>(self);
  if (t->pull_limit_ == 0) return t->WouldBlock();
  while (t->complete_ == t->in_pos_) {
    if (t->oversized_) {
      gnutls_transport_set_errno(t->session_, EMSGSIZE);
      return -1;
    }
    const int r = t->Fill();
    if (r == 0) return t->WouldBlock();
    if (r < 0) {
      if (t->eof) return 0;  // end of stream
      gnutls_transport_set_errno(t->session_, t->error_);
      return -1;
    }
  }
  const size_t take = std::min({len, t->complete_ - t->in_pos_, t->pull_limit_});
  std::memcpy(data, t->in_.get() + t->in_pos_, take);
  if (t->pull_limit_ != SIZE_MAX) t->pull_limit_ -= take;
  t->Consume(take);
  return static_cast<ssize_t>(take);
}

ssize_t LinkTransport::VecPush(void* self, const iovec* iov, int iovcnt) {
  auto* t = static_cast<LinkTransport*>(self);
  return t->Push(iov, iovcnt, t->direct);
}

void LinkTransport::Write(const char* data, size_t len) {
  const iovec iov{const_cast<char*>(data), len};
  Push(&iov, 1, true);
}

ssize_t LinkTransport::Push(const iovec* iov, int iovcnt, bool now) {
  size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
  size_t sent = 0;
  if (now && out.empty() && writable) {  // one frame sent at once
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(iov);
    msg.msg_iovlen = static_cast<size_t>(iovcnt);
    ssize_t n;
    do {
      n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
      sent = static_cast<size_t>(n);
      if (sent < total) writable = false;  // full: the next edge resumes
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      writable = false;
    } else {
      failed = true;  // the link is shut down after the write
      return static_cast<ssize_t>(total);
    }
  }
  for (int i = 0; i < iovcnt; ++i) {  // the rest waits for the writable edge
    const size_t len = iov[i].iov_len;
    if (sent >= len) {
      sent -= len;
      continue;
    }
    out.append(static_cast<const char*>(iov[i].iov_base) + sent, len - sent);
    sent = 0;
  }
  return static_cast<ssize_t>(total);
}

int LinkTransport::SendOut() {
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

}  // namespace tether::relay
