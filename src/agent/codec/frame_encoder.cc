#include "agent/codec/frame_encoder.h"

#include <algorithm>
#include <chrono>

#include "agent/codec/deflate_encoder.h"
#include "agent/codec/jpeg_encoder.h"
#include "agent/codec/palette_encoder.h"

namespace tether::agent {
namespace {

void SetRect(const Rect& r, tether::v1::Rect* out) {
  out->set_x(r.x);
  out->set_y(r.y);
  out->set_width(r.width);
  out->set_height(r.height);
}

// 0xRRGGBBAA with opaque alpha from a BGRX pixel value (B in the low byte).
uint32_t SolidRgba(uint32_t bgrx) {
  const uint32_t r = (bgrx >> 16) & 0xff, g = (bgrx >> 8) & 0xff, b = bgrx & 0xff;
  return (r << 24) | (g << 16) | (b << 8) | 0xffu;
}

}  // namespace

FrameEncoder::FrameEncoder(const Clock& clock, FrameEncoderOptions options)
    : clock_(clock),
      options_(options),
      deflate_(std::make_unique<DeflateEncoder>(options.deflate_level)),
      palette_(std::make_unique<PaletteEncoder>(options.palette_zlib)),
      jpeg_(std::make_unique<JpegEncoder>()) {
  SetJpegQuality(options.jpeg_quality);
}

FrameEncoder::~FrameEncoder() = default;

void FrameEncoder::SetJpegQuality(int quality) {
  options_.jpeg_quality = std::clamp(quality, kMinJpegQuality, kMaxJpegQuality);
}

void FrameEncoder::MarkDirtyTiles(const CapturedFrame& frame) {
  cols_ = (frame.width + kTileSize - 1) / kTileSize;
  rows_ = (frame.height + kTileSize - 1) / kTileSize;
  dirty_.assign(size_t{cols_} * rows_, Rect{});
  const Rect frame_rect{0, 0, frame.width, frame.height};
  for (const Rect& damage : frame.damage) {
    const Rect d = Intersect(damage, frame_rect);
    if (d.empty()) continue;
    const uint32_t c0 = static_cast<uint32_t>(d.x) / kTileSize;
    const uint32_t c1 = static_cast<uint32_t>(d.right() - 1) / kTileSize;
    const uint32_t r0 = static_cast<uint32_t>(d.y) / kTileSize;
    const uint32_t r1 = static_cast<uint32_t>(d.bottom() - 1) / kTileSize;
    for (uint32_t row = r0; row <= r1; ++row) {
      for (uint32_t col = c0; col <= c1; ++col) {
        const Rect tile{static_cast<int32_t>(col * kTileSize), static_cast<int32_t>(row * kTileSize),
                        kTileSize, kTileSize};
        Rect& box = dirty_[size_t{row} * cols_ + col];
        box = Bounding(box, Intersect(d, tile));
      }
    }
  }
}

void FrameEncoder::CloseRun(JpegRun& run) {
  if (run.tiles == 0) return;
  if (options_.merge_jpeg_tiles) {
    for (JpegRun& open : open_runs_) {
      if (open.tiles > 0 && open.rect.x == run.rect.x && open.rect.width == run.rect.width &&
          open.rect.bottom() == run.rect.y) {
        run.rect = Bounding(open.rect, run.rect);
        run.tiles += open.tiles;
        open.tiles = 0;  // carried into this row's run
        break;
      }
    }
  }
  row_runs_.push_back(run);
  run = JpegRun{};
}

Status FrameEncoder::FinishRow(const CapturedFrame& frame, tether::v1::VideoFrame* out) {
  for (const JpegRun& open : open_runs_) {
    if (Status s = EmitJpeg(frame, open, out); !s.ok()) return s;
  }
  open_runs_.swap(row_runs_);
  row_runs_.clear();
  return {};
}

Status FrameEncoder::EmitJpeg(const CapturedFrame& frame, const JpegRun& run,
                              tether::v1::VideoFrame* out) {
  if (run.tiles == 0) return {};
  tether::v1::Tile* tile = out->add_tiles();
  SetRect(run.rect, tile->mutable_rect());
  tile->set_codec(tether::v1::CODEC_JPEG);
  Status s = jpeg_->Encode(frame.pixels, frame.stride, run.rect, options_.jpeg_quality,
                           options_.jpeg_420, tile->mutable_data());
  stats_.jpeg_tiles += run.tiles;
  stats_.jpeg_rects += 1;
  stats_.jpeg_bytes += tile->data().size();
  return s;
}

// A lossless tile just scanned: its palette is in palette_ when options_.palette is set.
Status FrameEncoder::EmitLossless(const CapturedFrame& frame, const Rect& box, uint32_t colors,
                                  tether::v1::Tile* tile) {
  if (options_.palette && PaletteIsSmaller(colors, box.width, box.height)) {
    if (Status s = palette_->Write(tile->mutable_data()); !s.ok()) return s;
    tile->set_codec(tether::v1::CODEC_PALETTE_DEFLATE);
    ++stats_.palette_tiles;
    stats_.palette_bytes += tile->data().size();
    return {};
  }
  tile->set_codec(tether::v1::CODEC_DEFLATE_RGBA);
  if (Status s = deflate_->Encode(frame.pixels, frame.stride, box, tile->mutable_data()); !s.ok()) {
    return s;
  }
  ++stats_.deflate_tiles;
  stats_.deflate_bytes += tile->data().size();
  return {};
}

Status FrameEncoder::Encode(const CapturedFrame& frame, uint32_t monitor_id,
                            tether::v1::VideoFrame* out) {
  const auto start = clock_.Steady();
  out->Clear();
  stats_ = EncodeStats{};
  out->set_frame_id(next_frame_id_++);
  out->set_monitor(monitor_id);
  out->set_width(frame.width);
  out->set_height(frame.height);
  if (frame.width == 0 || frame.height == 0 || !frame.pixels) return {};
  if (frame.stride < frame.width * 4) return MakeError("validation", "frame stride too small");
  MarkDirtyTiles(frame);
  open_runs_.clear();
  row_runs_.clear();

  bool key_frame = true;
  for (uint32_t row = 0; row < rows_; ++row) {
    JpegRun run;
    for (uint32_t col = 0; col < cols_; ++col) {
      const Rect& box = dirty_[size_t{row} * cols_ + col];
      const Rect tile_rect = Intersect(
          Rect{static_cast<int32_t>(col * kTileSize), static_cast<int32_t>(row * kTileSize),
               kTileSize, kTileSize},
          Rect{0, 0, frame.width, frame.height});
      if (!(box == tile_rect)) key_frame = false;
      if (box.empty()) continue;
      stats_.encoded_pixels += box.area();
      // With palettes on, one pass classifies the tile and maps it to palette indices.
      const TileClass kind =
          options_.palette ? palette_->Scan(frame.pixels, frame.stride, box, options_.classifier)
                           : ClassifyTile(frame.pixels, frame.stride, box, options_.classifier);
      if (kind.kind == TileKind::kPhoto) {
        const bool extends = run.tiles > 0 && options_.merge_jpeg_tiles &&
                             run.rect.y == box.y && run.rect.height == box.height &&
                             run.rect.right() == box.x;
        if (extends) {
          run.rect.width += box.width;
          ++run.tiles;
          continue;
        }
        CloseRun(run);
        run.rect = box;
        run.tiles = 1;
        continue;
      }
      tether::v1::Tile* tile = out->add_tiles();
      SetRect(box, tile->mutable_rect());
      if (kind.kind == TileKind::kSolid) {
        tile->set_codec(tether::v1::CODEC_SOLID);
        tile->set_solid_rgba(SolidRgba(kind.solid_bgrx));
        ++stats_.solid_tiles;
      } else if (Status s = EmitLossless(frame, box, kind.colors, tile); !s.ok()) {
        return s;
      }
    }
    CloseRun(run);
    if (Status s = FinishRow(frame, out); !s.ok()) return s;
  }
  if (Status s = FinishRow(frame, out); !s.ok()) return s;  // the last row's runs
  out->set_key_frame(key_frame);
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock_.Steady() - start);
  stats_.encode_time_us = static_cast<uint32_t>(std::clamp<int64_t>(elapsed.count(), 0, UINT32_MAX));
  out->set_encode_time_us(stats_.encode_time_us);
  return {};
}

}  // namespace tether::agent
