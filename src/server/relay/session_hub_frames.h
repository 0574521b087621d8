#pragma once
// Frames the session hub builds for its hosts and its guest (session_hub*.cc only): control
// messages, consent states, and the "release every key and button" input frame. Pure.
#include <memory>
#include <string>

#include "net/frame_link.h"
#include "wire/control.h"
#include "wire/frame.h"

namespace tether::relay::hub_frames {

inline net::FrameBytes Control(const v1::ControlMessage& msg) {
  return std::make_shared<const std::string>(wire::EncodeControlFrame(msg));
}

inline net::FrameBytes ConsentStateFrame(v1::ConsentState::State state, bool timed_out = false) {
  v1::ControlMessage msg;
  msg.mutable_consent_state()->set_state(state);
  msg.mutable_consent_state()->set_timed_out(timed_out);
  return Control(msg);
}

// Relay -> guest: the question about or the grant to host `id` is void.
inline net::FrameBytes VoidConsentFrame(uint64_t id) {
  v1::ControlMessage msg;
  msg.mutable_consent_withdraw()->set_endpoint_id(id);
  return Control(msg);
}

inline net::FrameBytes ReleaseAllFrame() {
  v1::InputMessage release;
  release.mutable_release_all();
  return std::make_shared<const std::string>(wire::EncodeFrame(wire::Channel::kInput, release));
}

}  // namespace tether::relay::hub_frames
