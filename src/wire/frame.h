#pragma once
// The frame: a 6-byte header (payload length u32 big-endian, channel u8, flags u8) followed by
// one protobuf message of that channel. Pure code: no I/O. See docs/protocol.md.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace tether::wire {

enum class Channel : uint8_t {
  kControl = 0,
  kVideo = 1,
  kInput = 2,
  kClipboard = 3,
  kFile = 4,
  kChat = 5,
};
constexpr uint8_t kChannelCount = 6;

constexpr size_t kHeaderSize = 6;
// Flags. Unknown flags are a protocol error.
constexpr uint8_t kFlagKeyFrame = 0x01;  // video channel: a VideoFrame that is a key frame
constexpr uint8_t kFlagDroppable = 0x02; // video channel: a VideoFrame a slow receiver may miss
constexpr uint8_t kKnownFlags = kFlagKeyFrame | kFlagDroppable;

struct FrameHeader {
  uint32_t length = 0;
  Channel channel = Channel::kControl;
  uint8_t flags = 0;
};

// The largest payload accepted on a channel; checked before any allocation.
uint32_t MaxPayload(Channel channel);
const char* ChannelName(Channel channel);

void EncodeHeader(const FrameHeader& header, std::span<uint8_t, kHeaderSize> out);
// Validates channel, flags (video flags only on the video channel) and the length bound.
Result<FrameHeader> DecodeHeader(std::span<const uint8_t, kHeaderSize> in);

// From a whole frame's header: is it droppable video, and is it a key frame.
struct VideoFlags {
  bool droppable = false;
  bool key = false;
};
VideoFlags VideoFlagsOf(const std::string& frame);
// How a send queue may treat the frame (kOther, kVideoDelta, kVideoKey), as net::FrameKind's
// underlying value; links cast it, so wire does not depend on net.
int QueueKindOf(const std::string& frame);

struct Frame {
  FrameHeader header;
  std::vector<uint8_t> payload;
};

// Splits a byte stream into frames. Stops at the first error and stays failed: the caller
// closes the connection. Buffers at most one partial frame.
class FrameReader {
 public:
  // Appends bytes; complete frames become available through Next().
  void Feed(std::span<const uint8_t> bytes);
  // The next complete frame, if any. Returns an error once the stream is known to be bad.
  Result<bool> Next(Frame& out);

 private:
  std::vector<uint8_t> buffer_;
  size_t consumed_ = 0;
  bool failed_ = false;
  Error error_;
};

}  // namespace tether::wire
