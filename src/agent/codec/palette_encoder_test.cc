#include "agent/codec/palette_encoder.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "agent/codec/tile_classifier.h"

namespace tether::agent {
namespace {

// A BGRX image that owns its pixels; byte 3 is filled with noise, which encoders must ignore.
struct Image {
  Image(uint32_t w, uint32_t h) : width(w), height(h), pixels(size_t{w} * h, 0) {}
  uint32_t& at(uint32_t x, uint32_t y) { return pixels[size_t{y} * width + x]; }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(pixels.data()); }
  uint32_t stride() const { return width * 4; }
  uint32_t width, height;
  std::vector<uint32_t> pixels;
};

// A decoder written from docs/protocol.md ("Tile payloads") alone: CODEC_PALETTE_DEFLATE to RGBA.
// Returns an empty vector and sets *error for a malformed payload.
std::vector<uint8_t> DecodePalette(const std::string& data, uint32_t width, uint32_t height,
                                   std::string* error) {
  auto fail = [&](const char* why) {
    *error = why;
    return std::vector<uint8_t>{};
  };
  if (data.size() < 2) return fail("shorter than the header");
  const uint32_t bits = static_cast<uint8_t>(data[0]);
  const uint32_t colors = static_cast<uint8_t>(data[1]) + 1u;
  if (bits != 1 && bits != 2 && bits != 4 && bits != 8) return fail("bad bits per index");
  if (colors > (1u << bits)) return fail("palette larger than the indices can address");
  const size_t palette_end = 2 + size_t{colors} * 4;
  if (data.size() < palette_end) return fail("palette cut short");
  const size_t row_bytes = (size_t{width} * bits + 7) / 8;
  std::vector<uint8_t> packed(row_bytes * height + 1);  // one more: detects a longer stream
  uLongf size = packed.size();
  const int z = uncompress(packed.data(), &size,
                           reinterpret_cast<const Bytef*>(data.data() + palette_end),
                           data.size() - palette_end);
  if ((z != Z_OK && z != Z_BUF_ERROR) || size != row_bytes * height) {
    return fail("indices do not inflate to height * row bytes");
  }
  if (z == Z_BUF_ERROR) return fail("indices inflate to more than height * row bytes");
  std::vector<uint8_t> rgba(size_t{width} * height * 4);
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      const size_t bit = size_t{x} * bits;
      const uint8_t byte = packed[y * row_bytes + bit / 8];
      const uint32_t index = (byte >> (8 - bits - bit % 8)) & ((1u << bits) - 1);
      if (index >= colors) return fail("index beyond the palette");
      std::memcpy(&rgba[(size_t{y} * width + x) * 4], data.data() + 2 + index * 4, 4);
    }
  }
  return rgba;
}

// The RGBA of `rect` of a BGRX image, alpha 255.
std::vector<uint8_t> ExpectedRgba(const Image& img, const Rect& r) {
  std::vector<uint8_t> out;
  for (int32_t y = r.y; y < r.bottom(); ++y) {
    for (int32_t x = r.x; x < r.right(); ++x) {
      const uint32_t v = img.pixels[size_t(y) * img.width + x];
      out.insert(out.end(), {uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v), 0xff});
    }
  }
  return out;
}

// Paints `rect` with pixels drawn from `colors` distinct colours, every one of them used.
void PaintColors(Image& img, const Rect& r, uint32_t colors, uint32_t seed) {
  std::minstd_rand rng(seed);
  uint32_t i = 0;
  for (int32_t y = r.y; y < r.bottom(); ++y) {
    for (int32_t x = r.x; x < r.right(); ++x, ++i) {
      // The first `colors` pixels take each colour once, the rest are random (in runs).
      const uint32_t c = i < colors ? i : (rng() % 4 ? (rng() % colors) : 0);
      img.at(x, y) = ((rng() & 0xff) << 24) | (c * 0x010305u + 0x102030u) % 0x1000000u;
    }
  }
}

