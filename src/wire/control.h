#pragma once
// Encoding and decoding of control-channel messages (handshake, heartbeat, errors).
// Pure code: no I/O.
#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"
#include "tether/v1/control.pb.h"
#include "tether/v1/media.pb.h"
#include "wire/frame.h"

namespace tether::wire {

constexpr uint32_t kProtocolVersion = 1;
constexpr uint32_t kMinProtocolVersion = 1;

// A whole frame (header + payload) carrying `msg` on `channel`.
std::string EncodeFrame(Channel channel, const google::protobuf::MessageLite& msg, uint8_t flags = 0);
// A whole frame carrying `msg` on the control channel.
std::string EncodeControlFrame(const v1::ControlMessage& msg);
// A VideoMessage frame, with the key-frame/droppable flags set from its content.
std::string EncodeVideoFrame(const v1::VideoMessage& msg);
// Parses a control payload; rejects anything that is not exactly one known message.
Result<v1::ControlMessage> DecodeControl(std::span<const uint8_t> payload);

// Parse a payload of the given channel's message type; exactly one oneof case must be set.
Result<v1::VideoMessage> DecodeVideo(std::span<const uint8_t> payload);
Result<v1::InputMessage> DecodeInput(std::span<const uint8_t> payload);
Result<v1::ClipboardMessage> DecodeClipboard(std::span<const uint8_t> payload);

// Picks the protocol version both sides speak, or an error naming the mismatch.
Result<uint32_t> NegotiateVersion(const v1::Hello& hello);

}  // namespace tether::wire
