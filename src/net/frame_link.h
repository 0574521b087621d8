#pragma once
// FrameLink and FrameSink: the transport-neutral meeting point between a connection that
// carries Tether frames (the relay's TLS socket, the web server's WebSocket) and the relay
// logic that routes them. A link reads whole frames and hands them to its sink, one at a time,
// on the link's own strand; the sink may call Send/Close from any thread.
#include <cstdint>
#include <memory>
#include <string>

namespace tether::net {

// One whole frame as received or to be sent: the 6-byte header followed by the payload.
// Shared so one frame can be queued to many receivers without copying.
using FrameBytes = std::shared_ptr<const std::string>;

enum class SendResult {
  kQueued,        // accepted
  kDroppedVideo,  // queued video was superseded and dropped to keep the queue short
  kClosed,        // the link is closed or overflowed; the frame is gone
};

class FrameLink {
 public:
  virtual ~FrameLink() = default;
  // Queues a frame. Never blocks. Thread-safe.
  virtual SendResult Send(FrameBytes frame) = 0;
  // Closes after flushing what is queued (at most a short grace period). Thread-safe, idempotent.
  virtual void Close() = 0;
  virtual const std::string& PeerAddress() const = 0;
  // The TLS exporter value of this connection (net::ExportChannelBinding), for signatures that
  // must not be replayed on another connection; empty for links without their own TLS (the
  // browser viewer's WebSocket). Call on the link's strand (from the sink's callbacks).
  virtual std::string ChannelBinding() const { return {}; }
};

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // The largest payload the sink accepts now on `channel` (0: the channel is not allowed yet).
  // Checked by the link against the header before it reads or allocates the payload.
  virtual uint32_t ReadLimit(uint8_t channel) = 0;
  // A complete, header-validated frame. Called on the link's strand, one at a time.
  virtual void OnFrame(const FrameBytes& frame) = 0;
  // The peer broke the framing (bad header, oversize, wrong channel before the handshake). The
  // sink answers with an error; the link closes afterwards. Called on the link's strand.
  virtual void OnProtocolError(const std::string& message) = 0;
  // The link closed (peer left, timeout, error, or Close()). Called once, last.
  virtual void OnClosed() = 0;
};

}  // namespace tether::net