void ExpectRoundTrip(PaletteEncoder& encoder, const Image& img, const Rect& r,
                     uint32_t expected_colors) {
  std::string data;
  auto fits = encoder.Encode(img.data(), img.stride(), r, &data);
  ASSERT_TRUE(fits.ok()) << fits.error().message;
  ASSERT_TRUE(*fits);
  EXPECT_EQ(encoder.colors(), expected_colors);
  ASSERT_GE(data.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(data[0]), PaletteIndexBits(expected_colors));
  EXPECT_EQ(static_cast<uint8_t>(data[1]) + 1u, expected_colors);
  std::string error;
  const auto rgba = DecodePalette(data, r.width, r.height, &error);
  ASSERT_TRUE(error.empty()) << error << " (" << r.width << "x" << r.height << ")";
  EXPECT_EQ(rgba, ExpectedRgba(img, r)) << r.width << "x" << r.height;
}

TEST(PaletteEncoder, IndexBitsFollowThePaletteSize) {
  EXPECT_EQ(PaletteIndexBits(1), 1u);
  EXPECT_EQ(PaletteIndexBits(2), 1u);
  EXPECT_EQ(PaletteIndexBits(3), 2u);
  EXPECT_EQ(PaletteIndexBits(4), 2u);
  EXPECT_EQ(PaletteIndexBits(5), 4u);
  EXPECT_EQ(PaletteIndexBits(16), 4u);
  EXPECT_EQ(PaletteIndexBits(17), 8u);
  EXPECT_EQ(PaletteIndexBits(256), 8u);
  EXPECT_EQ(PaletteRowBytes(64, 1), 8u);
  EXPECT_EQ(PaletteRowBytes(10, 2), 3u);
  EXPECT_EQ(PaletteRowBytes(1, 4), 1u);
  EXPECT_EQ(PaletteRowBytes(63, 8), 63u);
}

TEST(PaletteEncoder, RoundTripsEveryPaletteSizeAndEdgeSize) {
  PaletteEncoder encoder;  // one encoder for everything: its state must not leak between tiles
  const uint32_t sizes[][2] = {{1, 1}, {1, 64}, {64, 1}, {2, 2}, {3, 5}, {7, 3}, {9, 9},
                               {10, 3}, {17, 4}, {31, 64}, {63, 63}, {64, 64}};
  const uint32_t palettes[] = {1, 2, 3, 4, 5, 15, 16, 17, 100, 255, 256};
  uint32_t seed = 1;
  for (const auto& size : sizes) {
    for (uint32_t colors : palettes) {
      if (colors > size[0] * size[1]) continue;
      // The tile sits inside a larger frame, away from its origin, to exercise the stride.
      Image img(size[0] + 5, size[1] + 3);
      const Rect r{3, 2, size[0], size[1]};
      PaintColors(img, Rect{0, 0, img.width, img.height}, 7, seed);
      PaintColors(img, r, colors, ++seed);
      ExpectRoundTrip(encoder, img, r, colors);
    }
  }
}

TEST(PaletteEncoder, RowsArePaddedWithZeroBits) {
  Image img(3, 2);  // 3 pixels at 1 bit: 5 padding bits per row
  for (auto& p : img.pixels) p = 0x00ffffff;
  img.at(1, 0) = 0;
  std::string data;
  PaletteEncoder encoder;
  ASSERT_TRUE(*encoder.Encode(img.data(), img.stride(), Rect{0, 0, 3, 2}, &data));
  ASSERT_EQ(data.substr(0, 10), std::string("\x01\x01\xff\xff\xff\xff\x00\x00\x00\xff", 10));
  std::vector<uint8_t> packed(2);
  uLongf size = packed.size();
  ASSERT_EQ(uncompress(packed.data(), &size, reinterpret_cast<const Bytef*>(data.data() + 10),
                       data.size() - 10),
            Z_OK);
  ASSERT_EQ(size, 2u);
  EXPECT_EQ(packed[0], 0b01000000);  // white (0), black (1), white (0), padding
  EXPECT_EQ(packed[1], 0b00000000);
}

