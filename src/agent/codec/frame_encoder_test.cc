#include "agent/codec/frame_encoder.h"

#include <gtest/gtest.h>
#include <turbojpeg.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "agent/codec/palette_encoder.h"

namespace tether::agent {
namespace {

// A BGRX test image that owns its pixels.
struct Image {
  Image(uint32_t w, uint32_t h) : width(w), height(h), pixels(size_t{w} * h, 0) {}
  uint32_t& at(uint32_t x, uint32_t y) { return pixels[size_t{y} * width + x]; }
  CapturedFrame Frame(std::vector<Rect> damage) const {
    CapturedFrame f;
    f.width = width;
    f.height = height;
    f.stride = width * 4;
    f.pixels = reinterpret_cast<const uint8_t*>(pixels.data());
    f.damage = std::move(damage);
    return f;
  }
  CapturedFrame Full() const { return Frame({Rect{0, 0, width, height}}); }
  uint32_t width, height;
  std::vector<uint32_t> pixels;
};

// Smooth colour noise, like a photograph.
void PaintPhoto(Image& img, const Rect& r, uint32_t seed) {
  std::minstd_rand rng(seed);
  for (int32_t y = r.y; y < r.bottom(); ++y) {
    for (int32_t x = r.x; x < r.right(); ++x) {
      const int base_r = 128 + static_cast<int>(60 * std::sin(x * 0.05) + 30 * std::cos(y * 0.07));
      const int base_g = 100 + static_cast<int>(50 * std::cos((x + y) * 0.03));
      const int base_b = 90 + (x * 3 + y) % 80;
      const int n = static_cast<int>(rng() % 9) - 4;
      auto c = [&](int v) { return static_cast<uint32_t>(std::clamp(v + n, 0, 255)); };
      img.at(x, y) = (c(base_r) << 16) | (c(base_g) << 8) | c(base_b);
    }
  }
}

// Two-colour "glyphs" on a background, like terminal text.
void PaintText(Image& img, const Rect& r, uint32_t seed) {
  std::minstd_rand rng(seed);
  for (int32_t y = r.y; y < r.bottom(); ++y) {
    for (int32_t x = r.x; x < r.right(); ++x) {
      img.at(x, y) = ((x / 6 + y / 13) % 3 && rng() % 3 == 0) ? 0x00000000 : 0x00f0f0f0;
    }
  }
}

class FrameEncoderTest : public ::testing::Test {
 protected:
  RealClock clock_;
  FrameEncoder encoder_{clock_};
  tether::v1::VideoFrame out_;
};

TEST_F(FrameEncoderTest, SolidTilesCarryTheColour) {
  Image img(130, 70);  // 3x2 grid with narrow edge tiles
  for (auto& p : img.pixels) p = 0xab112233;  // byte 3 is padding and must be ignored
  ASSERT_TRUE(encoder_.Encode(img.Full(), 4, &out_).ok());
  EXPECT_EQ(out_.monitor(), 4u);
  EXPECT_EQ(out_.width(), 130u);
  EXPECT_TRUE(out_.key_frame());
  ASSERT_EQ(out_.tiles_size(), 6);
  for (const auto& t : out_.tiles()) {
    EXPECT_EQ(t.codec(), tether::v1::CODEC_SOLID);
    EXPECT_EQ(t.solid_rgba(), 0x112233ffu);
    EXPECT_TRUE(t.data().empty());
  }
  EXPECT_EQ(encoder_.last_stats().solid_tiles, 6u);
}

TEST_F(FrameEncoderTest, FewColourTilesArePalettes) {
  Image img(150, 100);
  PaintText(img, Rect{0, 0, 150, 100}, 3);
  ASSERT_TRUE(encoder_.Encode(img.Full(), 0, &out_).ok());
  ASSERT_EQ(out_.tiles_size(), 6);
  EXPECT_EQ(encoder_.last_stats().palette_tiles, 6u);
  EXPECT_EQ(encoder_.last_stats().deflate_tiles, 0u);
  PaletteEncoder reference;  // palette_encoder_test.cc decodes what it makes
  for (const auto& t : out_.tiles()) {
    ASSERT_EQ(t.codec(), tether::v1::CODEC_PALETTE_DEFLATE);
    const Rect r{t.rect().x(), t.rect().y(), t.rect().width(), t.rect().height()};
    std::string expected;
    const auto* pixels = reinterpret_cast<const uint8_t*>(img.pixels.data());
    ASSERT_TRUE(*reference.Encode(pixels, img.width * 4, r, &expected));
    EXPECT_EQ(t.data(), expected);
    EXPECT_EQ(t.data()[0], 1);  // two colours: one bit per pixel
  }
}

TEST_F(FrameEncoderTest, TinyManyColouredTilesStayRgba) {
  Image img(64, 64);
  PaintText(img, Rect{0, 0, 64, 64}, 3);
  ASSERT_TRUE(encoder_.Encode(img.Full(), 0, &out_).ok());
  // A 2x1 change of two colours: the palette (2 + 8 bytes) would outweigh 8 bytes of RGBA.
  img.at(10, 10) = 0x00ff0000;
  img.at(11, 10) = 0x0000ff00;
  ASSERT_TRUE(encoder_.Encode(img.Frame({Rect{10, 10, 2, 1}}), 0, &out_).ok());
  ASSERT_EQ(out_.tiles_size(), 1);
  EXPECT_EQ(out_.tiles(0).codec(), tether::v1::CODEC_DEFLATE_RGBA);
}

TEST_F(FrameEncoderTest, LosslessTilesInflateToTheExactPixelsWithoutPalettes) {
  FrameEncoderOptions options;
  options.palette = false;
  FrameEncoder encoder(clock_, options);
  Image img(150, 100);
  PaintText(img, Rect{0, 0, 150, 100}, 3);
  ASSERT_TRUE(encoder.Encode(img.Full(), 0, &out_).ok());
  ASSERT_EQ(out_.tiles_size(), 6);
  for (const auto& t : out_.tiles()) {
    ASSERT_EQ(t.codec(), tether::v1::CODEC_DEFLATE_RGBA);
    const auto& r = t.rect();
    std::vector<uint8_t> rgba(size_t{r.width()} * r.height() * 4);
    uLongf size = rgba.size();
    ASSERT_EQ(uncompress(rgba.data(), &size, reinterpret_cast<const Bytef*>(t.data().data()),
                         t.data().size()),
              Z_OK);
    ASSERT_EQ(size, rgba.size());
    for (uint32_t y = 0; y < r.height(); ++y) {
      for (uint32_t x = 0; x < r.width(); ++x) {
        const uint32_t src = img.at(r.x() + x, r.y() + y);
        const uint8_t* px = &rgba[(size_t{y} * r.width() + x) * 4];
        ASSERT_EQ(px[0], (src >> 16) & 0xff);
        ASSERT_EQ(px[1], (src >> 8) & 0xff);
        ASSERT_EQ(px[2], src & 0xff);
        ASSERT_EQ(px[3], 0xff);
      }
    }
  }
  EXPECT_EQ(encoder.last_stats().deflate_tiles, 6u);
  EXPECT_EQ(encoder.last_stats().palette_tiles, 0u);
}

TEST_F(FrameEncoderTest, PalettesDoNotChangeTheClassification) {
  // The same L-shaped mix of photo and text, with and without palettes: the same tiles are
  // solid, lossless and JPEG (the palette path classifies in its own single pass).
  Image img(256, 192);
  PaintText(img, Rect{0, 0, 256, 192}, 7);
  PaintPhoto(img, Rect{0, 0, 128, 128}, 8);
  PaintPhoto(img, Rect{0, 128, 192, 64}, 9);
  for (uint32_t y = 0; y < 64; ++y) {
    for (uint32_t x = 192; x < 256; ++x) img.at(x, y) = 0x00336699;
  }
  FrameEncoderOptions options;
  options.palette = false;
  FrameEncoder rgba(clock_, options);
  tether::v1::VideoFrame rgba_out;
  ASSERT_TRUE(encoder_.Encode(img.Full(), 0, &out_).ok());
  ASSERT_TRUE(rgba.Encode(img.Full(), 0, &rgba_out).ok());
  ASSERT_EQ(out_.tiles_size(), rgba_out.tiles_size());
  for (int i = 0; i < out_.tiles_size(); ++i) {
    const auto& a = out_.tiles(i);
    const auto& b = rgba_out.tiles(i);
    EXPECT_EQ(a.rect().SerializeAsString(), b.rect().SerializeAsString());
    if (b.codec() == tether::v1::CODEC_DEFLATE_RGBA) {
      EXPECT_EQ(a.codec(), tether::v1::CODEC_PALETTE_DEFLATE);
    } else {
      EXPECT_EQ(a.codec(), b.codec());
    }
  }
  EXPECT_EQ(encoder_.last_stats().solid_tiles, 1u);
  EXPECT_EQ(encoder_.last_stats().palette_tiles, 4u);
  EXPECT_EQ(encoder_.last_stats().jpeg_rects, 2u);
}

// Mean absolute error per channel of a decoded JPEG tile against the source image.
double JpegError(const tether::v1::Tile& t, Image& img) {
  const auto& r = t.rect();
  tjhandle tj = tjInitDecompress();
  std::vector<uint8_t> rgb(size_t{r.width()} * r.height() * 3);
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(t.data().data());
  EXPECT_EQ(tjDecompressHeader3(tj, data, t.data().size(), &width, &height, &subsampling,
                                &colorspace),
            0);
  EXPECT_EQ(static_cast<uint32_t>(width), r.width());
  EXPECT_EQ(static_cast<uint32_t>(height), r.height());
  EXPECT_EQ(tjDecompress2(tj, data, t.data().size(), rgb.data(), width, 0, height, TJPF_RGB, 0), 0);
  tjDestroy(tj);
  double error = 0;
  for (uint32_t y = 0; y < r.height(); ++y) {
    for (uint32_t x = 0; x < r.width(); ++x) {
      const uint32_t src = img.at(r.x() + x, r.y() + y);
      const uint8_t* px = &rgb[(size_t{y} * r.width() + x) * 3];
      error += std::abs(int(px[0]) - int((src >> 16) & 0xff)) +
               std::abs(int(px[1]) - int((src >> 8) & 0xff)) + std::abs(int(px[2]) - int(src & 0xff));
    }
  }
  return error / (double(r.width()) * r.height() * 3);
}

TEST_F(FrameEncoderTest, PhotoTilesBecomeOneJpegThatDecodesClosely) {
  Image img(256, 128);
  PaintPhoto(img, Rect{0, 0, 256, 128}, 1);
  encoder_.SetJpegQuality(80);
  ASSERT_TRUE(encoder_.Encode(img.Full(), 0, &out_).ok());
  ASSERT_EQ(out_.tiles_size(), 1);  // 4x2 tiles merged into one picture
  EXPECT_EQ(encoder_.last_stats().jpeg_tiles, 8u);
  EXPECT_EQ(encoder_.last_stats().jpeg_rects, 1u);
  const auto& t = out_.tiles(0);
  ASSERT_EQ(t.codec(), tether::v1::CODEC_JPEG);
  EXPECT_EQ(t.rect().width(), 256u);
  EXPECT_EQ(t.rect().height(), 128u);
  EXPECT_LT(JpegError(t, img), 6.0);
}

TEST_F(FrameEncoderTest, JpegRectanglesFollowThePhotoShape) {
  // An L-shaped photo: 128 wide in tile rows 0-1, 192 wide in row 2; text elsewhere.
  Image img(256, 192);
  PaintText(img, Rect{0, 0, 256, 192}, 4);
  PaintPhoto(img, Rect{0, 0, 128, 128}, 2);
  PaintPhoto(img, Rect{0, 128, 192, 64}, 3);
  ASSERT_TRUE(encoder_.Encode(img.Full(), 0, &out_).ok());
  std::vector<Rect> jpegs;
  for (const auto& t : out_.tiles()) {
    if (t.codec() != tether::v1::CODEC_JPEG) continue;
    jpegs.push_back(Rect{t.rect().x(), t.rect().y(), t.rect().width(), t.rect().height()});
    EXPECT_LT(JpegError(t, img), 8.0);
  }
  ASSERT_EQ(jpegs.size(), 2u);
  EXPECT_TRUE(std::find(jpegs.begin(), jpegs.end(), Rect{0, 0, 128, 128}) != jpegs.end());
  EXPECT_TRUE(std::find(jpegs.begin(), jpegs.end(), Rect{0, 128, 192, 64}) != jpegs.end());
  EXPECT_EQ(encoder_.last_stats().palette_tiles, 5u);
}

TEST_F(FrameEncoderTest, MergingCanBeTurnedOff) {
  FrameEncoderOptions options;
  options.merge_jpeg_tiles = false;
  FrameEncoder encoder(clock_, options);
  Image img(256, 128);
  PaintPhoto(img, Rect{0, 0, 256, 128}, 2);
  ASSERT_TRUE(encoder.Encode(img.Full(), 0, &out_).ok());
  EXPECT_EQ(out_.tiles_size(), 8);
}

TEST_F(FrameEncoderTest, TilesCoverExactlyTheDamage) {
  Image img(300, 200);
  PaintPhoto(img, Rect{0, 0, 150, 200}, 5);
  PaintText(img, Rect{150, 0, 150, 100}, 6);
  std::minstd_rand rng(11);
  for (int round = 0; round < 20; ++round) {
    std::vector<Rect> damage;
    for (int i = 0; i < 1 + round % 5; ++i) {
      damage.push_back(Rect{static_cast<int32_t>(rng() % 300), static_cast<int32_t>(rng() % 200),
                            static_cast<uint32_t>(1 + rng() % 120), static_cast<uint32_t>(1 + rng() % 90)});
    }
    ASSERT_TRUE(encoder_.Encode(img.Frame(damage), 0, &out_).ok());
    std::vector<Rect> tiles;
    for (const auto& t : out_.tiles()) {
      const Rect r{t.rect().x(), t.rect().y(), t.rect().width(), t.rect().height()};
      EXPECT_TRUE(Contains(Rect{0, 0, 300, 200}, r));
      // Within one grid tile unless a merged JPEG.
      if (t.codec() != tether::v1::CODEC_JPEG) {
        EXPECT_EQ(r.x / 64, (r.right() - 1) / 64);
        EXPECT_EQ(r.y / 64, (r.bottom() - 1) / 64);
      }
      // Every tile touches the damage.
      bool touches = false;
      for (const Rect& d : damage) touches |= Overlaps(d, r);
      EXPECT_TRUE(touches);
      tiles.push_back(r);
    }
    // No overlaps, and every damaged pixel is covered.
    uint64_t sum = 0;
    for (const Rect& r : tiles) sum += r.area();
    EXPECT_EQ(UnionArea(tiles), sum);
    for (const Rect& d : damage) {
      const Rect clipped = Intersect(d, Rect{0, 0, 300, 200});
      std::vector<Rect> pieces;
      for (const Rect& r : tiles) pieces.push_back(Intersect(r, clipped));
      EXPECT_EQ(UnionArea(pieces), clipped.area());
    }
    EXPECT_FALSE(out_.key_frame());
  }
}

TEST_F(FrameEncoderTest, FrameIdsIncreaseAndEmptyDamageHasNoTiles) {
  Image img(64, 64);
  ASSERT_TRUE(encoder_.Encode(img.Full(), 0, &out_).ok());
  const uint64_t first = out_.frame_id();
  EXPECT_TRUE(out_.key_frame());
  ASSERT_TRUE(encoder_.Encode(img.Frame({}), 0, &out_).ok());
  EXPECT_GT(out_.frame_id(), first);
  EXPECT_EQ(out_.tiles_size(), 0);
  EXPECT_FALSE(out_.key_frame());
  ASSERT_TRUE(encoder_.Encode(img.Frame({Rect{3, 3, 2, 2}}), 0, &out_).ok());
  EXPECT_EQ(out_.frame_id(), first + 2);
  ASSERT_EQ(out_.tiles_size(), 1);
  EXPECT_EQ(out_.tiles(0).rect().x(), 3);
  EXPECT_EQ(out_.tiles(0).rect().width(), 2u);
  encoder_.set_next_frame_id(100);
  ASSERT_TRUE(encoder_.Encode(img.Full(), 0, &out_).ok());
  EXPECT_EQ(out_.frame_id(), 100u);
}

TEST_F(FrameEncoderTest, QualityIsClamped) {
  encoder_.SetJpegQuality(3);
  EXPECT_EQ(encoder_.jpeg_quality(), kMinJpegQuality);
  encoder_.SetJpegQuality(200);
  EXPECT_EQ(encoder_.jpeg_quality(), kMaxJpegQuality);
  encoder_.SetJpegQuality(50);
  EXPECT_EQ(encoder_.jpeg_quality(), 50);
}

TEST_F(FrameEncoderTest, LowerQualityMakesSmallerJpegs) {
  Image img(256, 256);
  PaintPhoto(img, Rect{0, 0, 256, 256}, 9);
  encoder_.SetJpegQuality(90);
  ASSERT_TRUE(encoder_.Encode(img.Full(), 0, &out_).ok());
  const uint64_t high = encoder_.last_stats().jpeg_bytes;
  encoder_.SetJpegQuality(30);
  ASSERT_TRUE(encoder_.Encode(img.Full(), 0, &out_).ok());
  EXPECT_LT(encoder_.last_stats().jpeg_bytes, high * 3 / 4);
}

TEST(TileClassifier, SolidTextAndPhoto) {
  Image img(192, 64);
  for (uint32_t y = 0; y < 64; ++y) {
    for (uint32_t x = 0; x < 64; ++x) img.at(x, y) = 0x00404040;
  }
  PaintText(img, Rect{64, 0, 64, 64}, 1);
  PaintPhoto(img, Rect{128, 0, 64, 64}, 2);
  const auto* px = reinterpret_cast<const uint8_t*>(img.pixels.data());
  const TileClass solid = ClassifyTile(px, img.width * 4, Rect{0, 0, 64, 64});
  EXPECT_EQ(solid.kind, TileKind::kSolid);
  EXPECT_EQ(solid.solid_bgrx, 0x00404040u);
  EXPECT_EQ(ClassifyTile(px, img.width * 4, Rect{64, 0, 64, 64}).kind, TileKind::kLossless);
  EXPECT_EQ(ClassifyTile(px, img.width * 4, Rect{128, 0, 64, 64}).kind, TileKind::kPhoto);
}

TEST(TileClassifier, AntialiasedTextStaysLossless) {
  // 60 grey levels, but drawn as short strokes on a flat background.
  Image img(64, 64);
  for (uint32_t y = 0; y < 64; ++y) {
    for (uint32_t x = 0; x < 64; ++x) {
      const bool stroke = (x % 8 == 3) && (y % 16 < 12);
      const uint32_t g = stroke ? (y * 4 + x) % 60 * 4 : 255;
      img.at(x, y) = (g << 16) | (g << 8) | g;
    }
  }
  EXPECT_EQ(ClassifyTile(reinterpret_cast<const uint8_t*>(img.pixels.data()), 256, Rect{0, 0, 64, 64}).kind,
            TileKind::kLossless);
}

}  // namespace
}  // namespace tether::agent
