#include "wire/control.h"

#include <gtest/gtest.h>

#include "wire/frame.h"

namespace tether::wire {
namespace {

TEST(Control, HelloRoundTripsThroughAFrame) {
  v1::ControlMessage msg;
  auto* hello = msg.mutable_hello();
  hello->set_protocol_version(1);
  hello->set_role(v1::ENDPOINT_ROLE_GUEST);
  hello->add_capabilities("video.jpeg");
  std::string frame = EncodeControlFrame(msg);
  ASSERT_GE(frame.size(), kHeaderSize);

  FrameReader reader;
  reader.Feed(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(frame.data()), frame.size()));
  Frame f;
  ASSERT_TRUE(*reader.Next(f));
  EXPECT_EQ(f.header.channel, Channel::kControl);
  auto decoded = DecodeControl(f.payload);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->hello().role(), v1::ENDPOINT_ROLE_GUEST);
  EXPECT_EQ(decoded->hello().capabilities(0), "video.jpeg");
}

TEST(Control, RejectsGarbageAndEmptyMessages) {
  std::vector<uint8_t> garbage = {0xff, 0xff, 0xff, 0xff, 0x0f};
  EXPECT_FALSE(DecodeControl(garbage).ok());
  std::vector<uint8_t> empty;
  EXPECT_EQ(DecodeControl(empty).error().code, "protocol");
}

TEST(Control, NegotiatesVersion) {
  v1::Hello h;
  h.set_protocol_version(7);
  h.set_min_protocol_version(1);
  EXPECT_EQ(*NegotiateVersion(h), kProtocolVersion);
  h.set_min_protocol_version(5);
  EXPECT_EQ(NegotiateVersion(h).error().code, "version");
  h.set_protocol_version(0);
  h.set_min_protocol_version(0);
  EXPECT_FALSE(NegotiateVersion(h).ok());
}

}  // namespace
}  // namespace tether::wire
