#pragma once
// SendQueue: the bounded outgoing queue of one link. Never grows without bound: when queued
// video exceeds its budget, the oldest superseded video frames are dropped (a slow receiver
// gets fresher frames, not a longer queue); everything else is kept until a hard byte limit,
// past which the link is declared overflowed and must close. Not thread-safe: the link guards
// it with its own mutex.
#include <cstddef>
#include <deque>

#include "net/frame_link.h"

namespace tether::net {

struct SendQueueLimits {
  size_t max_video_frames = 3;          // queued video frames beyond the one being written
  size_t max_bytes = 32u * 1024 * 1024; // everything queued; beyond this the link overflows
};

// How the queue may treat a frame (the link derives it from the frame's header flags).
enum class FrameKind {
  kOther = 0,       // never dropped
  kVideoDelta = 1,  // droppable video that only updates the previous picture
  kVideoKey = 2,    // droppable video that stands alone (a key frame); see wire::QueueKindOf
};

class SendQueue {
 public:
  explicit SendQueue(SendQueueLimits limits = {}) : limits_(limits) {}

  // When queued video exceeds its budget, all queued video is dropped; the new frame is then
  // kept only if it is a key frame (a delta on top of dropped frames would draw garbage).
  SendResult Push(FrameBytes frame, FrameKind kind);
  bool Empty() const { return items_.empty(); }
  size_t Size() const { return items_.size(); }
  size_t Bytes() const { return bytes_; }
  // Moves up to `max` frames (and at most `max_bytes` bytes, but always at least one) into
  // `out` for one gathered write.
  template <class Vec>
  void TakeBatch(Vec& out, size_t max, size_t max_bytes) {
    size_t taken_bytes = 0;
    while (!items_.empty() && out.size() < max &&
           (out.empty() || taken_bytes + items_.front().frame->size() <= max_bytes)) {
      taken_bytes += items_.front().frame->size();
      bytes_ -= items_.front().frame->size();
      if (items_.front().is_video) --video_count_;
      out.push_back(std::move(items_.front().frame));
      items_.pop_front();
    }
  }
  uint64_t DroppedVideo() const { return dropped_video_; }

 private:
  struct Item {
    FrameBytes frame;
    bool is_video;
  };
  SendQueueLimits limits_;
  std::deque<Item> items_;
  size_t bytes_ = 0;
  size_t video_count_ = 0;
  uint64_t dropped_video_ = 0;
};

}  // namespace tether::net
