// Fuzzes the relay's handling of a guest's GuestInfo: a control payload is decoded, and an
// accepted GuestInfo must give facts that are bounded and free of control characters.
#include <cstddef>
#include <cstdint>

#include "server/relay/guest_info_check.h"
#include "wire/control.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tether;
  auto msg = wire::DecodeControl(std::span<const uint8_t>(data, size));
  if (!msg.ok() || !msg->has_guest_info()) return 0;
  auto facts = relay::CheckGuestInfo(msg->guest_info(), "192.0.2.1");
  if (!facts.ok()) return 0;
  for (const std::string* f : {&facts->machine, &facts->os, &facts->user, &facts->agent_version}) {
    if (f->size() > relay::kMaxGuestInfoFieldBytes) __builtin_trap();
    for (char c : *f) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) __builtin_trap();
    }
  }
  if (facts->address != "192.0.2.1") __builtin_trap();
  return 0;
}
