#pragma once
// ThumbnailSource: where the Web Server finds the latest thumbnail of a session's guest screen.
// Implemented by the composition root over the Relay (which keeps it in memory and decides
// from the guest's consent whether there is one); asking also tells the relay that someone
// looks. Thread-safe; called on the blocking pool.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace tether::web {

struct GuestThumbnail {
  std::shared_ptr<const std::string> jpeg;
  int64_t captured_at = 0;  // Unix time
};

class ThumbnailSource {
 public:
  virtual ~ThumbnailSource() = default;
  virtual std::optional<GuestThumbnail> LatestThumbnail(const std::string& session_id) = 0;
};

}  // namespace tether::web
