#include "server/manager/session_lifetime.h"

#include <algorithm>

namespace tether::manager {

LifetimeOptions SessionLifetime::Options() const {
  if (fixed_) return *fixed_;
  const auto v = manager_.Security().Get();
  return LifetimeOptions{v.max_session_s, v.support_expiry_s};
}

std::string SessionLifetime::Why(const Session& s, int64_t now, const LifetimeOptions& limits) const {
  if (s.type == SessionType::kAccess) return "";  // permanent by design
  if (limits.max_session_seconds > 0 && now - s.created_at >= limits.max_session_seconds) {
    return "maximum session length of " + DurationText(limits.max_session_seconds) + " reached";
  }
  if (s.type == SessionType::kSupport && limits.support_expiry_seconds > 0 && !s.guest.online &&
      now - std::max(s.created_at, s.guest.last_seen) >= limits.support_expiry_seconds) {
    return "expired: no guest for " + DurationText(limits.support_expiry_seconds);
  }
  return "";
}

int SessionLifetime::Sweep() {
  const LifetimeOptions limits = Options();
  if (limits.max_session_seconds <= 0 && limits.support_expiry_seconds <= 0) return 0;
  const Actor system{"system", "server"};
  int ended = 0;
  for (SessionType type : {SessionType::kSupport, SessionType::kMeeting}) {
    SessionQuery q;
    q.type = type;
    q.limit = 500;
    while (true) {
      auto page = manager_.ListSessions(q);
      const int64_t now = clock_.NowUnix();
      for (const auto& s : page) {
        std::string why = Why(s, now, limits);
        if (why.empty()) continue;
        if (why.starts_with("maximum")) (void)manager_.AppendEvent(s.id, "forced_disconnect", "system", why);
        if (manager_.EndSession(s.id, system, why)) ++ended;
      }
      if (static_cast<int>(page.size()) < q.limit) break;
      q.after = SessionCursor{page.back().created_at, page.back().id};
    }
  }
  return ended;
}

}  // namespace tether::manager
