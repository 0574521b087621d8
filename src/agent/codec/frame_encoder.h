#pragma once
// FrameEncoder: turns a captured frame's damage into a VideoFrame of tiles on a 64x64 grid
// aligned to the monitor origin — solid colour, lossless (a palette of up to 256 colours, else
// deflate RGBA) or JPEG per tile, with adjacent JPEG tiles merged into larger pictures. Keeps
// its codec state and buffers between frames. One thread (the capture/encode thread); must not
// outlive the Clock.
#include <cstdint>
#include <memory>
#include <vector>

#include "agent/capture/screen_capturer.h"
#include "agent/codec/palette_encoder.h"
#include "agent/codec/tile_classifier.h"
#include "base/clock.h"
#include "base/result.h"
#include "tether/v1/media.pb.h"

namespace tether::agent {

class DeflateEncoder;
class JpegEncoder;

inline constexpr uint32_t kTileSize = 64;
inline constexpr int kMinJpegQuality = 10;
inline constexpr int kMaxJpegQuality = 95;

struct FrameEncoderOptions {
  int jpeg_quality = 75;          // clamped to [kMinJpegQuality, kMaxJpegQuality]
  bool jpeg_420 = true;           // chroma subsampling 4:2:0 (false: 4:4:4)
  // One JPEG per rectangle of adjacent photographic tiles: runs in a tile row, stacked with
  // runs of the same span in the rows below (fewer pictures: less header and call overhead).
  bool merge_jpeg_tiles = true;
  int deflate_level = 1;
  // Lossless tiles of at most 256 colours as CODEC_PALETTE_DEFLATE when that is smaller than
  // RGBA (false: always CODEC_DEFLATE_RGBA, for viewers and benchmarks of the older path).
  bool palette = true;
  ZlibParams palette_zlib = kPaletteZlib;
  ClassifierLimits classifier;
};

// What the last Encode() produced, per codec.
struct EncodeStats {
  uint32_t solid_tiles = 0;
  uint32_t deflate_tiles = 0;     // CODEC_DEFLATE_RGBA
  uint32_t palette_tiles = 0;     // CODEC_PALETTE_DEFLATE
  uint32_t jpeg_tiles = 0;        // grid tiles sent as JPEG
  uint32_t jpeg_rects = 0;        // JPEG pictures (after merging)
  uint64_t deflate_bytes = 0;
  uint64_t palette_bytes = 0;
  uint64_t jpeg_bytes = 0;
  uint64_t encoded_pixels = 0;
  uint32_t encode_time_us = 0;
};

class FrameEncoder {
 public:
  explicit FrameEncoder(const Clock& clock, FrameEncoderOptions options = {});
  ~FrameEncoder();
  FrameEncoder(const FrameEncoder&) = delete;
  FrameEncoder& operator=(const FrameEncoder&) = delete;

  void SetJpegQuality(int quality);
  int jpeg_quality() const { return options_.jpeg_quality; }

  // Encodes the tiles of `frame` touched by its damage into *out, which is cleared first
  // (its tile messages and their buffers are reused: pass the same VideoFrame every time).
  // Sets frame_id (the next id, strictly increasing), monitor, width, height, key_frame
  // (the damage covers the whole frame) and encode_time_us; capture_time_us is the caller's.
  // A frame without damage gives a VideoFrame without tiles (and still takes an id).
  Status Encode(const CapturedFrame& frame, uint32_t monitor_id, tether::v1::VideoFrame* out);

  uint64_t next_frame_id() const { return next_frame_id_; }
  void set_next_frame_id(uint64_t id) { next_frame_id_ = id; }
  const EncodeStats& last_stats() const { return stats_; }

 private:
  struct JpegRun {
    Rect rect;
    uint32_t tiles = 0;
  };
  void MarkDirtyTiles(const CapturedFrame& frame);
  // A finished run of one tile row: extends an open run of the row above or opens its own.
  void CloseRun(JpegRun& run);
  // Encodes the open runs that the last row did not extend; the row's runs become open.
  Status FinishRow(const CapturedFrame& frame, tether::v1::VideoFrame* out);
  Status EmitJpeg(const CapturedFrame& frame, const JpegRun& run, tether::v1::VideoFrame* out);
  // A lossless tile of `colors` colours: a palette when that is smaller, else deflate RGBA.
  Status EmitLossless(const CapturedFrame& frame, const Rect& box, uint32_t colors,
                      tether::v1::Tile* tile);

  const Clock& clock_;
  FrameEncoderOptions options_;
  std::unique_ptr<DeflateEncoder> deflate_;
  std::unique_ptr<PaletteEncoder> palette_;
  std::unique_ptr<JpegEncoder> jpeg_;
  uint64_t next_frame_id_ = 1;
  uint32_t cols_ = 0;
  uint32_t rows_ = 0;
  std::vector<Rect> dirty_;  // per grid tile: bounding box of its damage (frame coordinates)
  std::vector<JpegRun> open_runs_;  // JPEG rectangles that the next tile row may extend
  std::vector<JpegRun> row_runs_;   // runs closed in the current row
  EncodeStats stats_;
};

}  // namespace tether::agent
