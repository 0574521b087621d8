// The relay's check of a guest's Thumbnail: only a small JPEG whose frame header matches the
// declared size is kept; truncated, oversized, mislabelled or non-JPEG data is refused.
#include "server/relay/thumbnail_check.h"

#include <gtest/gtest.h>

namespace tether::relay {
namespace {

// A minimal JPEG marker stream: SOI, an APP0 segment, SOF0 with the given size, EOI.
std::string Jpeg(uint16_t width, uint16_t height) {
  std::string j = "\xFF\xD8";
  j += std::string("\xFF\xE0\x00\x04\x4A\x46", 6);
  j += std::string("\xFF\xC0\x00\x0B\x08", 5);
  j += static_cast<char>(height >> 8);
  j += static_cast<char>(height & 0xff);
  j += static_cast<char>(width >> 8);
  j += static_cast<char>(width & 0xff);
  j += std::string("\x01\x01\x11\x00", 4);
  j += "\xFF\xD9";
  return j;
}

v1::Thumbnail Thumb(std::string jpeg, uint32_t width, uint32_t height) {
  v1::Thumbnail t;
  t.set_jpeg(std::move(jpeg));
  t.set_width(width);
  t.set_height(height);
  return t;
}

TEST(ThumbnailCheck, ASmallJpegOfTheDeclaredSizePasses) {
  EXPECT_TRUE(CheckThumbnail(Thumb(Jpeg(240, 135), 240, 135)));
  auto size = ReadJpegSize(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(Jpeg(7, 9).data()), 0));
  EXPECT_FALSE(size);
}

TEST(ThumbnailCheck, ReadsTheFrameHeader) {
  const std::string j = Jpeg(300, 17);
  auto size = ReadJpegSize(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(j.data()), j.size()));
  ASSERT_TRUE(size);
  EXPECT_EQ(size->width, 300u);
  EXPECT_EQ(size->height, 17u);
}

TEST(ThumbnailCheck, RefusesWhatIsNotASmallJpeg) {
  EXPECT_FALSE(CheckThumbnail(Thumb("<svg onload=alert(1)>", 10, 10))) << "not a JPEG";
  EXPECT_FALSE(CheckThumbnail(Thumb(Jpeg(4000, 3000), 4000, 3000))) << "too large a picture";
  EXPECT_FALSE(CheckThumbnail(Thumb(Jpeg(0, 10), 0, 10))) << "empty picture";
  EXPECT_FALSE(CheckThumbnail(Thumb(Jpeg(240, 135), 240, 136))) << "declared size differs";
  std::string truncated = Jpeg(240, 135);
  truncated.resize(truncated.size() - 2);
  EXPECT_FALSE(CheckThumbnail(Thumb(truncated, 240, 135))) << "no end of image";
  std::string runs_past = Jpeg(240, 135);
  runs_past[5] = '\x7f';  // APP0 length beyond the end
  EXPECT_FALSE(CheckThumbnail(Thumb(runs_past, 240, 135)));
  std::string no_sof = "\xFF\xD8\xFF\xDA\x00\x02\xFF\xD9";
  EXPECT_FALSE(CheckThumbnail(Thumb(no_sof, 1, 1))) << "image data before any frame header";
  std::string big = Jpeg(240, 135);
  big.insert(2, std::string("\xFF\xFE\xFF\xFF", 4) + std::string(0xFFFD, 'x'));
  EXPECT_GT(big.size(), kMaxThumbnailBytes);
  EXPECT_FALSE(CheckThumbnail(Thumb(big, 240, 135))) << "over 63 KiB";
}

}  // namespace
}  // namespace tether::relay
