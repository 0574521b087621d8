// TlsFrameLink's read side: records from the socket into frames for the sink, through GnuTLS
// (TLS 1.2) or the link's own record layer (TLS 1.3, ADR 0006). See tls_frame_link.h.
#include <gnutls/gnutls.h>

#include <cstring>

#include "net/frame_buffer_pool.h"
#include "server/relay/tls_frame_link.h"
#include "wire/frame.h"

namespace tether::relay {

using net::FrameBytes;
using net::FrameSink;

namespace {

// Frames up to this size are cut out of the link's read buffer (one copy); larger ones are
// read straight into their own allocation. One TLS record of plaintext plus a header fits.
constexpr size_t kReadBuffer = 16 * 1024 + 64;
using PlainBuffers = ReadBufferCache<kReadBuffer>;

// Where a record is opened when its content is not going straight into a frame's buffer: one
// per network thread, so it stays in the cache.
char* OpenedRecordBuffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[tls13::kMaxCiphertext]);
  return buffer.get();
}

}  // namespace

void TlsFrameLink::ReadAvailable() {
  if (own_records_) {
    ReadRecords();
  } else {
    ReadThroughGnutls();
  }
  // A link that carries only small frames holds no buffers between reads: the many idle or
  // lightly used connections (access agents, hosts sending input) cost little memory.
  if (!expect_big_) {
    if (in_len_ == 0) PlainBuffers::Give(in_);
    wire_.ReleaseInput();
  }
  // Records GnuTLS wrote while reading (an alert, a key update answer) leave now.
  if (!dead_ && wire_.out_sent < wire_.out.size()) SendCiphertext();
}

