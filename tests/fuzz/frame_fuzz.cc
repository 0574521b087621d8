// Fuzzes the relay's view of a byte stream: frame splitting, header bounds and control decoding.
#include <cstddef>
#include <cstdint>

#include "wire/control.h"
#include "wire/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tether::wire;
  FrameReader reader;
  // Feed in two uneven pieces so partial headers and payloads are exercised.
  size_t split = size ? data[0] % (size + 1) : 0;
  reader.Feed(std::span<const uint8_t>(data, split));
  Frame frame;
  for (int round = 0; round < 2; ++round) {
    while (true) {
      auto next = reader.Next(frame);
      if (!next.ok() || !*next) break;
      if (frame.payload.size() > MaxPayload(frame.header.channel)) __builtin_trap();
      if (frame.header.channel == Channel::kControl) {
        auto msg = DecodeControl(frame.payload);
        if (msg.ok() && msg->has_hello()) (void)NegotiateVersion(msg->hello());
      }
    }
    reader.Feed(std::span<const uint8_t>(data + split, size - split));
  }
  return 0;
}