TEST(PaletteEncoder, RefusesMoreColoursThanAllowed) {
  PaletteEncoder encoder;
  Image img(64, 64);
  PaintColors(img, Rect{0, 0, 64, 64}, 257, 5);
  std::string data;
  auto fits = encoder.Encode(img.data(), img.stride(), Rect{0, 0, 64, 64}, &data);
  ASSERT_TRUE(fits.ok());
  EXPECT_FALSE(*fits);
  // Exactly at a smaller limit, and one beyond it.
  PaintColors(img, Rect{0, 0, 64, 64}, 16, 6);
  EXPECT_TRUE(*encoder.Encode(img.data(), img.stride(), Rect{0, 0, 64, 64}, &data, 16));
  EXPECT_FALSE(*encoder.Encode(img.data(), img.stride(), Rect{0, 0, 64, 64}, &data, 15));
  // A failed tile leaves nothing behind: the next one still round-trips.
  ExpectRoundTrip(encoder, img, Rect{0, 0, 64, 64}, 16);
  EXPECT_FALSE(encoder.Encode(img.data(), img.stride(), Rect{0, 0, 0, 4}, &data).ok());
}

TEST(PaletteEncoder, WriteNeedsAScannedTile) {
  PaletteEncoder encoder;
  std::string data;
  EXPECT_FALSE(encoder.Write(&data).ok());
  Image img(64, 64);
  std::minstd_rand rng(3);
  for (auto& p : img.pixels) p = rng() & 0xffffff;  // noise: a photo
  EXPECT_EQ(encoder.Scan(img.data(), img.stride(), Rect{0, 0, 64, 64}).kind, TileKind::kPhoto);
  EXPECT_FALSE(encoder.Write(&data).ok());
}

TEST(PaletteEncoder, ScanClassifiesLikeTheTileClassifier) {
  // Many kinds of tiles, compared with ClassifyTile; lossless ones must also round-trip.
  PaletteEncoder encoder;
  std::minstd_rand rng(42);
  int kinds[3] = {0, 0, 0};
  for (int round = 0; round < 300; ++round) {
    const uint32_t w = 1 + rng() % 64, h = 1 + rng() % 64;
    Image img(w, h);
    const uint32_t colors = 1 + rng() % (round % 3 == 0 ? 600 : 40);
    const uint32_t run = 1 + rng() % (round % 3 == 0 ? 3 : 12);  // longer runs: more repeats
    uint32_t c = 0;
    for (uint32_t i = 0; i < w * h; ++i) {
      if (i % run == 0) c = (rng() % colors) * 0x9e3779u & 0xffffff;
      img.pixels[i] = c | (rng() << 24);
    }
    const Rect r{0, 0, w, h};
    const TileClass want = ClassifyTile(img.data(), img.stride(), r);
    const TileClass got = encoder.Scan(img.data(), img.stride(), r);
    ASSERT_EQ(int(got.kind), int(want.kind)) << "round " << round;
    ++kinds[int(got.kind)];
    if (want.kind == TileKind::kPhoto) continue;
    EXPECT_EQ(got.colors, want.colors) << "round " << round;
    EXPECT_EQ(got.solid_bgrx, want.solid_bgrx) << "round " << round;
    std::string data, error;
    ASSERT_TRUE(encoder.Write(&data).ok());
    EXPECT_EQ(DecodePalette(data, w, h, &error), ExpectedRgba(img, r)) << error;
  }
  EXPECT_GE(kinds[int(TileKind::kSolid)], 3);
  EXPECT_GE(kinds[int(TileKind::kLossless)], 50);
  EXPECT_GE(kinds[int(TileKind::kPhoto)], 50);
}

