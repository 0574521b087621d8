#include "net/frame_buffer_pool.h"

namespace tether::net {

FrameBufferPool& FrameBufferPool::Shared() {
  static auto* pool = new FrameBufferPool;  // never destroyed: frames may be released at exit
  return *pool;
}

std::shared_ptr<std::string> FrameBufferPool::Take(size_t size) {
  std::unique_ptr<std::string> buffer;
  {
    std::lock_guard lock(mu_);
    if (!kept_.empty()) {
      buffer = std::move(kept_.back());
      kept_.pop_back();
    }
  }
  if (!buffer) buffer = std::make_unique<std::string>();
  // Shrinking only moves the end; growing fills just the new part. A buffer sized for the
  // previous frame of a bulk transfer usually fits the next one without touching its bytes.
  buffer->resize(size);
  return std::shared_ptr<std::string>(buffer.release(), [this](std::string* b) { Give(b); });
}

void FrameBufferPool::Give(std::string* buffer) {
  std::unique_ptr<std::string> owned(buffer);
  if (owned->capacity() > kMaxKeptCapacity) return;
  std::lock_guard lock(mu_);
  if (kept_.size() < kMaxKept) kept_.push_back(std::move(owned));
}

size_t FrameBufferPool::KeptForTest() {
  std::lock_guard lock(mu_);
  return kept_.size();
}

}  // namespace tether::net
