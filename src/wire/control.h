#pragma once
// Encoding and decoding of control-channel messages (handshake, heartbeat, errors).
// Pure code: no I/O.
#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"
#include "tether/v1/control.pb.h"

namespace tether::wire {

constexpr uint32_t kProtocolVersion = 1;
constexpr uint32_t kMinProtocolVersion = 1;

// A whole frame (header + payload) carrying `msg` on the control channel.
std::string EncodeControlFrame(const v1::ControlMessage& msg);
// Parses a control payload; rejects anything that is not exactly one known message.
Result<v1::ControlMessage> DecodeControl(std::span<const uint8_t> payload);

// Picks the protocol version both sides speak, or an error naming the mismatch.
Result<uint32_t> NegotiateVersion(const v1::Hello& hello);

}  // namespace tether::wire
