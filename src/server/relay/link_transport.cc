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

ssize_t LinkTransport::Pull(void* self, void* data, size_t len) {
  auto* t = static_cast<LinkTransport*>(self);
  if (t->in_pos_ == t->in_len_) {
    if (!t->readable) return t->WouldBlock();
    if (!t->in_) t->in_ = CipherBuffers::Take();
    ssize_t n;
    do {
      n = ::recv(t->fd, t->in_.get(), CipherBuffers::kSize, 0);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
      t->eof = true;
      t->readable = false;
      return 0;  // end of stream
    }
    if (n < 0) {
      t->readable = false;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return t->WouldBlock();
      gnutls_transport_set_errno(t->session_, errno);
      return -1;
    }
    if (static_cast<size_t>(n) < CipherBuffers::kSize) t->readable = false;
    t->in_pos_ = 0;
    t->in_len_ = static_cast<size_t>(n);
  }
  const size_t take = std::min(len, t->in_len_ - t->in_pos_);
  std::memcpy(data, t->in_.get() + t->in_pos_, take);
  t->in_pos_ += take;
  if (t->in_pos_ == t->in_len_) t->in_pos_ = t->in_len_ = 0;
  return static_cast<ssize_t>(take);
}

ssize_t LinkTransport::VecPush(void* self, const iovec* iov, int iovcnt) {
  auto* t = static_cast<LinkTransport*>(self);
  size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
  size_t sent = 0;
  if (t->direct && t->out.empty() && t->writable) {  // one frame sent at once
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(iov);
    msg.msg_iovlen = static_cast<size_t>(iovcnt);
    ssize_t n;
    do {
      n = ::sendmsg(t->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
      sent = static_cast<size_t>(n);
      if (sent < total) t->writable = false;  // full: the next edge resumes
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      t->writable = false;
    } else {
      t->failed = true;  // the link is shut down after the write
      return static_cast<ssize_t>(total);
    }
  }
  for (int i = 0; i < iovcnt; ++i) {  // the rest waits for the writable edge
    const size_t len = iov[i].iov_len;
    if (sent >= len) {
      sent -= len;
      continue;
    }
    t->out.append(static_cast<const char*>(iov[i].iov_base) + sent, len - sent);
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
