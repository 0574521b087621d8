#pragma once
// FrameBufferPool: buffers for large frames (file transfer chunks, big video updates) used again
// instead of being allocated and zero-filled for every frame: at bulk rates that work was a few
// per cent of the relay's CPU. A buffer comes back to the pool when the last holder of its frame
// drops it, on whichever thread that happens. Thread-safe; the process-wide pool is never
// destroyed, so frames may outlive every connection.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tether::net {

class FrameBufferPool {
 public:
  // Buffers larger than this are not kept (the largest frame is 256 KiB plus its header).
  static constexpr size_t kMaxKeptCapacity = 512 * 1024;
  static constexpr size_t kMaxKept = 64;

  // The process-wide pool.
  static FrameBufferPool& Shared();

  // A buffer of exactly `size` bytes whose contents are unspecified (a previous frame's bytes):
  // the caller must overwrite every byte before anyone else sees it.
  std::shared_ptr<std::string> Take(size_t size);
  size_t KeptForTest();

 private:
  void Give(std::string* buffer);

  std::mutex mu_;
  std::vector<std::unique_ptr<std::string>> kept_;
};

}  // namespace tether::net
