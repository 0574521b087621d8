#pragma once
// LinkTransport: the socket under a relay link's TLS (TlsFrameLink). Received ciphertext is
// handed out in whole records only — to GnuTLS through its pull function, and to the link's own
// record layer (Record/Consume, ADR 0006) — so either may read the next record. The buffer is
// refilled from the socket only while it is known to hold data: a read that comes up short
// means it is drained, and the poller's next edge says when to try again (so there is no read
// that only learns EAGAIN). Writes are collected in `out` and leave in one send() per batch
// (SendOut); a direct write goes to the socket at once. Writes never report EAGAIN to GnuTLS:
// what the socket does not take waits in `out`, bounded by the link's Flush. MSG_NOSIGNAL
// makes a vanished peer an error, not a signal. Network thread only.
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "server/relay/record_protection.h"

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
  // The longest record body TLS allows (TLS 1.2: 2^14 + 2048); a longer header ends the link.
  static constexpr size_t kMaxRecordBody = 16 * 1024 + 2048;
  static constexpr size_t kRecordHeader = tls13::kHeaderSize;

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
  // Writes at once when nothing waits in `out` and the socket takes data; the rest waits in
  // `out` (sets `failed` when the socket is broken).
  void Write(const char* data, size_t len);

  // Received ciphertext is handed out in whole records only, to GnuTLS (Pull) and to the relay's
  // own record layer (Record): a record's first bytes are never taken before the rest arrived,
  // so either may read the next one.
  // The complete record (header included) at the front, or empty when none has fully arrived.
  std::span<const char> Record() const {
    if (complete_ == in_pos_) return {};
    const auto* h = reinterpret_cast<const unsigned char*>(in_.get() + in_pos_);
    return {in_.get() + in_pos_, kRecordHeader + ((size_t{h[3]} << 8) | h[4])};
  }
  void Consume(size_t bytes);  // the front record was used
  // One recv() while the socket may hold data. 1: bytes arrived; 0: the socket is drained;
  // -1: end of stream (eof) or a socket error.
  int Fill();
  // A header announced a record longer than TLS allows: the connection must end.
  bool Oversized() const { return oversized_; }
  // Pull hands GnuTLS at most `bytes` more (one record given back to it); SIZE_MAX: no limit.
  void LimitPull(size_t bytes) { pull_limit_ = bytes; }
  size_t PullLimit() const { return pull_limit_; }
  bool HoldsInput() const { return complete_ > in_pos_ || oversized_; }
  // While the link waits for the socket: gives the buffer back when it holds nothing, and keeps
  // only the first bytes of a record still on its way (a small allocation, not 64 KiB).
  void ReleaseInput();

 private:
  static ssize_t Pull(void* self, void* data, size_t len);
  static ssize_t VecPush(void* self, const iovec* iov, int iovcnt);
  ssize_t Push(const iovec* iov, int iovcnt, bool now);
  ssize_t WouldBlock();
  void Scan();  // advances complete_ over the records that have fully arrived

  gnutls_session_t session_ = nullptr;
  std::unique_ptr<char[]> in_;  // received ciphertext not yet taken
  size_t in_pos_ = 0;           // the next byte to take
  size_t complete_ = 0;         // the end of the last whole record (in_pos_ <= complete_ <= in_len_)
  size_t in_len_ = 0;
  bool oversized_ = false;
  int error_ = 0;
  size_t pull_limit_ = SIZE_MAX;
  std::unique_ptr<char[]> partial_;  // a record's first bytes, kept while the buffer is given back
  size_t partial_len_ = 0;
};

}  // namespace tether::relay