void TlsFrameLink::ReadThroughGnutls() {
  while (!dead_) {
    // Between frames (the usual case for small frames), a record is parsed where GnuTLS
    // decrypted it: no copy into in_, which then is not needed at all.
    if (!big_ && in_len_ == 0 && !expect_big_ && !closing_) {
      gnutls_packet_t packet = nullptr;
      const ssize_t r = gnutls_record_recv_packet(session_, &packet);
      if (r > 0) {
        gnutls_datum_t data{};
        gnutls_packet_get(packet, &data, nullptr);
        last_read_ = poller_->BatchTime();
        bytes_in_.Add(static_cast<int64_t>(data.size));
        const bool ok = ParseRecord(*sink_, reinterpret_cast<const char*>(data.data), data.size);
        gnutls_packet_deinit(packet);
        // A broken frame: the sink answers and closes; if it did not, cut the connection.
        if (!ok && !closing_) Shutdown();
        if (Drained()) break;
        continue;
      }
      if (ReadAgainAfter(r)) continue;
      return;
    }
    if (!big_ && !in_) in_ = PlainBuffers::Take();
    char* dst = big_ ? big_->data() + big_filled_ : in_.get() + in_len_;
    size_t room = big_ ? big_->size() - big_filled_ : kReadBuffer - in_len_;
    // After a large frame the next is likely large too (a file transfer): its header is read
    // alone, so the payload goes straight into the frame's own buffer instead of through in_.
    if (!big_ && in_len_ == 0 && expect_big_) room = wire::kHeaderSize;
    const ssize_t r = gnutls_record_recv(session_, dst, room);
    if (r > 0) {
      const auto n = static_cast<size_t>(r);
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
    if (ReadAgainAfter(r)) continue;
    return;
  }
}

// The relay's own record layer (TLS 1.3): each whole record is opened where it was received
// and its content cut into frames; a record of a large frame is opened straight into the
// frame's buffer. Records that are not application data go to GnuTLS.
void TlsFrameLink::ReadRecords() {
  char* const scratch = OpenedRecordBuffer();
  while (!dead_) {
    const std::span<const char> record = wire_.Record();
    if (record.empty()) {
      if (wire_.Oversized()) return Shutdown();  // record_overflow
      const int r = wire_.Fill();
      if (r > 0) continue;
      if (r < 0) return Shutdown();  // the peer left (without close_notify) or the socket failed
      break;                         // drained: the socket's next edge comes back here
    }
    // After a TLS 1.3 handshake every record is protected (a change_cipher_spec is too late now).
    if (static_cast<uint8_t>(record[0]) != tls13::kApplicationData) return Shutdown();
    if (record.size() <= tls13::kHeaderSize + tls13::kTagSize) return Shutdown();  // no content type
    const size_t most = record.size() - tls13::kHeaderSize - tls13::kTagSize;
    const bool into_big = big_ && !closing_ && big_->size() - big_filled_ >= most;
    // Between frames, a record is opened into a recycled buffer that becomes the frame when the
    // record holds exactly one (the usual case for small frames): no copy, no allocation.
    std::shared_ptr<std::string> fresh;
    if (!big_ && in_len_ == 0 && !closing_) fresh = net::FrameBufferPool::Shared().Take(most);
    char* const plain = into_big ? big_->data() + big_filled_ : fresh ? fresh->data() : scratch;
    const auto opened = read_keys_.Open(record.data(), record.size(), plain);
    if (!opened) return Shutdown();  // forged, damaged or malformed
    if (opened->type != tls13::kApplicationData) {
      if (!ReadRecordWithGnutls(record.size(), opened->type, plain, opened->length)) return;
      continue;
    }
    wire_.Consume(record.size());
    last_read_ = poller_->BatchTime();
    bytes_in_.Add(static_cast<int64_t>(opened->length));
    if (closing_) continue;  // closing: the peer's last words are read and dropped
    if (!into_big) {
      TakePlaintext(plain, opened->length, fresh ? &fresh : nullptr);
      continue;
    }
    big_filled_ += opened->length;
    if (big_filled_ < big_->size()) continue;
    FrameBytes frame = std::move(big_);
    sink_->OnFrame(frame);
    first_frame_ = false;
  }
}

// A record that is not application data: an alert (close_notify, user_canceled, fatal ones) or
// KeyUpdate messages. GnuTLS reads it again with the sequence numbers the relay reached and acts
// on it; a KeyUpdate replaces the read key, and one that asks for the relay's is answered. Any
// other content ends the link.
bool TlsFrameLink::ReadRecordWithGnutls(size_t record_len, uint8_t type, const char* content, size_t len) {
  bool answer = false;
  bool ok = type == tls13::kAlert || (type == tls13::kHandshake && tls13::OnlyKeyUpdates(content, len, answer));
  ok = ok && read_keys_.Store(session_) && write_keys_.Store(session_);
  if (ok) {
    wire_.LimitPull(record_len);
    char ignored[16];
    const ssize_t r = gnutls_record_recv(session_, ignored, sizeof ignored);
    const bool taken = wire_.PullLimit() == 0;
    wire_.LimitPull(SIZE_MAX);
    // 0 is close_notify, which ends the link like a fatal alert; no data can come from here.
    ok = taken && (r == GNUTLS_E_WARNING_ALERT_RECEIVED || WouldBlock(static_cast<int>(r)));
  }
  if (ok && type == tls13::kHandshake) {
    ok = read_keys_.Load(session_, true) &&
         (!answer || (gnutls_session_key_update(session_, 0) == 0 && write_keys_.Load(session_, false)));
  } else if (ok) {
    ok = read_keys_.Follow(session_);  // an alert changes no key; only the sequence number moved
  }
  if (!ok) Shutdown();
  return ok;
}

// One record's content into frames: whole frames are cut where they are, the start of a frame
// waits in in_, and a frame larger than in_ fills its own buffer.
void TlsFrameLink::TakePlaintext(const char* data, size_t len, std::shared_ptr<std::string>* holder) {
  while (len > 0 && !dead_ && !closing_) {
    if (big_) {
      const size_t take = std::min(len, big_->size() - big_filled_);
      std::memcpy(big_->data() + big_filled_, data, take);
      big_filled_ += take;
      data += take;
      len -= take;
      if (big_filled_ < big_->size()) continue;
      FrameBytes frame = std::move(big_);
      sink_->OnFrame(frame);
      first_frame_ = false;
      continue;
    }
    bool ok;
    if (in_len_ == 0) {  // between frames: everything is used (cut, kept in in_ or in big_)
      ok = ParseRecord(*sink_, data, len, holder);
      len = 0;
    } else {
      const size_t take = std::min(len, kReadBuffer - in_len_);
      std::memcpy(in_.get() + in_len_, data, take);
      in_len_ += take;
      data += take;
      len -= take;
      ok = ParseFrames(*sink_);
    }
    // A broken frame: the sink answers and closes; if it did not, cut the connection.
    if (!ok && !closing_) return Shutdown();
  }
}

// After a GnuTLS read that returned no data: true to read again (a warning alert, or a KeyUpdate
// read with more records waiting); false to stop — the socket is drained (its next edge comes
// back), or the connection is over and was shut down: 0 is the peer's close_notify, and a
// renegotiation request (TLS 1.2) ends the link too, since the relay never renegotiates.
bool TlsFrameLink::ReadAgainAfter(ssize_t r) {
  if (r == GNUTLS_E_WARNING_ALERT_RECEIVED) return true;
  const bool again = WouldBlock(static_cast<int>(r));
  if (again && wire_.HoldsInput()) return true;
  if (!again || wire_.eof) Shutdown();
  return false;
}

// The socket came up short (nothing more until its next edge), no received ciphertext waits in
// the link, and GnuTLS holds no decrypted bytes: another read could only say "again". An end
// of stream is left for that read to report.
bool TlsFrameLink::Drained() const {
  return !dead_ && !wire_.readable && !wire_.eof && !wire_.HoldsInput() &&
         gnutls_record_check_pending(session_) == 0;
}

size_t TlsFrameLink::CutFrames(FrameSink& sink, const char* data, size_t len, bool& ok,
                               std::shared_ptr<std::string>* holder) {
  size_t pos = 0;
  ok = true;
  while (!dead_ && !closing_) {
    const size_t avail = len - pos;
    if (avail < wire::kHeaderSize) break;
    auto header = wire::DecodeHeader(std::span<const uint8_t, wire::kHeaderSize>(
        reinterpret_cast<const uint8_t*>(data + pos), wire::kHeaderSize));
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
      FrameBytes frame;
      if (holder != nullptr && *holder && pos == 0 && total == len) {  // the holder's buffer is the frame
        (*holder)->resize(total);
        frame = std::move(*holder);
      } else {
        frame = std::make_shared<const std::string>(data + pos, total);
      }
      pos += total;
      expect_big_ = false;
      sink.OnFrame(frame);
      first_frame_ = false;
      continue;
    }
    if (total > kReadBuffer) {
      auto big = net::FrameBufferPool::Shared().Take(total);  // every byte is read into it
      std::memcpy(big->data(), data + pos, avail);
      big_filled_ = avail;
      big_ = std::move(big);
      expect_big_ = true;
      pos = len;
    }
    break;  // the rest of the frame is still on its way
  }
  return pos;
}

bool TlsFrameLink::ParseFrames(FrameSink& sink) {
  bool ok = true;
  const size_t pos = CutFrames(sink, in_.get(), in_len_, ok);
  if (pos > 0) {
    std::memmove(in_.get(), in_.get() + pos, in_len_ - pos);
    in_len_ -= pos;
  }
  if (closing_) in_len_ = 0;
  return ok && !dead_;
}

bool TlsFrameLink::ParseRecord(FrameSink& sink, const char* data, size_t len, std::shared_ptr<std::string>* holder) {
  bool ok = true;
  const size_t pos = CutFrames(sink, data, len, ok, holder);
  if (ok && !dead_ && !closing_ && pos < len) {  // the start of a frame: it waits in in_
    if (!in_) in_ = PlainBuffers::Take();
    std::memcpy(in_.get(), data + pos, len - pos);
    in_len_ = len - pos;
  }
  return ok && !dead_;
}

}  // namespace tether::relay
