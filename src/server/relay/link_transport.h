#pragma once
// LinkTransport: the socket as a relay link's GnuTLS session sees it (TlsFrameLink). Reads are
// served from a ciphertext buffer that is refilled from the socket only while it is known to
// hold data: a read that comes up short means it is drained, and the poller's next edge says
// when to try again (so there is no read that only learns EAGAIN), and one recv() serves
// GnuTLS's header and body reads. Writes are collected in `out` and leave in one send() per
// batch (SendOut); a direct write goes to the socket at once. Writes never report EAGAIN to
// GnuTLS: what the socket does not take waits in `out`, bounded by the link's Flush.
// MSG_NOSIGNAL makes a vanished peer an error, not a signal. Network thread only.
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

typedef struct gnutls_session_int* gnutls_session_t;

namespace tether::relay {

// Read buffers given back by links that carry only small frames, for the next link that reads
// on this thread: most reads then use a buffer that is already allocated and warm in the cache
// instead of a fresh allocation each. Thread-local; a few are kept.
template <size_t Size>
struct ReadBufferCache {
  static constexpr size_t kSize = Size;
  static std::unique_ptr<char[]> Take() {
    auto& kept = Kept();
    if (kept.empty()) return std::unique_ptr<char[]>(new char[Size]);  // not zeroed: only written bytes are read
    auto buffer = std::move(kept.back());
    kept.pop_back();
    return buffer;
  }
  static void Give(std::unique_ptr<char[]>& buffer) {
    if (!buffer) return;
    auto& kept = Kept();
    if (kept.size() < 4) kept.push_back(std::move(buffer));
    buffer.reset();
  }

 private:
  static std::vector<std::unique_ptr<char[]>>& Kept() {
    thread_local std::vector<std::unique_ptr<char[]>> kept;
    return kept;
  }
};

struct LinkTransport {
  // Ciphertext read per recv(): a whole record of the largest size at least, and several
  // records of a bulk transfer at once.
  using CipherBuffers = ReadBufferCache<64 * 1024>;

  int fd = -1;            // -1 once closed: no call can reach a reused descriptor number
  bool readable = false;  // the last edge said there may be data and no read came up short
  bool writable = true;   // no send has been refused since the last writable edge
  bool eof = false;
  bool direct = false;  // the record being written goes to the socket at once
  bool failed = false;  // a direct send failed
  std::string out;      // collected ciphertext not yet sent
  size_t out_sent = 0;

  // Makes this the transport of `session` (which must not outlive it).
  void Attach(gnutls_session_t session);
  int SendOut();  // 1: all sent; 0: the socket is full; -1: failed
  bool HoldsInput() const { return in_len_ > 0; }
  void ReleaseInput() {  // gives the buffer back while it holds nothing
    if (in_len_ == 0) CipherBuffers::Give(in_);
  }

 private:
  static ssize_t Pull(void* self, void* data, size_t len);
  static ssize_t VecPush(void* self, const iovec* iov, int iovcnt);
  ssize_t WouldBlock();

  gnutls_session_t session_ = nullptr;
  std::unique_ptr<char[]> in_;  // received ciphertext not yet taken by GnuTLS
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
};

}  // namespace tether::relay
