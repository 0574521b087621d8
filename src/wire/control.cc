#include "wire/control.h"

#include <algorithm>

#include "wire/frame.h"

namespace tether::wire {

std::string EncodeFrame(Channel channel, const google::protobuf::MessageLite& msg, uint8_t flags) {
  const size_t size = msg.ByteSizeLong();
  std::string out(kHeaderSize + size, '\0');
  FrameHeader h{static_cast<uint32_t>(size), channel, flags};
  auto* bytes = reinterpret_cast<uint8_t*>(out.data());
  EncodeHeader(h, std::span<uint8_t, kHeaderSize>(bytes, kHeaderSize));
  msg.SerializeWithCachedSizesToArray(bytes + kHeaderSize);
  return out;
}

std::string EncodeControlFrame(const v1::ControlMessage& msg) {
  return EncodeFrame(Channel::kControl, msg);
}

std::string EncodeVideoFrame(const v1::VideoMessage& msg) {
  uint8_t flags = 0;
  if (msg.has_frame()) {
    flags |= kFlagDroppable;
    if (msg.frame().key_frame()) flags |= kFlagKeyFrame;
  }
  return EncodeFrame(Channel::kVideo, msg, flags);
}

namespace {

template <class T>
Result<T> DecodeAs(std::span<const uint8_t> payload, Channel channel) {
  if (payload.size() > MaxPayload(channel)) return MakeError("too_large", "message too large");
  T msg;
  if (!msg.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return MakeError("protocol", std::string("malformed ") + ChannelName(channel) + " message");
  }
  if (msg.msg_case() == T::MSG_NOT_SET) {
    return MakeError("protocol", std::string("empty ") + ChannelName(channel) + " message");
  }
  return msg;
}

}  // namespace

Result<v1::ControlMessage> DecodeControl(std::span<const uint8_t> payload) {
  return DecodeAs<v1::ControlMessage>(payload, Channel::kControl);
}
Result<v1::VideoMessage> DecodeVideo(std::span<const uint8_t> payload) {
  return DecodeAs<v1::VideoMessage>(payload, Channel::kVideo);
}
Result<v1::InputMessage> DecodeInput(std::span<const uint8_t> payload) {
  return DecodeAs<v1::InputMessage>(payload, Channel::kInput);
}
Result<v1::ClipboardMessage> DecodeClipboard(std::span<const uint8_t> payload) {
  return DecodeAs<v1::ClipboardMessage>(payload, Channel::kClipboard);
}

Result<uint32_t> NegotiateVersion(const v1::Hello& hello) {
  uint32_t peer_max = hello.protocol_version();
  uint32_t peer_min = hello.min_protocol_version() == 0 ? peer_max : hello.min_protocol_version();
  if (peer_min > peer_max) return MakeError("version", "min_protocol_version above protocol_version");
  uint32_t chosen = std::min(peer_max, kProtocolVersion);
  if (chosen < peer_min || chosen < kMinProtocolVersion) {
    return MakeError("version", "no protocol version in common");
  }
  return chosen;
}

}  // namespace tether::wire
