#include "wire/frame.h"

#include <gtest/gtest.h>

namespace tether::wire {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> v) {
  std::vector<uint8_t> out;
  for (int b : v) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST(FrameHeader, RoundTrips) {
  std::array<uint8_t, kHeaderSize> buf{};
  EncodeHeader({1234, Channel::kVideo, 0}, buf);
  auto h = DecodeHeader(buf);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->length, 1234u);
  EXPECT_EQ(h->channel, Channel::kVideo);
}

TEST(FrameHeader, LengthIsBigEndian) {
  auto b = Bytes({0x00, 0x01, 0x02, 0x03, 1, 0});
  auto h = DecodeHeader(std::span<const uint8_t, kHeaderSize>(b.data(), kHeaderSize));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->length, 0x00010203u);
}

TEST(FrameHeader, RejectsUnknownChannelFlagsAndOversize) {
  auto bad_channel = Bytes({0, 0, 0, 1, 200, 0});
  EXPECT_EQ(DecodeHeader(std::span<const uint8_t, kHeaderSize>(bad_channel.data(), 6)).error().code, "protocol");
  auto bad_flags = Bytes({0, 0, 0, 1, 0, 0x80});
  EXPECT_EQ(DecodeHeader(std::span<const uint8_t, kHeaderSize>(bad_flags.data(), 6)).error().code, "protocol");
  // 64 KiB + 1 on the control channel.
  auto big = Bytes({0, 1, 0, 1, 0, 0});
  EXPECT_EQ(DecodeHeader(std::span<const uint8_t, kHeaderSize>(big.data(), 6)).error().code, "too_large");
  auto huge = Bytes({0xff, 0xff, 0xff, 0xff, 1, 0});
  EXPECT_EQ(DecodeHeader(std::span<const uint8_t, kHeaderSize>(huge.data(), 6)).error().code, "too_large");
}

TEST(FrameReader, SplitsStreamDeliveredByteByByte) {
  std::vector<uint8_t> stream = Bytes({0, 0, 0, 2, 0, 0, 'h', 'i', 0, 0, 0, 0, 5, 0});
  FrameReader reader;
  std::vector<Frame> frames;
  for (uint8_t b : stream) {
    reader.Feed(std::span<const uint8_t>(&b, 1));
    Frame f;
    while (true) {
      auto r = reader.Next(f);
      ASSERT_TRUE(r.ok());
      if (!*r) break;
      frames.push_back(f);
    }
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(std::string(frames[0].payload.begin(), frames[0].payload.end()), "hi");
  EXPECT_EQ(frames[1].header.channel, Channel::kChat);
  EXPECT_TRUE(frames[1].payload.empty());
}

TEST(FrameReader, StaysFailedAfterBadHeader) {
  FrameReader reader;
  auto bad = Bytes({0, 0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0});
  reader.Feed(bad);
  Frame f;
  EXPECT_FALSE(reader.Next(f).ok());
  reader.Feed(Bytes({0, 0, 0, 0, 0, 0}));
  EXPECT_FALSE(reader.Next(f).ok());
}

}  // namespace
}  // namespace tether::wire