TEST(PaletteEncoder, PaletteIsSmallerRulesOutTinyManyColouredTiles) {
  EXPECT_TRUE(PaletteIsSmaller(2, 64, 64));
  EXPECT_TRUE(PaletteIsSmaller(256, 64, 64));
  EXPECT_FALSE(PaletteIsSmaller(257, 64, 64));
  EXPECT_FALSE(PaletteIsSmaller(0, 64, 64));
  EXPECT_FALSE(PaletteIsSmaller(2, 1, 1));   // 2 + 8 + 1 bytes against 4
  EXPECT_FALSE(PaletteIsSmaller(4, 2, 2));   // 2 + 16 + 2 against 16
  EXPECT_TRUE(PaletteIsSmaller(2, 4, 4));    // 2 + 8 + 4 against 64
}

// The golden vector video_key_frame_palette (tests/vectors/frames.json): bytes made by this
// encoder, decoded by the browser's tests too. Its tiles must decode to the recorded picture,
// and encoding that picture again must give the same header, palette and indices (the zlib
// stream itself may differ between zlib versions).
TEST(PaletteEncoder, GoldenVector) {
  std::ifstream in(std::string(TETHER_SOURCE_DIR) + "/tests/vectors/frames.json");
  ASSERT_TRUE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto vectors = nlohmann::json::parse(ss.str());
  const nlohmann::json* vector = nullptr;
  for (const auto& v : vectors) {
    if (v["name"] == "video_key_frame_palette") vector = &v;
  }
  ASSERT_TRUE(vector) << "no vector video_key_frame_palette";
  const auto& frame = (*vector)["message"]["frame"];
  const uint32_t width = frame["width"], height = frame["height"];
  const std::string picture_hex = (*vector)["picture_rgba"];
  ASSERT_EQ(picture_hex.size(), size_t{width} * height * 8);
  std::vector<uint8_t> picture;
  for (size_t i = 0; i < picture_hex.size(); i += 2) {
    picture.push_back(static_cast<uint8_t>(std::stoi(picture_hex.substr(i, 2), nullptr, 16)));
  }
  Image img(width, height);  // the picture as BGRX
  for (size_t i = 0; i < img.pixels.size(); ++i) {
    ASSERT_EQ(picture[i * 4 + 3], 0xff);
    img.pixels[i] = (uint32_t{picture[i * 4]} << 16) | (uint32_t{picture[i * 4 + 1]} << 8) |
                    picture[i * 4 + 2];
  }
  auto base64 = [](const std::string& s) {
    static const std::string kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : s) {
      if (c == '=') break;
      acc = (acc << 6) | static_cast<uint32_t>(kAlphabet.find(c));
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<char>((acc >> bits) & 0xff));
      }
    }
    return out;
  };
  auto inflated = [](const std::string& data, size_t skip) {
    std::vector<uint8_t> out(1 << 16);
    uLongf size = out.size();
    EXPECT_EQ(uncompress(out.data(), &size, reinterpret_cast<const Bytef*>(data.data() + skip),
                         data.size() - skip),
              Z_OK);
    out.resize(size);
    return out;
  };
  PaletteEncoder encoder;
  int palette_tiles = 0;
  for (const auto& tile : frame["tiles"]) {
    if (tile["codec"] != "CODEC_PALETTE_DEFLATE") continue;
    ++palette_tiles;
    const auto& rect = tile["rect"];
    const Rect r{rect.value("x", 0), rect.value("y", 0), rect["width"], rect["height"]};
    const std::string data = base64(tile["data"].get<std::string>());
    std::string error;
    EXPECT_EQ(DecodePalette(data, r.width, r.height, &error), ExpectedRgba(img, r)) << error;
    std::string again;
    ASSERT_TRUE(*encoder.Encode(img.data(), img.stride(), r, &again));
    const size_t header = 2 + (static_cast<uint8_t>(data[1]) + 1u) * 4;
    EXPECT_EQ(again.substr(0, header), data.substr(0, header));
    EXPECT_EQ(inflated(again, header), inflated(data, header));
  }
  EXPECT_GE(palette_tiles, 2);
}

}  // namespace
}  // namespace tether::agent
