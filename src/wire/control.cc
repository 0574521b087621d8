#include "wire/control.h"

#include <algorithm>

#include "wire/frame.h"

namespace tether::wire {

std::string EncodeControlFrame(const v1::ControlMessage& msg) {
  std::string payload = msg.SerializeAsString();
  std::string out(kHeaderSize, '\0');
  FrameHeader h{static_cast<uint32_t>(payload.size()), Channel::kControl, 0};
  EncodeHeader(h, std::span<uint8_t, kHeaderSize>(reinterpret_cast<uint8_t*>(out.data()), kHeaderSize));
  out += payload;
  return out;
}

Result<v1::ControlMessage> DecodeControl(std::span<const uint8_t> payload) {
  if (payload.size() > MaxPayload(Channel::kControl)) {
    return MakeError("too_large", "control message too large");
  }
  v1::ControlMessage msg;
  if (!msg.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return MakeError("protocol", "malformed control message");
  }
  if (msg.msg_case() == v1::ControlMessage::MSG_NOT_SET) {
    return MakeError("protocol", "empty control message");
  }
  return msg;
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
