// SessionHub, the thumbnail of the guest's screen: asked for only while someone looks and the
// guest shares its screen, checked, and the latest one kept in memory. Under the hub's mutex.
#include "server/relay/relay_endpoint.h"
#include "server/relay/session_hub.h"
#include "server/relay/thumbnail_check.h"

namespace tether::relay {
namespace {

// Thumbnails: asked for about this often while someone looked within kThumbnailInterest.
constexpr auto kThumbnailInterval = std::chrono::seconds(5);
constexpr auto kThumbnailInterest = std::chrono::seconds(30);
constexpr uint32_t kThumbnailWidth = 240;
constexpr uint32_t kThumbnailHeight = 240;

}  // namespace

std::optional<KeptThumbnail> SessionHub::Thumbnail() {
  std::lock_guard lock(mu_);
  const auto now = relay_.Time().Steady();
  thumbnail_wanted_ = now;
  if (ThumbnailsAllowedLocked() && now - thumbnail_asked_ >= kThumbnailInterval) AskThumbnailLocked(now);
  if (!thumbnail_.jpeg) return std::nullopt;
  return thumbnail_;
}

// Access sessions: whoever may see thumbnails is the web server's decision. Support and
// meeting sessions: only once the guest let someone see its screen in this connection.
bool SessionHub::ThumbnailsAllowedLocked() const {
  if (!guest_) return false;
  return guest_->Admitted().session_type == "access" || guest_consented_;
}

// Asks the agent again while a panel looked at the thumbnail recently.
void SessionHub::SweepThumbnailLocked(std::chrono::steady_clock::time_point now) {
  if (now - thumbnail_wanted_ < kThumbnailInterest && now - thumbnail_asked_ >= kThumbnailInterval &&
      ThumbnailsAllowedLocked()) {
    AskThumbnailLocked(now);
  }
}

void SessionHub::AskThumbnailLocked(std::chrono::steady_clock::time_point now) {
  thumbnail_asked_ = now;
  thumbnail_pending_ = true;
  v1::ControlMessage ask;
  ask.mutable_thumbnail_request()->set_max_width(kThumbnailWidth);
  ask.mutable_thumbnail_request()->set_max_height(kThumbnailHeight);
  guest_->SendControl(ask);
}

// Kept only when asked for and allowed, and only if it is a small JPEG; the picture is moved,
// never copied or decoded here.
void SessionHub::OnThumbnailLocked(v1::Thumbnail& thumbnail) {
  if (!thumbnail_pending_ || !ThumbnailsAllowedLocked()) {
    relay_.Counters().thumbnails_ignored.Add();
    return;
  }
  thumbnail_pending_ = false;
  if (auto st = CheckThumbnail(thumbnail); !st) {
    relay_.Counters().thumbnails_ignored.Add();
    return;
  }
  thumbnail_.jpeg = std::make_shared<const std::string>(std::move(*thumbnail.mutable_jpeg()));
  thumbnail_.captured_at = relay_.Time().NowUnix();
  relay_.Counters().thumbnails.Add();
}

void SessionHub::DropThumbnailLocked() {
  thumbnail_ = {};
  thumbnail_pending_ = false;
  thumbnail_asked_ = {};
}

}  // namespace tether::relay
