#include "net/send_queue.h"

namespace tether::net {

SendResult SendQueue::Push(FrameBytes frame, FrameKind kind) {
  const bool is_video = kind != FrameKind::kOther;
  SendResult result = SendResult::kQueued;
  if (is_video && video_count_ >= limits_.max_video_frames) {
    // Drop every queued video frame: the receiver is behind, and the relay asks the guest for
    // a key frame so it catches up with a fresh picture.
    for (auto it = items_.begin(); it != items_.end();) {
      if (it->is_video) {
        bytes_ -= it->frame->size();
        it = items_.erase(it);
        ++dropped_video_;
      } else {
        ++it;
      }
    }
    video_count_ = 0;
    result = SendResult::kDroppedVideo;
    if (kind == FrameKind::kVideoDelta) {
      ++dropped_video_;
      return result;
    }
  }
  if (bytes_ + frame->size() > limits_.max_bytes) return SendResult::kClosed;
  bytes_ += frame->size();
  if (is_video) ++video_count_;
  items_.push_back(Item{std::move(frame), is_video});
  return result;
}

}  // namespace tether::net
