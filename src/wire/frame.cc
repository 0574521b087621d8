#include "wire/frame.h"

#include <cstring>

namespace tether::wire {

uint32_t MaxPayload(Channel channel) {
  switch (channel) {
    case Channel::kControl: return 64 * 1024;
    case Channel::kVideo: return 8 * 1024 * 1024;
    case Channel::kInput: return 4 * 1024;
    case Channel::kClipboard: return 1024 * 1024;
    case Channel::kFile: return 256 * 1024;
    case Channel::kChat: return 16 * 1024;
  }
  return 0;
}

const char* ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kControl: return "control";
    case Channel::kVideo: return "video";
    case Channel::kInput: return "input";
    case Channel::kClipboard: return "clipboard";
    case Channel::kFile: return "file";
    case Channel::kChat: return "chat";
  }
  return "unknown";
}

VideoFlags VideoFlagsOf(const std::string& frame) {
  if (frame.size() < kHeaderSize || static_cast<uint8_t>(frame[4]) != static_cast<uint8_t>(Channel::kVideo)) {
    return {};
  }
  const auto flags = static_cast<uint8_t>(frame[5]);
  return {(flags & kFlagDroppable) != 0, (flags & kFlagKeyFrame) != 0};
}

int QueueKindOf(const std::string& frame) {
  const VideoFlags f = VideoFlagsOf(frame);
  return !f.droppable ? 0 : f.key ? 2 : 1;
}

void EncodeHeader(const FrameHeader& h, std::span<uint8_t, kHeaderSize> out) {
  out[0] = static_cast<uint8_t>(h.length >> 24);
  out[1] = static_cast<uint8_t>(h.length >> 16);
  out[2] = static_cast<uint8_t>(h.length >> 8);
  out[3] = static_cast<uint8_t>(h.length);
  out[4] = static_cast<uint8_t>(h.channel);
  out[5] = h.flags;
}

Result<FrameHeader> DecodeHeader(std::span<const uint8_t, kHeaderSize> in) {
  FrameHeader h;
  h.length = (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) | in[3];
  if (in[4] >= kChannelCount) return MakeError("protocol", "unknown channel");
  h.channel = static_cast<Channel>(in[4]);
  h.flags = in[5];
  if ((h.flags & ~kKnownFlags) != 0) return MakeError("protocol", "unknown frame flags");
  if (h.flags != 0 && h.channel != Channel::kVideo) return MakeError("protocol", "flags on a non-video channel");
  if (h.length > MaxPayload(h.channel)) return MakeError("too_large", "frame exceeds channel limit");
  return h;
}

void FrameReader::Feed(std::span<const uint8_t> bytes) {
  if (failed_) return;
  // Compact before growing so the buffer holds at most one partial frame plus this chunk.
  if (consumed_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<ptrdiff_t>(consumed_));
    consumed_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

Result<bool> FrameReader::Next(Frame& out) {
  if (failed_) return error_;
  size_t available = buffer_.size() - consumed_;
  if (available < kHeaderSize) return false;
  auto header = DecodeHeader(std::span<const uint8_t, kHeaderSize>(buffer_.data() + consumed_, kHeaderSize));
  if (!header.ok()) {
    failed_ = true;
    error_ = header.error();
    return error_;
  }
  if (available < kHeaderSize + header->length) return false;
  out.header = *header;
  const uint8_t* p = buffer_.data() + consumed_ + kHeaderSize;
  out.payload.assign(p, p + header->length);
  consumed_ += kHeaderSize + header->length;
  return true;
}

}  // namespace tether::wire
